// The unit's activity log over real HTTP and PostgreSQL: sign-ins, grants, submissions and the
// staff's steps on its applications, newest first, filtered and paged, with names and addresses
// masked; only for the unit's legal representative and administrator.
#include <gtest/gtest.h>

#include <set>

#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;

namespace {

std::string unit_id_of(const running_server& s, const std::string& token) {
  return str_at(s.call_as(token, "GET", "/api/v1/sessions/current").json().at("unit"), "id");
}

std::set<std::string> events_of(const json::value& page) {
  std::set<std::string> out;
  for (auto& e : page.at("items").as_array()) out.insert(str_at(e, "event"));
  return out;
}

}  // namespace

TEST(UnitActivity, ShowsSignInsGrantsAndApplicationStepsMaskedToTheUnitsManagers) {
  running_server s;
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto unit = unit_id_of(s, rep);
  auto path = "/api/v1/units/" + unit + "/activity";
  // A grant changes, and an application is submitted and accepted by the hall.
  auto grant = sql_one(s.conninfo(), "SELECT g.id FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.name = '刘洋'");
  ASSERT_EQ(s.call_as(rep, "DELETE", "/api/v1/units/" + unit + "/grants/" + grant).status, 204);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto app = s.call_as(wang, "POST", "/api/v1/applications", R"({"service_code":"labour_dispatch"})");
  ASSERT_EQ(app.status, 201) << app.body;
  auto id = str_at(app.json(), "id");
  sql_one(s.conninfo(), "INSERT INTO application_events (application_id, actor_id, actor_role, action, from_state, to_state) "
                        "SELECT " + id + ", p.id, 'clerk', 'accept', 'submitted', 'accepted' FROM persons p "
                        "WHERE p.name = '孙丽' RETURNING 1");

  auto all = s.call_as(rep, "GET", path);
  ASSERT_EQ(all.status, 200) << all.body;
  auto events = events_of(all.json());
  for (auto e : {"login", "grant_revoked", "application_accept"}) EXPECT_TRUE(events.count(e)) << e << " " << all.body;
  // Names and addresses are masked; no ID number or mobile appears.
  EXPECT_EQ(all.body.find("刘洋"), std::string::npos);
  EXPECT_NE(all.body.find("刘*"), std::string::npos);
  EXPECT_EQ(all.body.find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(all.body.find(demo::agent_scoped), std::string::npos);
  // Newest first.
  auto items = all.json().at("items").as_array();
  for (std::size_t i = 1; i < items.size(); ++i) EXPECT_GE(str_at(items[i - 1], "at"), str_at(items[i], "at"));

  // Filters and pages.
  auto grants = s.call_as(rep, "GET", path + "?category=grants").json();
  for (auto& e : grants.at("items").as_array()) EXPECT_EQ(str_at(e, "category"), "grants");
  auto first = s.call_as(rep, "GET", path + "?limit=1").json();
  ASSERT_EQ(first.at("items").as_array().size(), 1u);
  auto before = str_at(first, "next_before");
  ASSERT_FALSE(before.empty());
  auto older = s.call_as(rep, "GET", path + "?before=" + before).json();
  for (auto& e : older.at("items").as_array()) EXPECT_LT(str_at(e, "at"), before);
  EXPECT_EQ(s.call_as(rep, "GET", path + "?category=everything").error_code(), "invalid_query");
  EXPECT_EQ(s.call_as(rep, "GET", path + "?limit=101").error_code(), "invalid_query");

  // The administrator sees it; an agent does not; another unit's people find no such unit.
  EXPECT_EQ(s.call_as(s.login(demo::unit_a, demo::admin_a), "GET", path).status, 200);
  EXPECT_EQ(s.call_as(wang, "GET", path).error_code(), "unit_managers_only");
  EXPECT_EQ(s.call_as(s.login(demo::unit_b, demo::legal_rep_b), "GET", path).status, 404);
}
