// The rules read time from the clock they are given: limits, validity windows and lockouts are
// tested by moving a manual clock, never by sleeping.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "hallpass/server/services/clock.hpp"
#include "support/test_env.hpp"

using namespace hallpass::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace services = hallpass::server::services;

namespace {

std::string login_body(const std::string& account, const std::string& password) {
  return json::serialize(json::object{{"account", account}, {"password", password}, {"channel", "app"}});
}

}  // namespace

TEST(InjectedClock, AccountLockoutEndsWhenItsWindowHasPassed) {
  services::manual_clock clock;
  auto cfg = test_config();
  cfg.login_failures_per_account = 3;
  running_server s(cfg, true, &clock);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(demo::person_only, "Wrong@2026")).status, 401);
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(demo::person_only, "Demo@2026")).status, 429);
  clock.advance(14min);
  auto still = s.call("POST", "/api/v1/sessions", login_body(demo::person_only, "Demo@2026"));
  EXPECT_EQ(still.status, 429);
  EXPECT_LE(std::stoi(still.headers["retry-after"]), 60);
  clock.advance(1min);
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(demo::person_only, "Demo@2026")).status, 201);
}

TEST(InjectedClock, TicketCreationLimitPerAddressResetsEachMinute) {
  services::manual_clock clock;
  auto cfg = test_config();
  cfg.tickets_per_ip_per_minute = 2;
  running_server s(cfg, false, &clock);
  EXPECT_EQ(s.call("POST", "/api/v1/login-tickets").status, 201);
  EXPECT_EQ(s.call("POST", "/api/v1/login-tickets").status, 201);
  EXPECT_EQ(s.call("POST", "/api/v1/login-tickets").status, 429);
  clock.advance(59s);
  EXPECT_EQ(s.call("POST", "/api/v1/login-tickets").status, 429);
  clock.advance(1s);
  EXPECT_EQ(s.call("POST", "/api/v1/login-tickets").status, 201);
}

TEST(InjectedClock, GrantWindowsAreJudgedByTheServicesDate) {
  // A year from now, a grant ending next month has already ended.
  services::manual_clock clock(std::chrono::system_clock::now() + std::chrono::days(365));
  running_server s(test_config(), true, &clock);
  auto rep = s.login(demo::unit_b, demo::legal_rep_b);
  auto units = s.call_as(rep, "GET", "/api/v1/sessions/current").json().as_object();
  std::string unit_id(units.at("unit").as_object().at("id").as_string());
  auto next_month = services::china_date(std::chrono::system_clock::now() + std::chrono::days(30));
  json::object grant{{"role", "admin"},
                     {"person", {{"name", "周敏"}, {"id_number", demo::person_only}}},
                     {"valid_from", next_month},
                     {"valid_until", next_month}};
  auto r = s.call_as(rep, "POST", "/api/v1/units/" + unit_id + "/grants", json::serialize(grant));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.error_code(), "window_in_past");
}
