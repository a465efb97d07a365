// The service catalogue: its check at start-up (a typing mistake in a key, a code listed twice, a
// reference to a variant, case or material that does not exist, a tolerated (容缺) material without
// the period it must follow within, an entry that does not say which manual line it comes from), the
// shipped catalogue's content, and the rules that decide which materials an application needs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "hallpass/server/services/catalogue.hpp"

namespace fs = std::filesystem;
namespace svc = hallpass::server::services;
using svc::load_catalogue;
using svc::material_need;

namespace {

// The error load_catalogue gives for a catalogue with these services ("" when it loads).
std::string error_of(const std::string& services_json) {
  auto path = fs::temp_directory_path() / ("hallpass-catalogue-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"note": "test", "services": )" << services_json << "}";
  std::string error;
  try {
    load_catalogue(path.string());
  } catch (const std::exception& e) {
    error = e.what();
  }
  fs::remove(path);
  return error;
}

bool mentions(const std::string& error, const std::string& part) { return error.find(part) != std::string::npos; }

const char* service_head = R"("name": "测试事项", "authority": "测试局", "time_limit_days": 5, "notice": "", "seed": "t")";

std::string service(const std::string& code, const std::string& materials, const std::string& extra = "") {
  return R"({"code": ")" + code + "\", " + service_head + extra + R"(, "materials": [)" + materials + "]}";
}

// A required material with its seed, and whatever else is given.
std::string material(const std::string& code, const std::string& extra = "") {
  return R"({"code": ")" + code + R"(", "name": "甲", "required": true, "seed": "t")" + extra + "}";
}

const char* variants = R"(, "variants": [{"code": "apply", "name": "申请", "name_en": "Apply"},
    {"code": "change", "name": "变更", "name_en": "Change", "time_limit_days": 2}])";
const char* cases = R"(, "cases": [{"code": "minor", "name": "未成年人", "name_en": "Minor"}])";

std::vector<hallpass::server::db::service_def> shipped() {
  return load_catalogue(std::string(HALLPASS_SOURCE_DIR) + "/server/data/catalogue.json");
}

const hallpass::server::db::service_def& by_code(const std::vector<hallpass::server::db::service_def>& all,
                                                 const std::string& code) {
  auto it = std::find_if(all.begin(), all.end(), [&](auto& s) { return s.code == code; });
  if (it == all.end()) throw std::runtime_error("no service " + code);
  return *it;
}

// Status of every applicable material of a service, given the pages present.
std::map<std::string, material_need> needs(const hallpass::server::db::service_def& s,
                                           const std::optional<std::string>& variant,
                                           const std::vector<std::string>& cases_chosen,
                                           const std::vector<std::string>& with_pages) {
  std::map<std::string, material_need> out;
  auto has = [&](const std::string& c) { return std::find(with_pages.begin(), with_pages.end(), c) != with_pages.end(); };
  for (auto& m : s.materials) {
    auto n = svc::need_of(s, m, variant, cases_chosen, has);
    if (n != material_need::not_applicable) out[m.code] = n;
  }
  return out;
}

}  // namespace

TEST(Catalogue, AGoodOneLoads) {
  EXPECT_EQ(error_of("[" + service("s1", material("a") + ", " + material("b", R"(, "tolerable": true, "supply_days": 7)")) +
                     "]"),
            "");
  EXPECT_EQ(error_of("[" + service("s1", material("a", R"(, "variants": ["change"], "when": {"case": "minor"})"), variants +
                                                                                                          std::string(cases)) +
                     "]"),
            "");
}

TEST(Catalogue, AnUnknownKeyIsRefusedByName) {
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "requird": true)")) + "]"), "\"requird\""));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a"), R"(, "time_limit": 3)") + "]"), "\"time_limit\" in service s1"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "when": {"cases": "minor"})"), cases) + "]"), "\"cases\""));
}

TEST(Catalogue, ACodeListedTwiceIsRefused) {
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a")) + ", " + service("s1", material("a")) + "]"),
                       "service s1 is listed twice"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a") + ", " + material("a")) + "]"), "material a is listed twice in s1"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a"), R"(, "variants": [{"code": "x", "name": "甲", "name_en": "A"},
      {"code": "x", "name": "乙", "name_en": "B"}])") + "]"), "variants x is listed twice"));
}

TEST(Catalogue, ATolerableMaterialNeedsASupplyPeriod) {
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "tolerable": true)")) + "]"),
                       "tolerated material s1/a has no supply_days"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "tolerable": true, "supply_days": 0)")) + "]"), "no supply_days"));
  // and belongs to every application of the service
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "tolerable": true, "supply_days": 7, "variants": ["apply"])"), variants) + "]"),
                       "may not depend on a variant or case"));
}

TEST(Catalogue, ReferencesMustExist) {
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "variants": ["renew"])"), variants) + "]"),
                       "s1/a names an unknown variant renew"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "when": {"not_case": "adult"})"), cases) + "]"),
                       "s1/a names an unknown case adult"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a") + ", " + material("p", R"(, "when": {"tolerated": "a"})")) + "]"),
                       "s1/p depends on a, which is not tolerable"));
}

TEST(Catalogue, EveryEntryNamesItsSourceAndAKnownKind) {
  EXPECT_TRUE(mentions(error_of(R"([{"code": "s1", "name": "x", "authority": "y", "time_limit_days": 1, "notice": "", "materials": []}])"),
                       "service s1 does not say which manual"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", R"({"code": "a", "name": "甲", "required": true})") + "]"),
                       "s1/a does not say which manual line"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "kind": "audio")")) + "]"), "unknown kind audio"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a", R"(, "paper": "a3")")) + "]"), "unknown paper a3"));
  EXPECT_TRUE(mentions(error_of("[" + service("s1", material("a"), R"(, "audience": "everyone")") + "]"), "unknown audience"));
}

