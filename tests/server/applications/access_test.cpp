// The catalogue, who may start and see an application, and the application form.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;

namespace {

json::object service(const running_server& s, const std::string& code) {
  auto r = s.call("GET", "/api/v1/services/" + code);
  EXPECT_EQ(r.status, 200) << r.body;
  auto v = r.json();
  return v.is_object() ? v.as_object() : json::object{};
}

}  // namespace

TEST(Catalogue, ListsEveryServiceOfTheManualsWithTheirMaterialsAndTimeLimits) {
  running_server s;
  auto list = s.call("GET", "/api/v1/services");
  ASSERT_EQ(list.status, 200) << list.body;
  std::set<std::string> codes;
  auto services = list.json();
  for (auto& v : services.as_object().at("services").as_array()) codes.insert(str_at(v, "code"));
  EXPECT_EQ(codes.size(), 17u);  // 000: 1, 002: 13, 003: 3
  for (auto c : {"labour_dispatch", "hr_agency_setup", "hr_agency_change", "hr_agency_cancel",
                 "labour_dispatch_licence_haicheng", "social_security_card_apply", "rural_pension_claim"})
    EXPECT_EQ(codes.count(c), 1u) << c;

  struct expected {
    const char* code;
    std::size_t materials;
    std::int64_t days;
  };
  for (auto e : {expected{"labour_dispatch", 14, 20}, expected{"hr_agency_setup", 14, 20},
                 expected{"labour_dispatch_licence_haicheng", 6, 5}, expected{"social_security_card_apply", 4, 0},
                 expected{"rural_pension_claim", 3, 5}}) {
    auto o = service(s, e.code);
    ASSERT_TRUE(o.contains("materials")) << e.code;
    auto& ms = o.at("materials").as_array();
    EXPECT_EQ(ms.size(), e.materials) << e.code;
    EXPECT_EQ(o.at("time_limit_days").as_int64(), e.days) << e.code;
    for (auto& m : ms) {
      auto& mo = m.as_object();
      std::string code = str_at(m, "code");
      EXPECT_FALSE(str_at(m, "seed").empty()) << e.code << "/" << code;
      bool tolerable = mo.at("tolerable").as_bool();
      if (std::string(e.code) == "labour_dispatch_licence_haicheng" && code == "charter_capital") {
        EXPECT_TRUE(tolerable);
        EXPECT_EQ(mo.at("supply_days").as_int64(), 7);
      } else if (std::string(e.code) == "labour_dispatch_licence_haicheng" && code == "tolerance_pledge") {
        EXPECT_EQ(str_at(mo.at("when"), "tolerated"), "charter_capital");  // required while the charter is tolerated
      } else {
        EXPECT_FALSE(tolerable) << e.code << "/" << code;
      }
    }
  }
  auto none = s.call("GET", "/api/v1/services/no_such_service");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.error_code(), "service_not_found");
}

TEST(ApplicationAccess, AgentWithinScopeStartsAndOutOfScopeIsRefused) {
  running_server s;
  auto liu = s.login(demo::unit_a, demo::agent_scoped);
  auto r = start(s, liu, "labour_dispatch");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(str_at(r.json(), "state"), "draft");
  EXPECT_EQ(str_at(r.json(), "service_code"), "labour_dispatch");

  auto before = sql_one(s.conninfo(), "SELECT count(*) FROM applications");
  auto out = start(s, liu, "hr_agency_setup");
  EXPECT_EQ(out.status, 403) << out.body;
  EXPECT_EQ(out.error_code(), "out_of_scope");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM applications"), before);

  // An hr_agency_setup application of the same unit, started by the all-business agent.
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto hr = start_id(s, wang, "hr_agency_setup");
  auto seen = s.call_as(liu, "GET", "/api/v1/applications/" + hr);
  EXPECT_EQ(seen.status, 403) << seen.body;
  EXPECT_EQ(seen.error_code(), "out_of_scope");
  auto code = s.call_as(liu, "POST", "/api/v1/applications/" + hr + "/materials/charter/upload-codes", "{}");
  EXPECT_EQ(code.status, 403) << code.body;
  // The unit list of the scoped agent leaves it out; the all-business agent sees both.
  auto list = s.call_as(liu, "GET", "/api/v1/applications").json().as_object();
  for (auto& a : list.at("in_progress").as_array()) EXPECT_NE(str_at(a, "id"), hr);
  EXPECT_EQ(s.call_as(wang, "GET", "/api/v1/applications").json().as_object().at("in_progress").as_array().size(), 2u);

  auto unknown = start(s, wang, "no_such_service");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.error_code(), "service_not_found");
}

