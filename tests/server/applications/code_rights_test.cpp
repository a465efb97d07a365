// An upload code is worth no more than the right of the person who made it: when their grant is
// revoked, narrowed or runs out, or they stop being the unit's legal representative, the code
// stops at once (described, read or uploaded with), with 410 upload_code_revoked, and nothing
// is stored, even for a photo that was already being processed.
#include <gtest/gtest.h>

#include <future>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const char* haicheng = "labour_dispatch_licence_haicheng";

std::string unit_of(const running_server& s, const std::string& application_id) {
  return sql_one(s.conninfo(), "SELECT unit_id FROM applications WHERE id = " + application_id);
}

// The live grant, in the application's unit, of the person who made the code.
std::string creator_grant(const running_server& s, const upload_code& c) {
  return sql_one(s.conninfo(),
                 "SELECT g.id FROM upload_codes uc JOIN applications a ON a.id = uc.application_id "
                 "JOIN grants g ON g.unit_id = a.unit_id AND g.person_id = uc.created_by AND g.revoked_at IS NULL "
                 "WHERE uc.id = " + c.id);
}

std::string marked_revoked(const running_server& s, const upload_code& c) {
  return sql_one(s.conninfo(), "SELECT revoked_at IS NOT NULL FROM upload_codes WHERE id = " + c.id);
}

std::string pages_added(const running_server& s, const upload_code& c) {
  return sql_one(s.conninfo(), "SELECT pages_added FROM upload_codes WHERE id = " + c.id);
}

// The code is refused everywhere the phone uses it, with the same clear answer.
void expect_code_refused(const running_server& s, const upload_code& c, const std::string& key) {
  auto view = describe_code(s.port(), c.token);
  EXPECT_EQ(view.status, 410) << view.body;
  EXPECT_EQ(view.error_code(), "upload_code_revoked");
  auto up = phone_upload(s.port(), c.token, accepted_jpeg(), key);
  EXPECT_EQ(up.status, 410) << up.body;
  EXPECT_EQ(up.error_code(), "upload_code_revoked");
  if (up.status == 410) {
    auto e = up.json().as_object().at("error");
    EXPECT_FALSE(str_at(e, "message").empty());
    EXPECT_FALSE(str_at(e, "message_en").empty());
  }
  EXPECT_EQ(pages_added(s, c), "0");
}

}  // namespace

TEST(UploadCodeRights, RevokingTheCreatorsGrantKillsItsCodesAtOnce) {
  running_server s;
  auto agent = s.login(demo::unit_a, demo::agent_all);
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto id = start_id(s, agent, haicheng);
  auto code = create_code(s, agent, id, "dispatch_rules");
  auto reps_code = create_code(s, rep, id, "dispatch_rules");
  auto page = seed_page(s.conninfo(), id, "dispatch_rules");
  header_list with_code = {{"X-Upload-Code", code.token}};
  ASSERT_EQ(describe_code(s.port(), code.token).status, 200);
  ASSERT_EQ(s.call("GET", "/api/v1/pages/" + page + "/thumbnail", "", with_code).status, 200);

  auto del = s.call_as(rep, "DELETE", "/api/v1/units/" + unit_of(s, id) + "/grants/" + creator_grant(s, code));
  ASSERT_EQ(del.status, 204) << del.body;
  // Marked revoked in the revocation's own transaction; the legal representative's code lives on.
  EXPECT_EQ(marked_revoked(s, code), "t");
  EXPECT_EQ(marked_revoked(s, reps_code), "f");
  expect_code_refused(s, code, "after-revocation");
  EXPECT_EQ(s.call("GET", "/api/v1/pages/" + page + "/thumbnail", "", with_code).status, 404);
  EXPECT_EQ(page_count(s.conninfo(), id), 1);

  auto by_rep = phone_upload(s.port(), reps_code.token, accepted_jpeg(), "rep");
  EXPECT_EQ(by_rep.status, 201) << by_rep.body;
}

