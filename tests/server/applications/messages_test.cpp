// Notifications over real HTTP and PostgreSQL: a message for each staff step that concerns the
// applicant, seen by everyone acting for the unit and by nobody else, read state per person, the
// unread count pushed to an open message centre, deadline reminders made once two working days
// ahead, and the outbox delivered to an SMS webhook that is down at first (at least once, signed).
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "app_client.hpp"
#include "webhook_receiver.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

json::object correction(const std::string& deadline) { return apps::correction("dispatch_rules", deadline); }

json::value messages_of(const running_server& s, const std::string& token, const std::string& query = "") {
  auto r = s.call_as(token, "GET", "/api/v1/messages" + query);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json();
}

std::vector<std::string> kinds(const json::value& page) {
  std::vector<std::string> out;
  for (auto& m : page.at("items").as_array()) out.push_back(str_at(m, "kind"));
  return out;
}

std::string hmac_hex(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &len);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    out += buf;
  }
  return out;
}


}  // namespace

TEST(Messages, EachStepReachesEveryoneOfTheUnitAndNobodyElse) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto liu = s.login(demo::unit_a, demo::agent_scoped);
  auto wang_for_b = s.login(demo::unit_b, demo::agent_all);
  auto id = submitted(s, wang);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);
  EXPECT_EQ(messages_of(s, wang).at("unread").as_int64(), 0);  // submitting is the applicant's own step

  ASSERT_EQ(act(s, clerk, id, {{"action", "accept"}}).status, 200);
  ASSERT_EQ(act(s, reviewer, id, correction("2099-12-31")).status, 200);
  auto page = messages_of(s, wang);
  EXPECT_EQ(kinds(page), (std::vector<std::string>{"request_correction", "accept"}));
  EXPECT_EQ(page.at("unread").as_int64(), 2);
  auto sent_back = page.at("items").as_array()[0];
  EXPECT_EQ(str_at(sent_back, "title"), "请补正材料");
  EXPECT_NE(str_at(sent_back, "body").find("请加盖公章后重新上传"), std::string::npos);
  // The material by the name the applicant knows, not by its code.
  EXPECT_NE(str_at(sent_back, "body").find("劳务派遣管理制度"), std::string::npos) << str_at(sent_back, "body");
  EXPECT_EQ(str_at(sent_back, "body").find("dispatch_rules"), std::string::npos) << str_at(sent_back, "body");
  EXPECT_NE(str_at(sent_back, "body").find("2099-12-31"), std::string::npos);
  EXPECT_NE(str_at(sent_back, "body_en").find("2099-12-31"), std::string::npos);
  EXPECT_EQ(str_at(sent_back, "application_id"), id);

  // Everyone acting for unit A sees them; wang acting for unit B and staff do not.
  EXPECT_EQ(kinds(messages_of(s, liu)).size(), 2u);
  EXPECT_TRUE(kinds(messages_of(s, wang_for_b)).empty());
  EXPECT_EQ(s.call_as(clerk, "GET", "/api/v1/messages").error_code(), "applicant_session_required");

  // Read state is each person's own.
  auto first = str_at(sent_back, "id");
  auto read = s.call_as(wang, "POST", "/api/v1/messages/" + first + "/read", "{}");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json().at("unread").as_int64(), 1);
  EXPECT_EQ(messages_of(s, liu).at("unread").as_int64(), 2);
  EXPECT_EQ(s.call_as(wang_for_b, "POST", "/api/v1/messages/" + first + "/read", "{}").error_code(),
            "message_not_found");
  EXPECT_EQ(s.call_as(liu, "POST", "/api/v1/messages/read", "{}").json().at("unread").as_int64(), 0);
  EXPECT_EQ(messages_of(s, wang).at("unread").as_int64(), 1);

  // Paging, newest first.
  auto one = messages_of(s, wang, "?limit=1");
  EXPECT_EQ(kinds(one), (std::vector<std::string>{"request_correction"}));
  auto next = str_at(one, "next_before");
  EXPECT_EQ(kinds(messages_of(s, wang, "?limit=1&before=" + next)), (std::vector<std::string>{"accept"}));
  EXPECT_EQ(s.call_as(wang, "GET", "/api/v1/messages?limit=0").status, 400);

  // The rest of the way: resubmission (the applicant's own step), approval, completion.
  seed_page(s.conninfo(), id, "dispatch_rules", 1);
  ASSERT_EQ(s.call_as(wang, "POST", "/api/v1/applications/" + id + "/resubmission", "{}").status, 200);
  ASSERT_EQ(act(s, reviewer, id, {{"action", "approve"}, {"comment", "准予劳务派遣经营许可。"}}).status, 200);
  ASSERT_EQ(act(s, clerk, id, {{"action", "complete"}}).status, 200);
  EXPECT_EQ(kinds(messages_of(s, wang)),
            (std::vector<std::string>{"complete", "approve", "request_correction", "accept"}));
  // Each message went into the outbox in its transaction.
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM outbox o JOIN messages m ON m.id = o.message_id"), "4");
}

