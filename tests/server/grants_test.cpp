// Grants of a unit through the HTTP API: who may appoint whom, the one-administrator and
// ten-agent limits, validation, revocation and scope changes that reach live sessions at once,
// and the audit trail (which must never hold an ID number or mobile in clear).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include <boost/json.hpp>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/identity/validators.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "support/test_env.hpp"

using namespace hallpass::test;
namespace json = boost::json;
namespace services = hallpass::server::services;

namespace {

// A date `days` from today, China time, YYYY-MM-DD.
std::string china_date(int days) {
  auto now = std::chrono::system_clock::now() + std::chrono::hours(8) + std::chrono::days(days);
  std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(now)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

std::string resident_id(const std::string& first17) {
  return first17 + hallpass::server::identity::resident_id_check_digit(first17);
}

std::string grant_body(const std::string& role, const std::string& name, const std::string& id_number,
                       std::optional<json::value> scope = std::nullopt, std::optional<std::string> from = std::nullopt,
                       std::string until = china_date(365)) {
  json::object o{{"role", role}, {"person", {{"name", name}, {"id_number", id_number}}}, {"valid_until", until}};
  if (scope) o["scope"] = *scope;
  if (from) o["valid_from"] = *from;
  return json::serialize(o);
}

std::string unit_id_of(const running_server& s, const std::string& token) {
  auto r = s.call_as(token, "GET", "/api/v1/sessions/current");
  EXPECT_EQ(r.status, 200) << r.body;
  return std::string(r.json().at("unit").at("id").as_string());
}

std::string grants_path(const std::string& unit_id) { return "/api/v1/units/" + unit_id + "/grants"; }

// The id of the live grant whose person has this masked ID number.
std::string grant_id_for(const running_server& s, const std::string& token, const std::string& unit_id,
                         const std::string& masked_id) {
  auto r = s.call_as(token, "GET", grants_path(unit_id));
  EXPECT_EQ(r.status, 200) << r.body;
  auto v = r.json();
  for (auto& g : v.at("grants").as_array())
    if (g.at("person").at("id_number").as_string() == masked_id) return std::string(g.at("id").as_string());
  ADD_FAILURE() << "no grant for " << masked_id << " in " << r.body;
  return "0";
}

std::string masked(const std::string& id_number) { return id_number.substr(0, 4) + "**********" + id_number.substr(14); }

}  // namespace

TEST(Grants, LegalRepAppointsOneAdministratorOnly) {
  running_server s;
  auto rep_b = s.login(demo::unit_b, demo::legal_rep_b);
  auto unit_b = unit_id_of(s, rep_b);
  auto r = s.call_as(rep_b, "POST", grants_path(unit_b), grant_body("admin", "周敏", demo::person_only));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at("role").as_string(), "admin");
  EXPECT_EQ(r.json().at("person").at("name").as_string(), "周*");
  EXPECT_EQ(r.json().at("person").at("id_number").as_string(), masked(demo::person_only));
  EXPECT_TRUE(r.json().at("valid_now").as_bool());
  EXPECT_TRUE(r.json().at("scope").is_null());

  auto second = s.call_as(rep_b, "POST", grants_path(unit_b), grant_body("admin", "刘洋", demo::agent_scoped));
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(second.error_code(), "admin_exists");

  // Unit A has its administrator from the demo data.
  auto rep_a = s.login(demo::unit_a, demo::legal_rep_a);
  auto in_a = s.call_as(rep_a, "POST", grants_path(unit_id_of(s, rep_a)), grant_body("admin", "周敏", demo::person_only));
  EXPECT_EQ(in_a.status, 409) << in_a.body;
  EXPECT_EQ(in_a.error_code(), "admin_exists");

  // The new administrator can sign in for unit B as admin.
  auto admin_b = s.login(demo::unit_b, demo::person_only);
  EXPECT_EQ(s.call_as(admin_b, "GET", "/api/v1/sessions/current").json().at("role").as_string(), "admin");
}

