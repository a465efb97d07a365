// 忘记密码 and 修改手机 over real HTTP and PostgreSQL, with the SMS platform stood in for by a
// local webhook receiver that captures the code: the same answer for accounts that do not exist,
// the code's life (5 minutes, 5 tries, once, for its mobile), the send limits, and every session
// ended after a reset.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include <boost/json.hpp>

#include "app_client.hpp"
#include "webhook_receiver.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string mobile = "13812340007";  // 周敏's

struct sms_server {
  unsigned short port = free_port();
  webhook_receiver receiver{port, false};
  running_server s{config()};

  hallpass::server::config config() const {
    auto cfg = test_config();
    cfg.sms_webhook_url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/sms";
    cfg.sms_webhook_secret = "test-webhook-secret";
    cfg.sms_retry_min_ms = 50;
    cfg.sms_retry_max_ms = 200;
    return cfg;
  }

  http_reply post(const std::string& path, const json::object& body) {
    return s.call("POST", path, json::serialize(body), {{"Content-Type", "application/json"}});
  }
  http_reply request(const std::string& id_number, const std::string& to) {
    return post("/api/v1/password-resets", {{"id_number", id_number}, {"mobile", to}});
  }
  http_reply confirm(const std::string& code, const std::string& password, const std::string& to = mobile) {
    return post("/api/v1/password-resets/confirmation",
                {{"id_number", demo::person_only}, {"mobile", to}, {"code", code}, {"new_password", password}});
  }
  std::vector<std::string> codes() { return one_time_codes(receiver); }
  bool wait_for_codes(std::size_t n) {
    return wait_until([&] { return codes().size() >= n; }, 20s);
  }
};

}  // namespace

