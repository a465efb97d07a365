// Submission: required materials, tolerated-missing (容缺) materials with their supply deadline,
// the statutory due date, the material PDF, the unit's list, withdrawal.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;

namespace {

const std::string haicheng = "labour_dispatch_licence_haicheng";

http_reply submit(const running_server& s, const std::string& session, const std::string& id) {
  return s.call_as(session, "POST", "/api/v1/applications/" + id + "/submission", "{}");
}

std::vector<std::string> missing_of(const http_reply& r) {
  std::vector<std::string> out;
  auto v = r.json();
  if (!v.is_object() || !v.as_object().contains("error")) return out;
  auto* m = v.as_object().at("error").as_object().if_contains("missing");
  if (!m || !m->is_array()) return out;
  for (auto& c : m->as_array()) out.emplace_back(c.as_string());
  std::sort(out.begin(), out.end());
  return out;
}

// Number of page objects in a PDF ("/Type /Page", not "/Type /Pages"), spacing tolerated.
int pdf_pages(const std::string& pdf) {
  int n = 0;
  for (std::size_t at = pdf.find("/Type"); at != std::string::npos; at = pdf.find("/Type", at + 1)) {
    auto p = at + 5;
    while (p < pdf.size() && (pdf[p] == ' ' || pdf[p] == '\n' || pdf[p] == '\r')) ++p;
    if (pdf.compare(p, 5, "/Page") == 0 && (p + 5 >= pdf.size() || pdf[p + 5] != 's')) ++n;
  }
  return n;
}

}  // namespace

TEST(Submission, RefusedWithExactlyTheMissingRequiredMaterials) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, haicheng);
  auto no_form = submit(s, wang, id);
  EXPECT_EQ(no_form.status, 422) << no_form.body;
  EXPECT_EQ(no_form.error_code(), "form_incomplete");

  fill_form(s, wang, id);
  seed_page(s.conninfo(), id, "dispatch_rules");
  seed_page(s.conninfo(), id, "business_licence");
  seed_page(s.conninfo(), id, "tolerance_pledge");
  auto r = submit(s, wang, id);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.error_code(), "materials_missing");
  // Neither the tolerable charter_capital nor the pledge (present) is listed.
  EXPECT_EQ(missing_of(r), (std::vector<std::string>{"application_form", "premises_equipment"}));
  auto e = r.json().as_object().at("error").as_object();
  EXPECT_FALSE(str_at(e, "message").empty());
  EXPECT_FALSE(str_at(e, "message_en").empty());
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT state FROM applications WHERE id = " + id), "draft");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT submitted_at IS NULL FROM applications WHERE id = " + id), "t");

  // A service with nothing tolerable lists every material of its variant: a first application
  // (申请, the default) needs neither the existing licence nor the 变更 and 延续 materials.
  auto all = start_id(s, wang, "labour_dispatch");
  fill_form(s, wang, all);
  seed_page(s.conninfo(), all, "dispatch_rules");
  auto r2 = submit(s, wang, all);
  ASSERT_EQ(r2.status, 422);
  auto listed = missing_of(r2);
  EXPECT_EQ(listed.size(), 10u);
  for (auto code : {"dispatch_rules", "licence", "change_certificate", "operation_report"})
    EXPECT_EQ(std::count(listed.begin(), listed.end(), code), 0) << code;
}