TEST(Grants, EleventhAgentIsRefused) {
  running_server s;
  auto rep_b = s.login(demo::unit_b, demo::legal_rep_b);
  auto unit_b = unit_id_of(s, rep_b);
  // Unit B has one agent from the demo data; nine more reach the limit of ten.
  std::vector<std::pair<std::string, std::string>> people;
  for (int i = 0; i < 10; ++i) {
    char seq[8];
    std::snprintf(seq, sizeof seq, "%03d", 100 + i);
    std::string id = resident_id(std::string("11010119850101") + seq);
    std::string name = "测试" + std::to_string(i);
    auto pid = s.app().accounts.create_person({name, id, std::nullopt, std::nullopt});
    ASSERT_TRUE(pid.ok()) << static_cast<int>(pid.err().code);
    people.emplace_back(name, id);
  }
  for (int i = 0; i < 9; ++i) {
    auto r = s.call_as(rep_b, "POST", grants_path(unit_b),
                       grant_body("agent", people[i].first, people[i].second, json::array{"hr_agency_setup"}));
    ASSERT_EQ(r.status, 201) << i << " " << r.body;
  }
  auto r = s.call_as(rep_b, "POST", grants_path(unit_b), grant_body("agent", people[9].first, people[9].second));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.error_code(), "agent_limit_reached");
  auto list = s.call_as(rep_b, "GET", grants_path(unit_b));
  EXPECT_EQ(list.json().at("grants").as_array().size(), 10u);
  EXPECT_EQ(list.json().at("agent_limit").as_int64(), 10);

  // Revoking one frees a place.
  auto gid = grant_id_for(s, rep_b, unit_b, masked(people[0].second));
  EXPECT_EQ(s.call_as(rep_b, "DELETE", grants_path(unit_b) + "/" + gid).status, 204);
  r = s.call_as(rep_b, "POST", grants_path(unit_b), grant_body("agent", people[9].first, people[9].second));
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST(Grants, AgentsCannotGrantAndAdministratorsCannotAppointAdministrators) {
  running_server s;
  auto agent = s.login(demo::unit_a, demo::agent_all);
  auto unit_a = unit_id_of(s, agent);
  auto r = s.call_as(agent, "POST", grants_path(unit_a), grant_body("agent", "周敏", demo::person_only));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.error_code(), "agents_cannot_grant");
  r = s.call_as(agent, "GET", grants_path(unit_a));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "agents_cannot_grant");

  auto admin = s.login(demo::unit_a, demo::admin_a);
  r = s.call_as(admin, "POST", grants_path(unit_a), grant_body("admin", "周敏", demo::person_only));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.error_code(), "only_legal_rep_manages_admin");
  // The administrator may not revoke the administrator grant (its own) either…
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto admin_grant = grant_id_for(s, rep, unit_a, masked(demo::admin_a));
  r = s.call_as(admin, "DELETE", grants_path(unit_a) + "/" + admin_grant);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "only_legal_rep_manages_admin");
  // …but adds agents.
  r = s.call_as(admin, "POST", grants_path(unit_a), grant_body("agent", "周敏", demo::person_only));
  EXPECT_EQ(r.status, 201) << r.body;
  // A person session (no unit) manages nothing.
  auto person = s.login(std::nullopt, demo::legal_rep_a);
  r = s.call_as(person, "GET", grants_path(unit_a));
  EXPECT_EQ(r.status, 404);
}

TEST(Grants, AnotherUnitLooksLikeNoUnitAtAll) {
  running_server s;
  auto rep_a = s.login(demo::unit_a, demo::legal_rep_a);
  auto rep_b = s.login(demo::unit_b, demo::legal_rep_b);
  auto unit_b = unit_id_of(s, rep_b);
  auto b_grant = grant_id_for(s, rep_b, unit_b, masked(demo::agent_all));

  auto other = s.call_as(rep_a, "POST", grants_path(unit_b), grant_body("agent", "周敏", demo::person_only));
  auto missing = s.call_as(rep_a, "POST", grants_path("987654"), grant_body("agent", "周敏", demo::person_only));
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.error_code(), "unit_not_found");
  EXPECT_EQ(other.body, missing.body);  // same answer: nothing tells that unit B exists
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", grants_path(unit_b)},
           {"DELETE", grants_path(unit_b) + "/" + b_grant},
       }) {
    auto r = s.call_as(rep_a, method, path);
    EXPECT_EQ(r.status, 404) << method << " " << path;
  }
  auto patch = hallpass::test::http_call(s.port(), "PATCH", grants_path(unit_b) + "/" + b_grant,
                                         R"({"scope":["x"]})", {{"Authorization", "Bearer " + rep_a}});
  EXPECT_EQ(patch.status, 404);
  // Unit A's own grant id used under unit A's path but belonging to B: not found either.
  auto unit_a = unit_id_of(s, rep_a);
  auto r = s.call_as(rep_a, "DELETE", grants_path(unit_a) + "/" + b_grant);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "grant_not_found");
  // Unit B's grant is untouched.
  EXPECT_EQ(grant_id_for(s, rep_b, unit_b, masked(demo::agent_all)), b_grant);
}