TEST(Catalogue, TheShippedOneHasEveryServiceOfTheManuals) {
  auto all = shipped();
  std::map<std::string, int> per_office;
  for (auto& s : all) {
    ++per_office[s.office_code];
    EXPECT_FALSE(s.seed.empty()) << s.code;
    for (auto& m : s.materials) {
      EXPECT_FALSE(m.seed.empty()) << s.code << "/" << m.code;
      if (!m.template_key.empty()) {  // every template a material names is shipped
        EXPECT_TRUE(fs::exists(std::string(HALLPASS_SOURCE_DIR) + "/web/templates/" + m.template_key + ".html"))
            << m.template_key;
      }
    }
  }
  EXPECT_EQ(per_office["haicheng_hrss"], 13);  // 002: all 13 services
  EXPECT_EQ(per_office["jilin_hrss"], 3);      // 003: 设立, 变更, 注销
  EXPECT_EQ(per_office["zhonglou_hrss"], 1);   // 000
  // 即时办结 services are there, citizen services are for persons.
  EXPECT_EQ(by_code(all, "social_security_card_apply").time_limit_days, 0);
  EXPECT_EQ(by_code(all, "social_security_card_apply").audience, "person");
  EXPECT_EQ(by_code(all, "employment_filing").audience, "unit");
  // 003: the agency change lists 7 materials (and the video for an address change); cancellation 4.
  auto& change = by_code(all, "hr_agency_change");
  EXPECT_EQ(std::count_if(change.materials.begin(), change.materials.end(), [](auto& m) { return m.kind != "video"; }), 7);
  EXPECT_EQ(by_code(all, "hr_agency_cancel").materials.size(), 4u);
  // 003 须知 10: the premises video of the establishment.
  auto& setup = by_code(all, "hr_agency_setup");
  EXPECT_TRUE(std::any_of(setup.materials.begin(), setup.materials.end(), [](auto& m) { return m.kind == "video"; }));
}

TEST(Catalogue, AFirstLabourDispatchApplicationNeedsNoLicenceChangeOrReport) {
  auto all = shipped();
  auto& s = by_code(all, "labour_dispatch");
  auto apply = needs(s, "apply", {}, {});
  EXPECT_EQ(apply.size(), 11u);
  for (auto code : {"licence", "change_certificate", "operation_report"}) EXPECT_EQ(apply.count(code), 0u) << code;
  auto change = needs(s, "change", {}, {});
  EXPECT_EQ(change.at("change_certificate"), material_need::missing);
  EXPECT_EQ(change.at("licence"), material_need::missing);
  EXPECT_EQ(change.count("operation_report"), 0u);
  auto renew = needs(s, "renew", {}, {});
  EXPECT_EQ(renew.at("operation_report"), material_need::missing);
  EXPECT_EQ(renew.count("change_certificate"), 0u);
}

TEST(Catalogue, TheHaichengPledgeIsNeededOnlyWhileTheCharterIsTolerated) {
  auto all = shipped();
  auto& s = by_code(all, "labour_dispatch_licence_haicheng");
  auto without = needs(s, std::nullopt, {}, {});
  EXPECT_EQ(without.at("charter_capital"), material_need::tolerable);
  EXPECT_EQ(without.at("tolerance_pledge"), material_need::missing);
  auto with = needs(s, std::nullopt, {}, {"charter_capital"});
  EXPECT_EQ(with.at("charter_capital"), material_need::uploaded);
  EXPECT_EQ(with.at("tolerance_pledge"), material_need::not_needed);
  // The supply period (7) is longer than the time limit (5): the due date counts from its end.
  auto charter = *svc::material_in(s, "charter_capital");
  EXPECT_EQ(charter.supply_days, 7);
  EXPECT_EQ(s.time_limit_days, 5);
}

TEST(Catalogue, CasesAddAndRemoveMaterials) {
  auto all = shipped();
  auto& card = by_code(all, "social_security_card_apply");
  auto adult = needs(card, std::nullopt, {}, {});
  EXPECT_EQ(adult.count("guardian_id"), 0u);
  EXPECT_EQ(adult.at("photo"), material_need::missing);
  auto minor = needs(card, std::nullopt, {"minor"}, {});
  EXPECT_EQ(minor.at("guardian_id"), material_need::missing);
  EXPECT_EQ(minor.at("photo"), material_need::missing);
  auto child = needs(card, std::nullopt, {"child_under_7"}, {});  // 7周岁以下可不用提供照片
  EXPECT_EQ(child.at("guardian_id"), material_need::missing);
  EXPECT_EQ(child.count("photo"), 0u);
  EXPECT_EQ(by_code(all, "social_security_card_apply").materials.front().paper, "id_card");
  EXPECT_EQ(svc::material_in(card, "photo")->kind, "portrait");
}

TEST(Catalogue, AVariantMayHaveItsOwnTimeLimit) {
  auto all = shipped();
  auto& s = by_code(all, "social_insurance_declaration");
  EXPECT_EQ(svc::time_limit_of(s, "registration"), 0);  // 即时办结
  EXPECT_EQ(svc::time_limit_of(s, "assessment"), 1);    // 1个工作日内完成审核
  EXPECT_EQ(svc::time_limit_of(s, std::nullopt), 0);
  auto staff_add = needs(s, "staff_add", {}, {});
  EXPECT_EQ(staff_add.size(), 3u);
  EXPECT_EQ(staff_add.count("filing_record"), 1u);
}