TEST(UploadCodeRights, NarrowingTheScopeKillsTheCodesItNoLongerCovers) {
  running_server s;
  auto agent = s.login(demo::unit_a, demo::agent_all);
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto outside = start_id(s, agent, haicheng);
  auto inside = start_id(s, agent, "labour_dispatch");
  auto lost = create_code(s, agent, outside, "dispatch_rules");
  auto kept = create_code(s, agent, inside, "dispatch_rules");

  auto patch = s.call_as(rep, "PATCH", "/api/v1/units/" + unit_of(s, outside) + "/grants/" + creator_grant(s, lost),
                         R"({"scope":["labour_dispatch"]})");
  ASSERT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(marked_revoked(s, lost), "t");
  EXPECT_EQ(marked_revoked(s, kept), "f");
  expect_code_refused(s, lost, "out-of-scope");
  EXPECT_EQ(page_count(s.conninfo(), outside), 0);
  EXPECT_EQ(describe_code(s.port(), kept.token).status, 200);
}

TEST(UploadCodeRights, EveryUseChecksTheCreatorsRightEvenWithoutARevocation) {
  running_server s;
  auto agent = s.login(demo::unit_a, demo::agent_all);
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto id = start_id(s, agent, haicheng);
  auto agents_code = create_code(s, agent, id, "dispatch_rules");
  auto reps_code = create_code(s, rep, id, "charter_capital");
  ASSERT_EQ(describe_code(s.port(), agents_code.token).status, 200);
  ASSERT_EQ(describe_code(s.port(), reps_code.token).status, 200);

  // The agent's grant runs out (no request changes anything: the date alone does it).
  sql(s.conninfo(), "UPDATE grants SET valid_from = '2024-01-01', valid_until = '2024-12-31' WHERE id = " +
                        creator_grant(s, agents_code));
  EXPECT_EQ(marked_revoked(s, agents_code), "f");
  expect_code_refused(s, agents_code, "grant-ran-out");
  // The unit gets another legal representative: the former one's code stops.
  ASSERT_EQ(describe_code(s.port(), reps_code.token).status, 200);
  sql(s.conninfo(), "UPDATE units SET legal_rep_id = (SELECT id FROM persons WHERE name = '赵磊') WHERE id = " +
                        unit_of(s, id));
  expect_code_refused(s, reps_code, "not-legal-rep");
  EXPECT_EQ(page_count(s.conninfo(), id), 0);

  // A person's code for their own application keeps working.
  auto zhou = s.login(std::nullopt, demo::person_only);
  auto own = start_id(s, zhou, "labour_dispatch");
  auto own_code = create_code(s, zhou, own, "dispatch_rules");
  EXPECT_EQ(describe_code(s.port(), own_code.token).status, 200);
  auto up = phone_upload(s.port(), own_code.token, accepted_jpeg(), "own");
  EXPECT_EQ(up.status, 201) << up.body;
}

TEST(UploadCodeRights, ARevocationWhileThePhotoIsProcessedStoresNothing) {
  auto cfg = test_config();
  cfg.imaging_threads = 1;
  running_server s(cfg);
  auto agent = s.login(demo::unit_a, demo::agent_all);
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto id = start_id(s, agent, haicheng);
  auto code = create_code(s, agent, id, "dispatch_rules");
  auto grant = creator_grant(s, code);

  // The only imaging thread is held, so the upload passes its first checks and then waits.
  std::future<http_reply> upload;
  imaging_hold hold(s.app().imaging);
  upload = std::async(std::launch::async, [&] { return phone_upload(s.port(), code.token, accepted_jpeg(), "in-flight"); });
  ASSERT_TRUE(wait_until([&] { return s.app().imaging.load() >= 2; }, 60s)) << "the upload never reached the queue";

  auto del = s.call_as(rep, "DELETE", "/api/v1/units/" + unit_of(s, id) + "/grants/" + grant);
  ASSERT_EQ(del.status, 204) << del.body;
  hold.open();
  auto r = upload.get();
  EXPECT_EQ(r.status, 410) << r.body;
  EXPECT_EQ(r.error_code(), "upload_code_revoked");
  EXPECT_EQ(page_count(s.conninfo(), id), 0);
  EXPECT_EQ(pages_added(s, code), "0");
}