TEST(Grants, BadWindowsDatesAndScopesAre422) {
  running_server s;
  auto rep = s.login(demo::unit_b, demo::legal_rep_b);
  auto path = grants_path(unit_id_of(s, rep));
  struct bad_case {
    std::string body, code;
  };
  std::vector<bad_case> cases = {
      {grant_body("agent", "周敏", demo::person_only, std::nullopt, "2020-01-01", "2020-12-31"), "window_in_past"},
      {grant_body("agent", "周敏", demo::person_only, std::nullopt, china_date(30), china_date(10)), "invalid_window"},
      {grant_body("agent", "周敏", demo::person_only, std::nullopt, std::nullopt, "2027-02-30"), "invalid_date"},
      {grant_body("agent", "周敏", demo::person_only, std::nullopt, std::nullopt, "next year"), "invalid_date"},
      {grant_body("agent", "周敏", demo::person_only, std::nullopt, "2026/01/01"), "invalid_date"},
      {grant_body("agent", "周敏", demo::person_only, json::array{"ok_code", "bad code!"}), "invalid_scope"},
      {grant_body("agent", "周敏", demo::person_only, json::array{"x\",y"}), "invalid_scope"},
      {grant_body("agent", "周敏", demo::person_only, json::array{}), "invalid_scope"},
      {grant_body("agent", "周敏", demo::person_only, json::array{"labour_dispatch", "no_such_service"}), "unknown_service_code"},
      {grant_body("admin", "周敏", demo::person_only, json::array{"hr_agency_setup"}), "admin_has_no_scope"},
      {grant_body("owner", "周敏", demo::person_only), "invalid_role"},
      {grant_body("agent", "赵磊", demo::legal_rep_b), "legal_rep_needs_no_grant"},
  };
  for (auto& c : cases) {
    auto r = s.call_as(rep, "POST", path, c.body);
    EXPECT_EQ(r.status, 422) << c.body << " " << r.body;
    EXPECT_EQ(r.error_code(), c.code) << c.body;
  }
  // Shape errors are 400.
  auto r = s.call_as(rep, "POST", path, R"({"role":"agent","person":{"name":"周敏"},"valid_until":"2099-01-01"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "missing_field");
  r = s.call_as(rep, "POST", path,
                R"({"role":"agent","person":{"name":"周敏","id_number":"1","mobile":"1"},"valid_until":"2099-01-01"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "unknown_field");
  r = s.call_as(rep, "POST", path, grant_body("agent", "周敏", demo::person_only, json::value(5)));
  EXPECT_EQ(r.status, 400);
  // Nothing was created by any of them.
  EXPECT_EQ(s.call_as(rep, "GET", path).json().at("grants").as_array().size(), 1u);
}

TEST(Grants, UnknownPersonNameMismatchAndDuplicate) {
  running_server s;
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto path = grants_path(unit_id_of(s, rep));
  auto r = s.call_as(rep, "POST", path, grant_body("agent", "李四", demo::person_only));
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.error_code(), "person_not_found");
  auto unknown = s.call_as(rep, "POST", path, grant_body("agent", "周敏", resident_id("11010119850101999")));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, r.body);  // a wrong name and an unknown number look the same
  r = s.call_as(rep, "POST", path, grant_body("agent", "王芳", demo::agent_all));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.error_code(), "grant_exists");
  r = s.call_as(rep, "POST", path, grant_body("agent", "周敏", demo::person_only));
  EXPECT_EQ(r.status, 201) << r.body;
  r = s.call_as(rep, "POST", path, grant_body("agent", "周敏", demo::person_only));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "grant_exists");
}

TEST(Grants, RevocationEndsAnExistingSessionAtOnce) {
  running_server s;
  auto agent = s.login(demo::unit_a, demo::agent_all);
  ASSERT_EQ(s.call_as(agent, "GET", "/api/v1/sessions/current").status, 200);
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto unit_a = unit_id_of(s, rep);
  auto gid = grant_id_for(s, rep, unit_a, masked(demo::agent_all));
  ASSERT_EQ(s.call_as(rep, "DELETE", grants_path(unit_a) + "/" + gid).status, 204);

  auto r = s.call_as(agent, "GET", "/api/v1/sessions/current");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.error_code(), "grant_revoked");
  EXPECT_EQ(s.call_as(agent, "GET", "/api/v1/sessions/current").error_code(), "session_invalid");
  // A second revocation finds nothing; a new login for unit A is refused, unit B still works.
  EXPECT_EQ(s.call_as(rep, "DELETE", grants_path(unit_a) + "/" + gid).error_code(), "grant_not_found");
  auto relogin = s.call("POST", "/api/v1/sessions",
                        json::serialize(json::object{{"unit", demo::unit_a}, {"account", demo::agent_all},
                                                     {"password", "Demo@2026"}, {"channel", "app"}}));
  EXPECT_EQ(relogin.status, 401);  // as a wrong password would: the password is not confirmed
  EXPECT_EQ(relogin.error_code(), "invalid_credentials");
  EXPECT_FALSE(s.login(demo::unit_b, demo::agent_all).empty());
}