TEST(Submission, TheVariantDecidesTheMaterials) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto first = start_id(s, wang, "labour_dispatch");
  EXPECT_EQ(str_at(s.call_as(wang, "GET", "/api/v1/applications/" + first).json(), "variant"), "apply");
  fill_form(s, wang, first);
  const std::vector<std::string> common = {"business_licence", "charter", "capital_report", "premises", "equipment_list",
                                           "legal_rep_id", "dispatch_rules", "collective_contract", "labour_contract",
                                           "staff_roster", "dispatch_agreement"};
  for (auto& m : common) seed_page(s.conninfo(), first, m);
  auto ok = submit(s, wang, first);
  EXPECT_EQ(ok.status, 200) << ok.body;

  auto change = s.call_as(wang, "POST", "/api/v1/applications",
                          R"({"service_code": "labour_dispatch", "variant": "change"})");
  ASSERT_EQ(change.status, 201) << change.body;
  auto id = str_at(change.json(), "id");
  fill_form(s, wang, id);
  for (auto& m : common) seed_page(s.conninfo(), id, m);
  auto r = submit(s, wang, id);
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(missing_of(r), (std::vector<std::string>{"change_certificate", "licence"}));  // sorted
  // Switched to 延续 while a draft: the 延续 report instead of the change certificate.
  auto renew = s.call_as(wang, "PATCH", "/api/v1/applications/" + id, R"({"variant": "renew"})");
  ASSERT_EQ(renew.status, 200) << renew.body;
  EXPECT_EQ(missing_of(submit(s, wang, id)), (std::vector<std::string>{"licence", "operation_report"}));  // sorted
  // An unknown variant or case changes nothing.
  auto bad = s.call_as(wang, "PATCH", "/api/v1/applications/" + id, R"({"variant": "transfer"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.error_code(), "variant_not_found");
  EXPECT_EQ(s.call_as(wang, "PATCH", "/api/v1/applications/" + id, R"({"cases": ["minor"]})").error_code(), "case_not_found");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT variant FROM applications WHERE id = " + id), "renew");
  EXPECT_EQ(s.call_as(wang, "POST", "/api/v1/applications", R"({"service_code": "labour_dispatch", "variant": "x"})").error_code(),
            "variant_not_found");
}

TEST(Submission, TheTolerancePledgeIsRequiredOnlyWhenSomethingIsTolerated) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, haicheng);
  fill_form(s, wang, id);
  for (auto m : {"dispatch_rules", "business_licence", "premises_equipment", "application_form"})
    seed_page(s.conninfo(), id, m);
  auto r = submit(s, wang, id);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(missing_of(r), (std::vector<std::string>{"tolerance_pledge"}));
  auto shown = s.call_as(wang, "GET", "/api/v1/applications/" + id).json().as_object();
  for (auto& m : shown.at("materials").as_array())
    if (str_at(m, "code") == "tolerance_pledge") EXPECT_EQ(str_at(m, "status"), "missing");
  seed_page(s.conninfo(), id, "charter_capital");  // nothing tolerated any more: no pledge needed
  auto after = s.call_as(wang, "GET", "/api/v1/applications/" + id).json().as_object();
  for (auto& m : after.at("materials").as_array())
    if (str_at(m, "code") == "tolerance_pledge") EXPECT_EQ(str_at(m, "status"), "not_needed");
  EXPECT_EQ(submit(s, wang, id).status, 200);
}

TEST(Submission, ACitizenServiceIsForPersonsAndMayBeDoneAtOnce) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto refused = s.call_as(wang, "POST", "/api/v1/applications", R"({"service_code": "social_security_card_apply"})");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.error_code(), "service_for_persons");
  auto me = s.login(std::nullopt, demo::person_only);
  auto id = start_id(s, me, "social_security_card_apply");
  fill_form(s, me, id);
  seed_page(s.conninfo(), id, "id_card");
  seed_page(s.conninfo(), id, "photo");
  auto r = submit(s, me, id);
  ASSERT_EQ(r.status, 200) << r.body;
  // 即时办结: due the day it is submitted (either side of midnight in China).
  auto due = str_at(r.json(), "due_date");
  EXPECT_TRUE(due == str_at(s.call_as(me, "GET", "/api/v1/applications/" + id).json(), "due_date"));
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT due_date = submitted_at::date OR due_date = (submitted_at AT TIME ZONE 'Asia/Shanghai')::date "
                                  "FROM applications WHERE id = " + id),
            "t");
}

TEST(Submission, ToleratedMaterialGetsItsSupplyDeadlineInWorkingDays) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, haicheng);
  fill_form(s, wang, id);
  for (auto m : {"dispatch_rules", "business_licence", "premises_equipment", "application_form", "tolerance_pledge"})
    seed_page(s.conninfo(), id, m);
  auto before = china_today();
  auto r = submit(s, wang, id);
  auto after = china_today();
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = r.json().as_object();
  EXPECT_EQ(str_at(v, "state"), "submitted");
  auto due = str_at(v, "due_date"), supply = str_at(v, "supply_deadline");
  // By the shipped calendar, which the answer names; either side of midnight in China is accepted.
  EXPECT_EQ(str_at(v, "calendar"), shipped_calendar_name());
  // The 5 working days run from the end of the 7 to supply the tolerated material.
  EXPECT_TRUE(due == plus_working_days(plus_working_days(before, 7), 5) ||
              due == plus_working_days(plus_working_days(after, 7), 5)) << due;
  EXPECT_TRUE(supply == plus_working_days(before, 7) || supply == plus_working_days(after, 7)) << supply;
  ASSERT_EQ(v.at("tolerated").as_array().size(), 1u);
  EXPECT_EQ(v.at("tolerated").as_array()[0].as_string(), "charter_capital");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT state || ' ' || due_date || ' ' || supply_deadline FROM applications WHERE id = " + id),
            "submitted " + due + " " + supply);
  auto shown = s.call_as(wang, "GET", "/api/v1/applications/" + id).json().as_object();
  EXPECT_EQ(str_at(shown, "supply_deadline"), supply);
  EXPECT_EQ(str_at(shown, "due_date"), due);

  auto twice = submit(s, wang, id);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM audit_log WHERE event = 'application_submitted'"), "1");
}