TEST(ApplicationAccess, AnotherUnitsApplicationIsNotFound) {
  running_server s;
  auto zhang = s.login(demo::unit_a, demo::legal_rep_a);
  auto id = start_id(s, zhang, "labour_dispatch");
  auto zhao = s.login(demo::unit_b, demo::legal_rep_b);
  for (auto [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "", ""},
           {"PATCH", "", "{\"step\":\"form\"}"},
           {"POST", "/materials/licence/upload-codes", "{}"},
           {"POST", "/submission", "{}"},
           {"POST", "/withdrawal", "{}"},
           {"GET", "/events", ""}}) {
    auto r = s.call_as(zhao, method, "/api/v1/applications/" + id + path, body);
    EXPECT_EQ(r.status, 404) << method << " " << path << " " << r.body;
    EXPECT_EQ(r.error_code(), "application_not_found") << method << " " << path;
  }
  // The same answer as for an id that does not exist at all.
  auto missing = s.call_as(zhao, "GET", "/api/v1/applications/999999");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "application_not_found");
  EXPECT_EQ(s.call_as(zhao, "GET", "/api/v1/applications").json().as_object().at("in_progress").as_array().size(), 0u);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT state FROM applications WHERE id = " + id), "draft");
}

TEST(ApplicationAccess, APersonsOwnApplicationIsInvisibleToUnitsAndOtherPersons) {
  running_server s;
  auto zhou = s.login(std::nullopt, demo::person_only);
  auto id = start_id(s, zhou, "hr_agency_setup");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT unit_id IS NULL FROM applications WHERE id = " + id), "t");
  EXPECT_EQ(s.call_as(zhou, "GET", "/api/v1/applications/" + id).status, 200);
  auto listed = s.call_as(zhou, "GET", "/api/v1/applications").json().as_object();
  ASSERT_EQ(listed.at("in_progress").as_array().size(), 1u);
  EXPECT_EQ(str_at(listed.at("in_progress").as_array()[0], "id"), id);

  auto unit_session = s.login(demo::unit_a, demo::agent_all);
  auto other_person = s.login(std::nullopt, demo::agent_all);
  for (auto& token : {unit_session, other_person}) {
    auto r = s.call_as(token, "GET", "/api/v1/applications/" + id);
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.error_code(), "application_not_found");
    auto list = s.call_as(token, "GET", "/api/v1/applications").json();
    for (auto& a : list.as_object().at("in_progress").as_array()) EXPECT_NE(str_at(a, "id"), id);
  }
}

TEST(ApplicationForm, ValidatesTheContactAndRefusesUnknownFields) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, "labour_dispatch");
  auto patch = [&](const std::string& body) { return s.call_as(wang, "PATCH", "/api/v1/applications/" + id, body); };

  auto bad_mobile = patch(R"({"form":{"contact_name":"王芳","contact_mobile":"12345"}})");
  EXPECT_EQ(bad_mobile.status, 422) << bad_mobile.body;
  EXPECT_FALSE(bad_mobile.error_code().empty());
  auto no_name = patch(R"({"form":{"contact_mobile":"13812340003"}})");
  EXPECT_TRUE(no_name.status == 400 || no_name.status == 422) << no_name.body;
  auto empty_name = patch(R"({"form":{"contact_name":"","contact_mobile":"13812340003"}})");
  EXPECT_EQ(empty_name.status, 422) << empty_name.body;
  auto unknown = patch(R"({"form":{"contact_name":"王芳","contact_mobile":"13812340003","fax":"1"}})");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.error_code(), "unknown_field");
  auto unknown_top = patch(R"({"colour":"red"})");
  EXPECT_EQ(unknown_top.status, 400);
  EXPECT_EQ(unknown_top.error_code(), "unknown_field");
  auto bad_step = patch(R"({"step":"payment"})");
  EXPECT_EQ(bad_step.status, 422);
  // Nothing of the refused forms was kept.
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT form::text FROM applications WHERE id = " + id), "{}");

  auto good = patch(R"({"form":{"contact_name":"王芳","contact_mobile":"13812340003","postcode":"213000"},"step":"form"})");
  ASSERT_EQ(good.status, 200) << good.body;
  auto form = good.json().as_object().at("form").as_object();
  EXPECT_EQ(str_at(form, "contact_name"), "王芳");
  EXPECT_EQ(str_at(good.json(), "step"), "form");
  // The mobile is personal data: masked in the answer and in the database.
  EXPECT_EQ(good.body.find("13812340003"), std::string::npos);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT form::text FROM applications WHERE id = " + id).find("13812340003"),
            std::string::npos);
}