TEST(Messages, APersonalApplicationsMessagesAreForItsPersonOnly) {
  running_server s;
  auto wang_alone = s.login(std::nullopt, demo::agent_all);
  auto wang_for_a = s.login(demo::unit_a, demo::agent_all);
  auto liu_alone = s.login(std::nullopt, demo::agent_scoped);
  auto id = submitted(s, wang_alone);
  ASSERT_EQ(act(s, staff_login(s, demo::clerk), id, {{"action", "accept"}}).status, 200);
  EXPECT_EQ(kinds(messages_of(s, wang_alone)), (std::vector<std::string>{"accept"}));
  EXPECT_TRUE(kinds(messages_of(s, wang_for_a)).empty());
  EXPECT_TRUE(kinds(messages_of(s, liu_alone)).empty());
}

TEST(Messages, RefusalAndRejectionCarryTheReason) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);
  auto refused = submitted(s, wang);
  ASSERT_EQ(act(s, clerk, refused, {{"action", "refuse"}, {"comment", "不属于本部门职权范围"}}).status, 200);
  auto rejected = submitted(s, wang);
  ASSERT_EQ(act(s, clerk, rejected, {{"action", "accept"}}).status, 200);
  ASSERT_EQ(act(s, reviewer, rejected, {{"action", "reject"}, {"comment", "注册资本不足"}}).status, 200);
  auto items = messages_of(s, wang).at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(str_at(items[0], "kind"), "reject");
  EXPECT_NE(str_at(items[0], "body").find("注册资本不足"), std::string::npos);
  EXPECT_EQ(str_at(items[2], "kind"), "refuse");
  EXPECT_NE(str_at(items[2], "body").find("不属于本部门职权范围"), std::string::npos);
}

TEST(Messages, AnOpenMessageCentreGetsTheUnreadCountWhenAMessageArrives) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto liu = s.login(demo::unit_a, demo::agent_scoped);
  auto id = submitted(s, wang);
  auto clerk = staff_login(s, demo::clerk);
  background_read events(s.port(),
                         {.target = "/api/v1/messages/events", .headers = {{"Authorization", "Bearer " + liu}}}, 60s);
  ASSERT_TRUE(events.wait_for("event: changed\ndata: {\"unread\":0}", 10s)) << events.text();
  ASSERT_EQ(act(s, clerk, id, {{"action", "accept"}}).status, 200);
  ASSERT_TRUE(events.wait_for("{\"unread\":1}", 20s)) << events.text();
  ASSERT_EQ(s.call_as(liu, "POST", "/api/v1/messages/read", "{}").status, 200);
  // Reading elsewhere (another tab) updates the count too.
  EXPECT_TRUE(events.wait_for("{\"unread\":1}\n\nevent: changed\ndata: {\"unread\":0}", 20s)) << events.text();
  EXPECT_EQ(s.call_as(clerk, "GET", "/api/v1/messages/events").error_code(), "applicant_session_required");
}