TEST(Submission, EveryMaterialPresentMeansNoSupplyDeadline) {
  running_server s;
  auto zhang = s.login(demo::unit_a, demo::legal_rep_a);
  auto id = start_id(s, zhang, haicheng);
  fill_form(s, zhang, id);
  for (auto m : {"dispatch_rules", "business_licence", "premises_equipment", "application_form", "charter_capital"})
    seed_page(s.conninfo(), id, m);
  auto r = submit(s, zhang, id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json().as_object().at("supply_deadline").is_null());
  EXPECT_TRUE(r.json().as_object().at("tolerated").as_array().empty());
}

TEST(Submission, MaterialPdfHasOnePagePerImage) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, haicheng);
  for (int i = 0; i < 3; ++i) seed_page(s.conninfo(), id, "dispatch_rules", i);
  seed_page(s.conninfo(), id, "business_licence");
  auto r = s.call_as(wang, "GET", "/api/v1/applications/" + id + "/materials/dispatch_rules/pdf");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.headers["content-type"], "application/pdf");
  EXPECT_EQ(r.body.rfind("%PDF", 0), 0u);
  EXPECT_EQ(pdf_pages(r.body), 3);
  auto one = s.call_as(wang, "GET", "/api/v1/applications/" + id + "/materials/business_licence/pdf");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(pdf_pages(one.body), 1);
  auto none = s.call_as(wang, "GET", "/api/v1/applications/" + id + "/materials/premises_equipment/pdf");
  EXPECT_EQ(none.status, 404);
  auto zhao = s.login(demo::unit_b, demo::legal_rep_b);
  EXPECT_EQ(s.call_as(zhao, "GET", "/api/v1/applications/" + id + "/materials/dispatch_rules/pdf").status, 404);
}

TEST(Submission, UnitListShowsItInProgressAndWithdrawalFinishesIt) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, haicheng);
  fill_form(s, wang, id);
  for (auto m : {"dispatch_rules", "business_licence", "premises_equipment", "application_form", "tolerance_pledge"})
    seed_page(s.conninfo(), id, m);
  ASSERT_EQ(submit(s, wang, id).status, 200);

  // Another person of the unit (the legal representative) sees the unit's application.
  auto zhang = s.login(demo::unit_a, demo::legal_rep_a);
  auto list = s.call_as(zhang, "GET", "/api/v1/applications").json().as_object();
  ASSERT_EQ(list.at("in_progress").as_array().size(), 1u);
  EXPECT_EQ(str_at(list.at("in_progress").as_array()[0], "id"), id);
  EXPECT_EQ(str_at(list.at("in_progress").as_array()[0], "state"), "submitted");
  EXPECT_TRUE(list.at("finished").as_array().empty());

  auto w = s.call_as(wang, "POST", "/api/v1/applications/" + id + "/withdrawal", "{}");
  ASSERT_EQ(w.status, 200) << w.body;
  list = s.call_as(zhang, "GET", "/api/v1/applications").json().as_object();
  EXPECT_TRUE(list.at("in_progress").as_array().empty());
  ASSERT_EQ(list.at("finished").as_array().size(), 1u);
  EXPECT_EQ(str_at(list.at("finished").as_array()[0], "state"), "withdrawn");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT state FROM applications WHERE id = " + id), "withdrawn");
  auto again = s.call_as(wang, "POST", "/api/v1/applications/" + id + "/withdrawal", "{}");
  EXPECT_EQ(again.status, 409);
}