TEST(PasswordReset, CodeBySmsThenANewPasswordEndsEverySession) {
  sms_server t;
  auto phone = t.s.login(std::nullopt, demo::person_only);
  auto r = t.request(demo::person_only, mobile);
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(t.wait_for_codes(1));
  auto code = t.codes()[0];
  // The SMS went to that mobile, signed; the outbox keeps the number only until it is delivered.
  auto delivered = t.receiver.received().begin()->second;
  EXPECT_EQ(str_at(json::parse(delivered.body), "mobile"), mobile);
  EXPECT_EQ(t.receiver.received().begin()->first.rfind("code-", 0), 0u);
  ASSERT_TRUE(wait_until([&] { return sql_one(t.s.conninfo(), "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == "1"; }, 10s));
  EXPECT_EQ(sql_one(t.s.conninfo(), "SELECT count(*) FROM outbox WHERE payload::text LIKE '%" + mobile + "%'"), "0");
  // The code itself is not stored.
  EXPECT_EQ(sql_one(t.s.conninfo(), "SELECT count(*) FROM one_time_codes WHERE encode(code_hash, 'escape') LIKE '%" + code + "%'"), "0");

  // A new password under the rule first; a bad one spends no try.
  EXPECT_EQ(t.confirm(code, "short").error_code(), "password_too_short");
  EXPECT_EQ(t.confirm(code == "000000" ? "111111" : "000000", "Better#2027").error_code(), "invalid_code");
  r = t.confirm(code, "Better#2027");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(t.s.call_as(phone, "GET", "/api/v1/sessions/current").status, 401);  // every session ended
  EXPECT_FALSE(t.s.login(std::nullopt, demo::person_only, "Better#2027").empty());
  // Used once.
  EXPECT_EQ(t.confirm(code, "Another#2028").error_code(), "invalid_code");
}

TEST(PasswordReset, AnswersNeverTellWhetherAnAccountExists) {
  sms_server t;
  auto known = t.request(demo::person_only, mobile);
  auto wrong_mobile = t.request(demo::person_only, "13900000000");
  auto nobody = t.request("11010519491231002X", mobile);
  ASSERT_EQ(known.status, 202);
  EXPECT_EQ(wrong_mobile.status, known.status);
  EXPECT_EQ(wrong_mobile.body, known.body);
  EXPECT_EQ(nobody.body, known.body);
  ASSERT_TRUE(t.wait_for_codes(1));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(t.codes().size(), 1u);  // only the real pair got a code
  // Confirming for a pair that is no one's looks like a wrong code.
  EXPECT_EQ(t.confirm(t.codes()[0], "Better#2027", "13900000000").error_code(), "invalid_code");
  // A malformed ID number or mobile is refused as such (that says nothing about accounts).
  EXPECT_EQ(t.request("12345", mobile).status, 422);
  EXPECT_EQ(t.request(demo::person_only, "12345").error_code(), "mobile_invalid");
}

TEST(PasswordReset, FiveWrongTriesKillTheCodeAndSendsAreLimited) {
  sms_server t;
  ASSERT_EQ(t.request(demo::person_only, mobile).status, 202);
  ASSERT_TRUE(t.wait_for_codes(1));
  auto code = t.codes()[0];
  auto wrong = code == "123456" ? "654321" : "123456";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(t.confirm(wrong, "Better#2027").error_code(), "invalid_code");
  EXPECT_EQ(t.confirm(code, "Better#2027").error_code(), "invalid_code");  // dead after 5 tries
  // An expired code is dead too.
  ASSERT_EQ(t.request(demo::person_only, mobile).status, 202);
  ASSERT_TRUE(t.wait_for_codes(2));
  sql_one(t.s.conninfo(), "UPDATE one_time_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL RETURNING 1");
  EXPECT_EQ(t.confirm(t.codes()[1], "Better#2027").error_code(), "invalid_code");
  // At most 5 sends an hour (per ID number, and per address).
  for (int i = 2; i < 5; ++i) EXPECT_EQ(t.request(demo::person_only, mobile).status, 202);
  auto sixth = t.request(demo::person_only, mobile);
  EXPECT_EQ(sixth.status, 429);
  EXPECT_EQ(sixth.error_code(), "rate_limited");
  EXPECT_FALSE(sixth.headers["retry-after"].empty());
  // The password never changed.
  EXPECT_FALSE(t.s.login(std::nullopt, demo::person_only).empty());
}

TEST(MobileChange, CodeToTheNewMobileThenPasswordAndCode) {
  sms_server t;
  auto token = t.s.login(std::nullopt, demo::person_only);
  auto call = [&](const std::string& path, const json::object& body) {
    return t.s.call_as(token, "POST", "/api/v1/persons/me/mobile-change" + path, json::serialize(body));
  };
  // Another person's mobile, one's own, a malformed one: refused, and nothing is sent.
  EXPECT_EQ(call("", {{"new_mobile", "13812340003"}}).error_code(), "mobile_taken");  // 王芳's
  EXPECT_EQ(call("", {{"new_mobile", mobile}}).error_code(), "mobile_unchanged");
  EXPECT_EQ(call("", {{"new_mobile", "1234"}}).error_code(), "mobile_invalid");

  const std::string fresh = "13912345678";
  auto r = call("", {{"new_mobile", fresh}});
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(t.wait_for_codes(1));
  auto code = t.codes()[0];
  EXPECT_EQ(str_at(json::parse(t.receiver.received().begin()->second.body), "mobile"), fresh);  // to the new mobile

  // The password first; then the code, only for the mobile it went to.
  EXPECT_EQ(call("/confirmation", {{"new_mobile", fresh}, {"code", code}, {"password", "Wrong@2026"}}).error_code(),
            "wrong_password");
  EXPECT_EQ(call("/confirmation", {{"new_mobile", "13912345679"}, {"code", code}, {"password", "Demo@2026"}}).error_code(),
            "invalid_code");
  r = call("/confirmation", {{"new_mobile", fresh}, {"code", code}, {"password", "Demo@2026"}});
  ASSERT_EQ(r.status, 204) << r.body;
  auto me = t.s.call_as(token, "GET", "/api/v1/sessions/current");
  EXPECT_EQ(str_at(me.json().at("person"), "mobile"), "1*******78");
  // The new mobile signs in; the old one no longer does; the code works once.
  EXPECT_FALSE(t.s.login(std::nullopt, fresh).empty());
  EXPECT_EQ(t.s.call("POST", "/api/v1/sessions",
                     json::serialize(json::object{{"account", mobile}, {"password", "Demo@2026"}}),
                     {{"Content-Type", "application/json"}})
                .status,
            401);
  EXPECT_EQ(call("/confirmation", {{"new_mobile", fresh}, {"code", code}, {"password", "Demo@2026"}}).error_code(),
            "invalid_code");
  EXPECT_EQ(sql_one(t.s.conninfo(), "SELECT count(*) FROM audit_log WHERE event = 'mobile_changed'"), "1");
}