// On the shipped calendar the deadline Friday 2026-10-09 is two working days after Wednesday
// 09-30 (10-01 to 10-07 are the National Day holiday): the reminder is made on 09-30, not on
// 09-29, and only once however often the job runs.
TEST(Messages, CorrectionReminderComesOnceTwoWorkingDaysBeforeTheDeadline) {
  using namespace std::chrono;
  hallpass::server::services::manual_clock clock(sys_days{year{2026} / 9 / 28} + hours(2));  // 10:00 in China
  running_server s(test_config(), true, &clock);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);
  ASSERT_EQ(act(s, clerk, id, {{"action", "accept"}}).status, 200);
  ASSERT_EQ(act(s, reviewer, id, correction("2026-10-09")).status, 200);
  auto& centre = s.app().messages;
  clock.advance(days(1));  // 09-29: three working days ahead
  EXPECT_EQ(centre.send_reminders(), 0);
  clock.advance(days(1));  // 09-30
  EXPECT_EQ(centre.send_reminders(), 1);
  EXPECT_EQ(centre.send_reminders(), 0);
  clock.advance(days(6));  // 10-06, in the holiday
  EXPECT_EQ(centre.send_reminders(), 0);
  auto items = messages_of(s, wang).at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(str_at(items[0], "kind"), "correction_due");
  EXPECT_NE(str_at(items[0], "body").find("2026-10-09"), std::string::npos);
}

// 容缺: accepted on Monday 09-28 with the tolerated material missing, its supply deadline is
// counted in working days; the reminder comes two working days before it, while it is missing.
TEST(Messages, SupplyReminderComesOnlyWhileATolerableMaterialIsMissing) {
  using namespace std::chrono;
  hallpass::server::services::manual_clock clock(sys_days{year{2026} / 9 / 28} + hours(2));
  running_server s(test_config(), true, &clock);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto missing = submitted(s, wang, true);  // charter_capital tolerated
  auto clerk = staff_login(s, demo::clerk);
  auto accepted = act(s, clerk, missing, {{"action", "accept"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  auto deadline = str_at(accepted.json(), "supply_deadline");
  ASSERT_FALSE(deadline.empty()) << accepted.body;
  auto& centre = s.app().messages;
  // One run a day from acceptance to the deadline: only the day two working days ahead makes one.
  int made = 0;
  for (auto today = hallpass::server::services::china_date(clock.now()); today <= deadline;
       clock.advance(days(1)), today = hallpass::server::services::china_date(clock.now())) {
    int n = centre.send_reminders();
    if (n > 0) {
      EXPECT_EQ(plus_working_days(today, 2), deadline) << "made on " << today;
    }
    made += n;
  }
  EXPECT_EQ(made, 1);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM messages WHERE kind = 'supply_due'"), "1");
}

TEST(Messages, TheOutboxReachesAWebhookThatWasDownEveryMessageSignedAndAtLeastOnce) {
  auto port = free_port();
  auto cfg = test_config();
  cfg.sms_webhook_url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/sms";
  cfg.sms_webhook_secret = "test-webhook-secret";
  cfg.sms_retry_min_ms = 50;
  cfg.sms_retry_max_ms = 400;
  running_server s(cfg);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);
  for (int i = 0; i < 3; ++i) {
    auto id = submitted(s, wang);
    ASSERT_EQ(act(s, clerk, id, {{"action", "accept"}}).status, 200);
    ASSERT_EQ(act(s, reviewer, id, correction("2099-12-31")).status, 200);
  }
  auto ids = sql(s.conninfo(), "SELECT message_id FROM outbox ORDER BY message_id");
  ASSERT_EQ(ids.size(), 6u);
  // The receiver is down: attempts fail and are kept for later.
  ASSERT_TRUE(wait_until(
      [&] { return sql_one(s.conninfo(), "SELECT count(*) FROM outbox WHERE attempts >= 2") == "6"; }, 60s));
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL"), "0");

  webhook_receiver receiver(port);
  ASSERT_TRUE(wait_until(
      [&] { return sql_one(s.conninfo(), "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") == "0"; }, 60s));
  auto got = receiver.received();
  EXPECT_GE(receiver.requests(), 7);  // the first answer was lost: that message came twice
  ASSERT_EQ(got.size(), ids.size());
  for (auto& id : ids) {
    ASSERT_TRUE(got.count(id)) << id;
    auto& d = got[id];
    EXPECT_EQ(d.signature, "sha256=" + hmac_hex("test-webhook-secret", d.body));
    auto payload = json::parse(d.body);
    EXPECT_EQ(std::to_string(payload.at("message_id").as_int64()), id);
    auto mobile = str_at(payload, "mobile_masked");  // masked, never clear
    EXPECT_EQ(mobile.front(), '1') << d.body;
    EXPECT_NE(mobile.find('*'), std::string::npos) << d.body;
    EXPECT_EQ(d.body.find("13812340003"), std::string::npos);
    EXPECT_FALSE(str_at(payload, "text").empty());
  }
}
