// The hall's side over real HTTP and PostgreSQL: staff sign-in per office, the work queue, every
// transition of the table and the ones that are not in it, bad input, another office, two staff
// acting at once, 容缺 after acceptance, 补正 and resubmission with the statutory clock, and the
// applicant's timeline.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;

namespace {

const std::string office = "haicheng_hrss";

std::string state_of(const running_server& s, const std::string& id) {
  return sql_one(s.conninfo(), "SELECT state FROM applications WHERE id = " + id);
}
std::string events_of(const running_server& s, const std::string& id) {
  return sql_one(s.conninfo(), "SELECT count(*) FROM application_events WHERE application_id = " + id);
}

}  // namespace

TEST(StaffSignIn, StaffActForOneOfficeAndNeverAsApplicants) {
  running_server s;
  auto clerk = staff_login(s, demo::clerk);
  auto me = s.call_as(clerk, "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(str_at(me.json(), "role"), "staff");
  EXPECT_EQ(str_at(me.json().at("office"), "code"), office);
  EXPECT_EQ(str_at(me.json().at("office"), "role"), "clerk");
  EXPECT_EQ(s.call_as(clerk, "GET", "/api/v1/staff/queue").status, 200);
  // A staff session reaches nothing of the applicant's side; an applicant nothing of the staff side.
  EXPECT_EQ(s.call_as(clerk, "GET", "/api/v1/applications").error_code(), "applicant_session_required");
  auto wang = s.login(demo::unit_a, demo::agent_all);
  EXPECT_EQ(s.call_as(wang, "GET", "/api/v1/staff/queue").error_code(), "staff_session_required");
  // A person who is not staff of the office, with the right password, looks like a wrong password.
  auto not_staff = s.call("POST", "/api/v1/sessions",
                          json::serialize(json::object{{"office", office}, {"account", demo::agent_all},
                                                       {"password", "Demo@2026"}}),
                          {{"Content-Type", "application/json"}});
  EXPECT_EQ(not_staff.status, 401);
  EXPECT_EQ(not_staff.error_code(), "invalid_credentials");
  // Revoking the staff role ends the session at its next use.
  sql_one(s.conninfo(), "UPDATE staff SET revoked_at = now() WHERE office_code = '" + office +
                            "' AND person_id = (SELECT person_id FROM sessions WHERE role = 'staff' LIMIT 1) RETURNING 1");
  EXPECT_EQ(s.call_as(clerk, "GET", "/api/v1/staff/queue").status, 401);
}

TEST(Review, ApplicationGoesFromSubmissionToCompletionWithEveryStepOnTheTimeline) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);

  // The clerk's queue shows it waiting for acceptance, with its unit.
  auto queue = s.call_as(clerk, "GET", "/api/v1/staff/queue");
  ASSERT_EQ(queue.status, 200) << queue.body;
  auto items = queue.json().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(str_at(items[0], "id"), id);
  EXPECT_EQ(str_at(items[0], "section"), "pending_acceptance");
  EXPECT_EQ(str_at(items[0].at("unit"), "name"), "常州示范劳务派遣有限公司");
  EXPECT_FALSE(str_at(queue.json(), "calendar").empty());

  auto accepted = act(s, clerk, id, {{"action", "accept"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(str_at(accepted.json(), "state"), "accepted");
  EXPECT_FALSE(str_at(accepted.json(), "due_date").empty());
  EXPECT_FALSE(str_at(accepted.json(), "calendar").empty());
  EXPECT_EQ(str_at(s.call_as(clerk, "GET", "/api/v1/staff/queue").json().at("items").as_array()[0], "section"),
            "in_review");

  // The reviewer sends one material back; only it reopens on the applicant's side.
  auto sent_back = act(s, reviewer, id, correction("dispatch_rules", "2099-12-31"));
  ASSERT_EQ(sent_back.status, 200) << sent_back.body;
  EXPECT_EQ(str_at(sent_back.json(), "state"), "correction");
  auto timeline = s.call_as(wang, "GET", "/api/v1/applications/" + id + "/timeline");
  ASSERT_EQ(timeline.status, 200) << timeline.body;
  auto events = timeline.json().at("timeline").as_array();
  ASSERT_EQ(events.size(), 3u);  // submit, accept, request_correction
  EXPECT_EQ(str_at(events[2], "action"), "request_correction");
  EXPECT_EQ(str_at(events[2].at("details").at("materials").as_array()[0], "comment"), "请加盖公章后重新上传");
  EXPECT_EQ(portal_upload(s, wang, id, "business_licence", accepted_jpeg()).error_code(), "material_not_open");
  auto page = portal_upload(s, wang, id, "dispatch_rules", accepted_jpeg());
  EXPECT_EQ(page.status, 201) << page.body;
  auto resubmitted = s.call_as(wang, "POST", "/api/v1/applications/" + id + "/resubmission", "{}");
  ASSERT_EQ(resubmitted.status, 200) << resubmitted.body;
  EXPECT_EQ(str_at(resubmitted.json(), "state"), "accepted");
  EXPECT_TRUE(resubmitted.json().at("reopened_materials").as_array().empty());
  EXPECT_EQ(portal_upload(s, wang, id, "dispatch_rules", accepted_jpeg()).error_code(), "application_not_draft");

  auto approved = act(s, reviewer, id, {{"action", "approve"}, {"comment", "准予劳务派遣经营许可。"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(str_at(approved.json(), "state"), "approved");
  EXPECT_FALSE(str_at(approved.json(), "licence_number").empty());
  auto completed = act(s, clerk, id, {{"action", "complete"}});
  ASSERT_EQ(completed.status, 200) << completed.body;
  EXPECT_EQ(str_at(completed.json(), "state"), "completed");

  auto mine = s.call_as(wang, "GET", "/api/v1/applications");
  ASSERT_EQ(mine.json().at("to_rate").as_array().size(), 1u);  // 待评价 until rated
  EXPECT_EQ(str_at(mine.json().at("to_rate").as_array()[0], "state_label"), "已办结");
  auto all = s.call_as(wang, "GET", "/api/v1/applications/" + id + "/timeline").json().at("timeline").as_array();
  std::vector<std::string> actions;
  for (auto& e : all) actions.emplace_back(str_at(e, "action"));
  EXPECT_EQ(actions, (std::vector<std::string>{"submit", "accept", "request_correction", "resubmit", "approve",
                                               "complete"}));
  EXPECT_EQ(str_at(all[1], "actor_role"), "clerk");
  EXPECT_EQ(str_at(all[4], "actor_role"), "reviewer");
  EXPECT_EQ(str_at(all[4], "comment"), "准予劳务派遣经营许可。");

  // 办件评价: once, after 办结; then it leaves 待评价; the head sees it, the clerk does not.
  EXPECT_EQ(mine.json().at("to_rate").as_array().size(), 1u);
  auto rate = [&](json::object body) {
    return s.call_as(wang, "POST", "/api/v1/applications/" + id + "/rating", json::serialize(body));
  };
  EXPECT_EQ(rate({{"stars", 6}}).error_code(), "invalid_rating");
  EXPECT_EQ(rate({{"stars", 5}, {"comment", "办事快，态度好"}}).status, 201);
  EXPECT_EQ(rate({{"stars", 1}}).error_code(), "already_rated");
  auto after = s.call_as(wang, "GET", "/api/v1/applications");
  EXPECT_TRUE(after.json().at("to_rate").as_array().empty());
  EXPECT_EQ(after.json().at("finished").as_array().size(), 1u);
  auto seen_by_head = s.call_as(staff_login(s, demo::head), "GET", "/api/v1/staff/applications/" + id);
  EXPECT_EQ(seen_by_head.json().at("rating").at("stars").as_int64(), 5);
  EXPECT_FALSE(s.call_as(clerk, "GET", "/api/v1/staff/applications/" + id).json().as_object().contains("rating"));
}

TEST(Review, TransitionsOutsideTheTableAndRolesWithoutTheRightAreRefused) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);
  EXPECT_EQ(act(s, clerk, id, {{"action", "complete"}}).error_code(), "transition_not_allowed");
  EXPECT_EQ(act(s, clerk, id, {{"action", "approve"}, {"comment", "x"}}).error_code(), "transition_not_allowed");
  EXPECT_EQ(act(s, reviewer, id, {{"action", "accept"}}).error_code(), "staff_role_not_allowed");
  EXPECT_EQ(s.call_as(wang, "POST", "/api/v1/applications/" + id + "/resubmission", "{}").error_code(),
            "transition_not_allowed");
  ASSERT_EQ(act(s, clerk, id, {{"action", "accept"}}).status, 200);
  auto again = act(s, clerk, id, {{"action", "accept"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "transition_not_allowed");
  EXPECT_EQ(act(s, clerk, id, {{"action", "approve"}, {"comment", "x"}}).error_code(), "staff_role_not_allowed");
  EXPECT_EQ(s.call_as(wang, "POST", "/api/v1/applications/" + id + "/withdrawal", "{}").status, 409);
  EXPECT_EQ(state_of(s, id), "accepted");
  EXPECT_EQ(events_of(s, id), "2");
}

TEST(Review, BadInputIsRefusedAndChangesNothing) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  auto clerk = staff_login(s, demo::clerk);
  EXPECT_EQ(act(s, clerk, id, {{"action", "refuse"}, {"comment", "  "}}).error_code(), "reason_required");
  EXPECT_EQ(act(s, clerk, id, correction("dispatch_rules", "2020-01-01")).error_code(), "deadline_in_past");
  EXPECT_EQ(act(s, clerk, id, correction("dispatch_rules", "2026-02-30")).error_code(), "invalid_deadline");
  EXPECT_EQ(act(s, clerk, id, correction("no_such_material", "2099-01-01")).error_code(), "material_not_found");
  EXPECT_EQ(act(s, clerk, id, {{"action", "request_correction"}, {"deadline", "2099-01-01"}}).error_code(),
            "materials_required");
  EXPECT_EQ(act(s, clerk, id, {{"action", "fly"}}).error_code(), "invalid_action");
  EXPECT_EQ(act(s, clerk, id, {{"action", "submit"}}).error_code(), "invalid_action");
  EXPECT_EQ(act(s, clerk, id, {{"action", "accept"}, {"extra", 1}}).status, 400);
  EXPECT_EQ(state_of(s, id), "submitted");
  EXPECT_EQ(events_of(s, id), "1");
  // A refusal with its reason is final.
  auto refused = act(s, clerk, id, {{"action", "refuse"}, {"comment", "不属于本部门受理范围"}});
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_EQ(str_at(refused.json(), "state"), "not_accepted");
  EXPECT_EQ(act(s, clerk, id, {{"action", "accept"}}).error_code(), "transition_not_allowed");
}

TEST(Review, AnotherOfficeSeesNothingAndChangesNothing) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  auto elsewhere = staff_login(s, demo::clerk, "zhonglou_hrss");
  EXPECT_TRUE(s.call_as(elsewhere, "GET", "/api/v1/staff/queue").json().at("items").as_array().empty());
  EXPECT_EQ(s.call_as(elsewhere, "GET", "/api/v1/staff/applications/" + id).status, 404);
  auto r = act(s, elsewhere, id, {{"action", "accept"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "application_not_found");
  EXPECT_EQ(state_of(s, id), "submitted");
  // The office's own staff see it whole, with its timeline.
  auto own = s.call_as(staff_login(s, demo::head), "GET", "/api/v1/staff/applications/" + id);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.json().at("timeline").as_array().size(), 1u);
  EXPECT_EQ(own.json().at("materials").as_array().size(), 6u);
}

TEST(Review, OfTwoStaffActingAtOnceExactlyOneWins) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto clerk = staff_login(s, demo::clerk);
  auto head = staff_login(s, demo::head);
  for (int round = 0; round < 5; ++round) {
    auto id = submitted(s, wang);
    std::atomic<int> ok{0}, conflict{0};
    std::thread a([&] {
      auto r = act(s, clerk, id, {{"action", "accept"}});
      (r.status == 200 ? ok : conflict) += r.status == 200 || r.error_code() == "transition_not_allowed";
    });
    std::thread b([&] {
      auto r = act(s, head, id, {{"action", "refuse"}, {"comment", "材料不全"}});
      (r.status == 200 ? ok : conflict) += r.status == 200 || r.error_code() == "transition_not_allowed";
    });
    a.join();
    b.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(conflict.load(), 1);
    EXPECT_EQ(events_of(s, id), "2");  // submit and the one that won
  }
}

TEST(Review, ToleratedMaterialIsSuppliedAfterAcceptanceBeforeTheResult) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang, true);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);
  auto accepted = act(s, clerk, id, {{"action", "accept"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  // The 5 working days run from the end of the 7 given to supply the charter (容缺), not before it.
  auto supply = str_at(accepted.json(), "supply_deadline");
  EXPECT_EQ(str_at(accepted.json(), "due_date"), plus_working_days(supply, 5));
  auto queue = s.call_as(reviewer, "GET", "/api/v1/staff/queue").json().at("items").as_array();
  ASSERT_EQ(queue.size(), 1u);
  ASSERT_EQ(queue[0].at("missing_tolerated").as_array().size(), 1u);
  EXPECT_EQ(queue[0].at("missing_tolerated").as_array()[0].as_string(), "charter_capital");
  EXPECT_FALSE(str_at(queue[0], "supply_deadline").empty());
  auto early = act(s, reviewer, id, {{"action", "approve"}, {"comment", "准予许可"}});
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(early.error_code(), "tolerated_materials_missing");
  // Only the tolerated material is open, from the phone with an upload code as from the portal.
  EXPECT_EQ(s.call_as(wang, "POST", "/api/v1/applications/" + id + "/materials/business_licence/upload-codes", "{}")
                .error_code(),
            "application_not_draft");
  auto code = create_code(s, wang, id, "charter_capital");
  ASSERT_EQ(code.reply.status, 201) << code.reply.body;
  auto before = china_today();
  auto page = phone_upload(s.port(), code.token, accepted_jpeg());
  ASSERT_EQ(page.status, 201) << page.body;
  EXPECT_TRUE(s.call_as(reviewer, "GET", "/api/v1/staff/queue")
                  .json().at("items").as_array()[0].at("missing_tolerated").as_array().empty());
  // Supplied early: the time limit now runs from today (either side of midnight in China).
  auto due = sql_one(s.conninfo(), "SELECT due_date FROM applications WHERE id = " + id);
  EXPECT_TRUE(due == plus_working_days(before, 5) || due == plus_working_days(china_today(), 5)) << due;
  EXPECT_LT(due, plus_working_days(supply, 5));
  EXPECT_EQ(act(s, reviewer, id, {{"action", "approve"}, {"comment", "准予许可"}}).status, 200);
}

// The statutory clock on the shipped calendar: accepted on Monday 2026-09-28, the 5 working days of
// the Haicheng licence skip the National Day holiday and end on the make-up Saturday 2026-10-10.
// Sent back on 09-29 and resubmitted on 10-09, it stood still for 3 working days (09-30, 10-08,
// 10-09): the limit moves to Wednesday 2026-10-14.
TEST(Review, StatutoryClockCountsWorkingDaysFromAcceptanceWithoutCorrectionTime) {
  using namespace std::chrono;
  hallpass::server::services::manual_clock clock(sys_days{year{2026} / 9 / 28} + hours(2));  // 10:00 in China
  running_server s(test_config(), true, &clock);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);
  auto accepted = act(s, clerk, id, {{"action", "accept"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(str_at(accepted.json(), "due_date"), "2026-10-10");
  EXPECT_NE(str_at(accepted.json(), "calendar").find("2026"), std::string::npos);

  clock.advance(days(1));  // 09-29
  ASSERT_EQ(act(s, reviewer, id, correction("dispatch_rules", "2026-10-20")).status, 200);
  auto queue = s.call_as(reviewer, "GET", "/api/v1/staff/queue").json().at("items").as_array();
  EXPECT_EQ(str_at(queue[0], "section"), "awaiting_correction");
  EXPECT_EQ(queue[0].at("working_days_left").as_int64(), 4);  // 09-30, 10-08, 10-09, 10-10

  clock.advance(days(10));  // 10-09
  seed_page(s.conninfo(), id, "dispatch_rules", 1);
  auto back = s.call_as(wang, "POST", "/api/v1/applications/" + id + "/resubmission", "{}");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(str_at(back.json(), "due_date"), "2026-10-14");
  auto events = back.json().at("timeline").as_array();
  EXPECT_EQ(events.back().at("details").at("paused_working_days").as_int64(), 3);
}

// Staff sign in at the staff portal by QR with their own phone: the phone (a personal app
// session) confirms the ticket for an office, and the portal gets a staff session of it. A
// person who is not staff there cannot, and the ticket stays as it was.
TEST(StaffSignIn, ByQrFromTheirOwnPhoneForAnOffice) {
  running_server s;
  auto phone = s.login(std::nullopt, demo::clerk);
  auto scan_and_confirm = [&](const std::string& phone_token, const std::string& in_office) {
    auto ticket = s.call("POST", "/api/v1/login-tickets?qr=none");
    EXPECT_EQ(ticket.status, 201) << ticket.body;
    auto id = str_at(ticket.json(), "ticket_id");
    EXPECT_EQ(s.call_as(phone_token, "POST", "/api/v1/login-tickets/scans",
                        json::serialize(json::object{{"qr_url", str_at(ticket.json(), "qr_url")}}))
                  .status,
              200);
    auto confirmed = s.call_as(phone_token, "POST", "/api/v1/login-tickets/" + id + "/confirmation",
                               json::serialize(json::object{{"match_number", ticket.json().at("match_number")},
                                                            {"office", in_office}}));
    return std::tuple{confirmed, id, str_at(ticket.json(), "poll_secret")};
  };
  auto [confirmed, id, poll_secret] = scan_and_confirm(phone, office);
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  auto portal = s.call("POST", "/api/v1/login-tickets/" + id + "/session", "", {{"X-Poll-Secret", poll_secret}});
  ASSERT_EQ(portal.status, 201) << portal.body;
  EXPECT_EQ(str_at(portal.json(), "role"), "staff");
  EXPECT_EQ(str_at(portal.json().at("office"), "code"), office);
  auto cookie = session_cookie(portal);
  EXPECT_EQ(s.call("GET", "/api/v1/staff/queue", "", {{"Cookie", "hp_session=" + cookie}}).status, 200);

  auto outsider = s.login(std::nullopt, demo::person_only);
  auto [refused, other_id, other_secret] = scan_and_confirm(outsider, office);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.error_code(), "not_staff_of_office");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT state FROM login_tickets WHERE id = " + other_id), "scanned");
}
