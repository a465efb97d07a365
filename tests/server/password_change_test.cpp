// 修改密码 over real HTTP and PostgreSQL: the current password first (wrong ones count towards a
// lockout), the password rule for the new one, and every other session of the person ended.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;

namespace {

const std::string path = "/api/v1/persons/me/password-change";

std::string change(const std::string& current, const std::string& next) {
  return json::serialize(json::object{{"current_password", current}, {"new_password", next}});
}

// A browser session: the token from its cookie.
std::string browser_login(const running_server& s) {
  auto r = s.call("POST", "/api/v1/sessions",
                  json::serialize(json::object{{"account", demo::person_only}, {"password", "Demo@2026"}, {"channel", "web"}}),
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 201) << r.body;
  return session_cookie(r);
}

int browser_status(const running_server& s, const std::string& cookie) {
  return s.call("GET", "/api/v1/sessions/current", "", {{"Cookie", "hp_session=" + cookie}}).status;
}

std::string password_hash_of(const running_server& s) {
  return sql_one(s.conninfo(), "SELECT password_hash FROM persons WHERE name = '周敏'");
}

}  // namespace

TEST(PasswordChange, NeedsTheCurrentPasswordAndTheRuleThenEndsEveryOtherSession) {
  running_server s;
  auto here = s.login(std::nullopt, demo::person_only);
  auto phone = s.login(std::nullopt, demo::person_only);
  auto portal = browser_login(s);
  ASSERT_FALSE(portal.empty());
  auto before = password_hash_of(s);

  auto r = s.call_as(here, "POST", path, change("Wrong@2026", "Better#2027"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "wrong_password");
  EXPECT_EQ(s.call_as(here, "POST", path, change("Demo@2026", "short1A")).error_code(), "password_too_short");
  EXPECT_EQ(s.call_as(here, "POST", path, change("Demo@2026", "alllowercase1")).error_code(), "password_too_simple");
  EXPECT_EQ(s.call_as(here, "POST", path, change("Demo@2026", "Demo@2026")).error_code(), "password_unchanged");
  EXPECT_EQ(s.call_as(here, "POST", path, R"({"new_password":"Better#2027"})").error_code(), "missing_field");
  // None of those changed anything.
  EXPECT_EQ(password_hash_of(s), before);
  EXPECT_EQ(s.call_as(phone, "GET", "/api/v1/sessions/current").status, 200);

  r = s.call_as(here, "POST", path, change("Demo@2026", "Better#2027"));
  ASSERT_EQ(r.status, 204) << r.body;
  // This session goes on; the phone's and the browser's have ended.
  EXPECT_EQ(s.call_as(here, "GET", "/api/v1/sessions/current").status, 200);
  EXPECT_EQ(s.call_as(phone, "GET", "/api/v1/sessions/current").status, 401);
  EXPECT_EQ(browser_status(s, portal), 401);
  // The old password no longer signs in; the new one does.
  auto old_login = s.call("POST", "/api/v1/sessions",
                          json::serialize(json::object{{"account", demo::person_only}, {"password", "Demo@2026"}}),
                          {{"Content-Type", "application/json"}});
  EXPECT_EQ(old_login.status, 401);
  EXPECT_FALSE(s.login(std::nullopt, demo::person_only, "Better#2027").empty());
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM audit_log WHERE event = 'password_changed'"), "1");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM audit_log WHERE event = 'password_change_failed'"), "1");
}

TEST(PasswordChange, WrongCurrentPasswordsLockItLikeFailedLogins) {
  running_server s;
  auto token = s.login(std::nullopt, demo::person_only);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s.call_as(token, "POST", path, change("Guess" + std::to_string(i) + "@x", "Better#2027")).status, 403);
  // Locked: even the right current password is refused for now, and nothing changes.
  auto before = password_hash_of(s);
  auto r = s.call_as(token, "POST", path, change("Demo@2026", "Better#2027"));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "too_many_attempts");
  EXPECT_FALSE(r.headers["retry-after"].empty());
  EXPECT_EQ(password_hash_of(s), before);
}

TEST(PasswordChange, BrowserSessionNeedsItsCsrfToken) {
  running_server s;
  auto token = browser_login(s);
  ASSERT_EQ(browser_status(s, token), 200);
  auto before = password_hash_of(s);
  auto r = s.call(  // the session cookie alone, as a forged cross-site form would send it
      "POST", path, change("Demo@2026", "Better#2027"),
      {{"Content-Type", "application/json"}, {"Cookie", "hp_session=" + token}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "csrf_token_invalid");
  EXPECT_EQ(password_hash_of(s), before);
}
