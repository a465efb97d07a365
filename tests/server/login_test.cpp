// Password login for a unit and for a person, each failure, rate limiting, logout.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/test_env.hpp"

using namespace hallpass::test;
namespace json = boost::json;

namespace {

std::string login_body(const std::optional<std::string>& unit, const std::string& account, const std::string& password) {
  json::object o{{"account", account}, {"password", password}, {"channel", "app"}};
  if (unit) o["unit"] = *unit;
  return json::serialize(o);
}

}  // namespace

TEST(PasswordLogin, UnitAgentByMobileGetsUnitSession) {
  running_server s;
  auto r = s.call("POST", "/api/v1/sessions", login_body(demo::unit_a, demo::mobile_agent_all, "Demo@2026"));
  ASSERT_EQ(r.status, 201) << r.body;
  auto o = r.json().as_object();
  EXPECT_EQ(o.at("role").as_string(), "agent");
  EXPECT_EQ(o.at("unit").as_object().at("uscc").as_string(), demo::unit_a);
  EXPECT_EQ(o.at("person").as_object().at("id_number").as_string(), "3204**********0035");
  EXPECT_EQ(o.at("person").as_object().at("mobile").as_string(), "1*******03");
  EXPECT_GE(o.at("token").as_string().size(), 40u);
  EXPECT_EQ(r.headers["cache-control"], "no-store");

  auto me = s.call_as(std::string(o.at("token").as_string()), "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json().as_object().at("role").as_string(), "agent");
}

TEST(PasswordLogin, PersonAloneByIdNumber) {
  running_server s;
  auto token = s.login(std::nullopt, demo::person_only);
  auto me = s.call_as(token, "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().as_object().at("role").as_string(), "person");
  EXPECT_TRUE(me.json().as_object().at("unit").is_null());
}

TEST(PasswordLogin, WrongPasswordUnknownAccountAndUnknownUnitAreTheSameError) {
  running_server s;
  for (auto body : {login_body(demo::unit_a, demo::agent_all, "Wrong@2026"),
                    login_body(std::nullopt, "13899999999", "Demo@2026"),
                    login_body("91320412MA0000000X", demo::agent_all, "Demo@2026")}) {
    auto r = s.call("POST", "/api/v1/sessions", body);
    EXPECT_EQ(r.status, 401) << body;
    EXPECT_EQ(r.error_code(), "invalid_credentials");
  }
}

TEST(PasswordLogin, AUnitWithoutRoleOrValidGrantLooksLikeAWrongPassword) {
  running_server s;
  auto wrong_password = s.call("POST", "/api/v1/sessions", login_body(demo::unit_a, demo::person_only, "Wrong@2026"));
  EXPECT_EQ(wrong_password.status, 401);
  EXPECT_EQ(wrong_password.error_code(), "invalid_credentials");
  // The right password, for a unit where the person has no role or an expired grant: the same answer.
  for (auto* account : {demo::person_only, demo::agent_expired}) {
    auto r = s.call("POST", "/api/v1/sessions", login_body(demo::unit_a, account, "Demo@2026"));
    EXPECT_EQ(r.status, 401) << account;
    EXPECT_EQ(r.body, wrong_password.body) << account;
  }
}

TEST(PasswordLogin, ALockedAccountIsLockedWhateverUnitTheRequestNames) {
  auto cfg = test_config();
  cfg.login_failures_per_account = 3;
  running_server s(cfg);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(std::nullopt, demo::person_only, "Wrong@2026")).status, 401);
  // The right password, with unit strings that normalise alike or name another unit: still 429.
  for (std::optional<std::string> unit : {std::optional<std::string>(std::string("  ") + demo::unit_a + "  "),
                                          std::optional<std::string>(demo::unit_b), std::optional<std::string>("x")}) {
    auto r = s.call("POST", "/api/v1/sessions", login_body(unit, demo::person_only, "Demo@2026"));
    EXPECT_EQ(r.status, 429) << *unit;
    EXPECT_EQ(r.error_code(), "too_many_attempts") << *unit;
  }
}

TEST(PasswordLogin, AccountIsLockedAfterRepeatedFailuresEvenWithTheRightPassword) {
  auto cfg = test_config();
  cfg.login_failures_per_account = 3;
  running_server s(cfg);
  for (int i = 0; i < 3; ++i) {
    auto r = s.call("POST", "/api/v1/sessions", login_body(std::nullopt, demo::person_only, "Wrong@2026"));
    EXPECT_EQ(r.status, 401);
  }
  auto r = s.call("POST", "/api/v1/sessions", login_body(std::nullopt, demo::person_only, "Demo@2026"));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "too_many_attempts");
  EXPECT_FALSE(r.headers["retry-after"].empty());
  // Another account is not affected.
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(std::nullopt, demo::agent_all, "Demo@2026")).status, 201);
}

TEST(PasswordLogin, AttemptsPerIpAreLimited) {
  auto cfg = test_config();
  cfg.login_attempts_per_ip = 4;
  running_server s(cfg);
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = s.call("POST", "/api/v1/sessions", login_body(std::nullopt, "1380000000" + std::to_string(i), "Wrong@2026"));
    if (r.status == 429) ++limited;
  }
  EXPECT_EQ(limited, 2);
}

TEST(PasswordLogin, LogoutEndsTheSession) {
  running_server s;
  auto token = s.login(std::nullopt, demo::person_only);
  EXPECT_EQ(s.call_as(token, "DELETE", "/api/v1/sessions/current").status, 204);
  auto r = s.call_as(token, "GET", "/api/v1/sessions/current");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "session_invalid");
}

TEST(PasswordLogin, CookieSessionNeedsCsrfTokenForChanges) {
  running_server s;
  auto r = s.call("POST", "/api/v1/sessions",
                  json::serialize(json::object{{"account", demo::person_only}, {"password", "Demo@2026"}, {"channel", "web"}}));
  ASSERT_EQ(r.status, 201);
  auto cookie = r.headers["set-cookie"];
  ASSERT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_FALSE(r.json().as_object().contains("token")) << "a browser's token stays in its HttpOnly cookie";
  auto token = session_cookie(r);
  ASSERT_FALSE(token.empty()) << cookie;
  auto csrf = std::string(r.json().as_object().at("csrf_token").as_string());
  header_list with_cookie{{"Cookie", "hp_session=" + token}};
  EXPECT_EQ(s.call("GET", "/api/v1/sessions/current", "", with_cookie).status, 200);
  auto no_csrf = s.call("DELETE", "/api/v1/sessions/current", "", with_cookie);
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(no_csrf.error_code(), "csrf_token_invalid");
  with_cookie.push_back({"X-CSRF-Token", csrf});
  EXPECT_EQ(s.call("DELETE", "/api/v1/sessions/current", "", with_cookie).status, 204);
}