TEST(Grants, ScopeAndWindowChangesReachExistingSessions) {
  running_server s;
  auto agent = s.login(demo::unit_a, demo::agent_scoped);
  auto me = s.call_as(agent, "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().at("scope"), json::value(json::array{"labour_dispatch"}));

  auto admin = s.login(demo::unit_a, demo::admin_a);
  auto unit_a = unit_id_of(s, admin);
  auto grant = grants_path(unit_a) + "/" + grant_id_for(s, admin, unit_a, masked(demo::agent_scoped));
  auto patch = [&](const std::string& body) {
    return http_call(s.port(), "PATCH", grant, body, {{"Authorization", "Bearer " + admin}});
  };
  auto r = patch(R"({"scope":["hr_agency_setup","labour_dispatch_licence_haicheng"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  me = s.call_as(agent, "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().at("scope"), json::value(json::array{"hr_agency_setup", "labour_dispatch_licence_haicheng"}));
  // A mistyped code is refused, naming it, and changes nothing.
  r = patch(R"({"scope":["hr_agency_setup","labour_dispatch_chnage"]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.error_code(), "unknown_service_code");
  EXPECT_EQ(r.json().at("error").at("unknown"), json::value(json::array{"labour_dispatch_chnage"}));
  EXPECT_EQ(s.call_as(agent, "GET", "/api/v1/sessions/current").json().at("scope"),
            json::value(json::array{"hr_agency_setup", "labour_dispatch_licence_haicheng"}));

  r = patch(R"({"scope":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(s.call_as(agent, "GET", "/api/v1/sessions/current").json().at("scope").is_null());

  EXPECT_EQ(patch(R"({"scope":["bad code"]})").error_code(), "invalid_scope");
  EXPECT_EQ(patch(R"({"valid_until":"2001-01-01"})").error_code(), "invalid_window");
  EXPECT_EQ(patch(R"({"owner":"x"})").error_code(), "unknown_field");

  // Moving the window to start tomorrow ends the session too.
  r = patch(json::serialize(json::object{{"valid_from", china_date(1)}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.json().at("valid_now").as_bool());
  r = s.call_as(agent, "GET", "/api/v1/sessions/current");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "grant_revoked");
}

TEST(Grants, AuditLogRecordsChangesWithoutPersonalDataInClear) {
  running_server s;
  auto rep = s.login(demo::unit_b, demo::legal_rep_b);
  auto unit_b = unit_id_of(s, rep);
  auto r = s.call_as(rep, "POST", grants_path(unit_b), grant_body("agent", "周敏", demo::person_only,
                                                                  json::array{"hr_agency_setup"}));
  ASSERT_EQ(r.status, 201) << r.body;
  std::string gid(r.json().at("id").as_string());
  ASSERT_EQ(s.call_as(rep, "DELETE", grants_path(unit_b) + "/" + gid).status, 204);

  hallpass::server::db::connection c(s.conninfo());
  auto created = c.exec("SELECT count(*), min(unit_id::text), min(detail->>'role') FROM audit_log "
                        "WHERE event = 'grant_created' AND grant_id = $1",
                        {gid});
  EXPECT_EQ(created.int64(0, 0), 1);
  EXPECT_EQ(created.str(0, 1), unit_b);
  EXPECT_EQ(created.str(0, 2), "agent");
  auto revoked = c.exec("SELECT count(*) FROM audit_log WHERE event = 'grant_revoked' AND grant_id = $1", {gid});
  EXPECT_EQ(revoked.int64(0, 0), 1);

  std::vector<std::string> secrets = {demo::legal_rep_a, demo::admin_a,       demo::agent_all,
                                      demo::agent_scoped, demo::agent_expired, demo::legal_rep_b,
                                      demo::person_only};
  for (int i = 1; i <= 7; ++i) secrets.push_back("1381234000" + std::to_string(i));
  int rows_seen = 0;
  for (auto table : {"audit_log", "persons", "grants", "sessions", "units"}) {
    auto all = c.exec(std::string("SELECT t::text FROM ") + table + " t");
    for (int i = 0; i < all.size(); ++i) {
      ++rows_seen;
      auto text = all.str(i, 0);
      for (auto& secret : secrets) EXPECT_EQ(text.find(secret), std::string::npos) << table << ": " << text;
    }
  }
  EXPECT_GT(rows_seen, 20);  // the scan did read the data
}
