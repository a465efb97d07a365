#include "hallpass/server/services/catalogue.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>

namespace hallpass::server::services {

namespace json = boost::json;

namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// A key the catalogue does not know is a typing mistake that would otherwise go unseen.
void only_known(const json::object& o, std::initializer_list<std::string_view> keys, const std::string& where) {
  for (auto& kv : o)
    if (std::find(keys.begin(), keys.end(), kv.key()) == keys.end())
      throw std::runtime_error("unknown key \"" + std::string(kv.key()) + "\" in " + where);
}

std::string opt_str(const json::object& o, std::string_view key, std::string fallback = {}) {
  auto* v = o.if_contains(key);
  return v ? std::string(v->as_string()) : fallback;
}

// "case": "minor" or "case": ["minor", "child_under_7"]
std::vector<std::string> one_or_many(const json::value& v) {
  std::vector<std::string> out;
  if (v.is_string()) out.emplace_back(v.as_string());
  else
    for (auto& x : v.as_array()) out.emplace_back(x.as_string());
  return out;
}

// {code, name, name_en} entries with codes unique within the service.
template <class T>
std::vector<T> choices(const json::object& s, std::string_view key, const std::string& where) {
  std::vector<T> out;
  std::set<std::string> seen;
  auto* list = s.if_contains(key);
  if (!list) return out;
  for (auto& v : list->as_array()) {
    auto& o = v.as_object();
    T d;
    d.code = std::string(o.at("code").as_string());
    d.name = std::string(o.at("name").as_string());
    d.name_en = std::string(o.at("name_en").as_string());
    if constexpr (std::is_same_v<T, db::variant_def>) {
      only_known(o, {"code", "name", "name_en", "time_limit_days"}, where + " variant " + d.code);
      if (auto* t = o.if_contains("time_limit_days")) d.time_limit_days = static_cast<int>(t->as_int64());
    } else {
      only_known(o, {"code", "name", "name_en"}, where + " case " + d.code);
    }
    if (!seen.insert(d.code).second) throw std::runtime_error(std::string(key) + " " + d.code + " is listed twice in " + where);
    out.push_back(std::move(d));
  }
  return out;
}

db::material_def read_material(const json::object& m, const std::string& service, int position) {
  db::material_def md;
  md.code = std::string(m.at("code").as_string());
  auto where = service + "/" + md.code;
  only_known(m, {"code", "name", "required", "tolerable", "supply_days", "max_pages", "variants", "when", "hint", "origin",
                 "template", "kind", "paper", "seed"},
             where);
  md.name = std::string(m.at("name").as_string());
  md.position = position;
  md.required = m.at("required").as_bool();
  if (auto* t = m.if_contains("tolerable")) md.tolerable = t->as_bool();
  if (auto* sd = m.if_contains("supply_days")) md.supply_days = static_cast<int>(sd->as_int64());
  if (auto* mp = m.if_contains("max_pages")) md.max_pages = static_cast<int>(mp->as_int64());
  if (auto* v = m.if_contains("variants")) md.variants = one_or_many(*v);
  if (auto* w = m.if_contains("when")) {
    auto& wo = w->as_object();
    only_known(wo, {"tolerated", "case", "not_case"}, where + " when");
    md.when_tolerated = opt_str(wo, "tolerated");
    if (auto* c = wo.if_contains("case")) md.when_cases = one_or_many(*c);
    if (auto* c = wo.if_contains("not_case")) md.unless_cases = one_or_many(*c);
  }
  md.hint = opt_str(m, "hint");
  md.origin = opt_str(m, "origin");
  md.template_key = opt_str(m, "template");
  md.kind = opt_str(m, "kind", "paper");
  md.paper = opt_str(m, "paper", "any");
  md.seed = opt_str(m, "seed");
  static const std::vector<std::string> kinds = {"paper", "pdf", "video", "portrait"}, papers = {"a4", "id_card", "any"};
  if (!contains(kinds, md.kind)) throw std::runtime_error(where + " has an unknown kind " + md.kind);
  if (!contains(papers, md.paper)) throw std::runtime_error(where + " has an unknown paper " + md.paper);
  if (md.max_pages <= 0) throw std::runtime_error(where + " has max_pages below 1");
  if (md.seed.empty()) throw std::runtime_error(where + " does not say which manual line it comes from (seed)");
  // 容缺: a material that may follow needs the period it must follow within.
  if (md.tolerable && (!md.supply_days || *md.supply_days <= 0))
    throw std::runtime_error("tolerated material " + where + " has no supply_days");
  // A tolerated material is one of every application of the service (the review's SQL counts on it).
  if (md.tolerable && (!md.variants.empty() || !md.when_cases.empty() || !md.unless_cases.empty()))
    throw std::runtime_error("tolerated material " + where + " may not depend on a variant or case");
  return md;
}

// Every code a material names must exist in its service.
void check_references(const db::service_def& d) {
  for (auto& m : d.materials) {
    auto where = d.code + "/" + m.code;
    for (auto& v : m.variants)
      if (!variant_in(d, v)) throw std::runtime_error(where + " names an unknown variant " + v);
    for (auto* list : {&m.when_cases, &m.unless_cases})
      for (auto& c : *list)
        if (std::none_of(d.cases.begin(), d.cases.end(), [&](auto& k) { return k.code == c; }))
          throw std::runtime_error(where + " names an unknown case " + c);
    if (!m.when_tolerated.empty()) {
      auto* t = material_in(d, m.when_tolerated);
      if (!t || !t->tolerable) throw std::runtime_error(where + " depends on " + m.when_tolerated + ", which is not tolerable");
    }
  }
}

}  // namespace

const db::material_def* material_in(const db::service_def& s, const std::string& code) {
  for (auto& m : s.materials)
    if (m.code == code) return &m;
  return nullptr;
}

const db::variant_def* variant_in(const db::service_def& s, const std::string& code) {
  for (auto& v : s.variants)
    if (v.code == code) return &v;
  return nullptr;
}

int time_limit_of(const db::service_def& s, const std::optional<std::string>& variant) {
  auto* v = variant ? variant_in(s, *variant) : nullptr;
  return v && v->time_limit_days ? *v->time_limit_days : s.time_limit_days;
}

bool material_applies(const db::material_def& m, const std::optional<std::string>& variant,
                      const std::vector<std::string>& cases) {
  if (!m.variants.empty() && (!variant || !contains(m.variants, *variant))) return false;
  auto any_case = [&](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(), [&](auto& c) { return contains(cases, c); });
  };
  if (!m.when_cases.empty() && !any_case(m.when_cases)) return false;
  return !any_case(m.unless_cases);
}

material_need need_of(const db::service_def& s, const db::material_def& m, const std::optional<std::string>& variant,
                      const std::vector<std::string>& cases, const std::function<bool(const std::string&)>& has_pages) {
  if (!material_applies(m, variant, cases)) return material_need::not_applicable;
  if (has_pages(m.code)) return material_need::uploaded;
  if (!m.required) return material_need::optional;
  if (!m.when_tolerated.empty()) {
    auto* other = material_in(s, m.when_tolerated);
    if (other && has_pages(other->code)) return material_need::not_needed;
  }
  return m.tolerable ? material_need::tolerable : material_need::missing;
}

std::vector<db::service_def> load_catalogue(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the service catalogue " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<db::service_def> out;
  std::set<std::string> service_codes;
  try {
    auto doc = json::parse(ss.str()).as_object();
    only_known(doc, {"note", "services"}, "the catalogue");
    for (auto& sv : doc.at("services").as_array()) {
      auto& s = sv.as_object();
      auto where = "service " + opt_str(s, "code", "?");
      only_known(s, {"code", "name", "name_en", "authority", "office", "time_limit_days", "notice", "materials", "audience",
                     "variants", "cases", "seed"},
                 where);
      db::service_def d;
      d.code = std::string(s.at("code").as_string());
      d.name = std::string(s.at("name").as_string());
      d.name_en = opt_str(s, "name_en");
      d.authority = std::string(s.at("authority").as_string());
      d.notice = std::string(s.at("notice").as_string());
      d.time_limit_days = static_cast<int>(s.at("time_limit_days").as_int64());
      if (d.time_limit_days < 0) throw std::runtime_error("time_limit_days of " + d.code + " is negative");
      if (auto* office = s.if_contains("office")) {  // whose staff handle it
        d.office_code = std::string(office->at("code").as_string());
        d.office_name = std::string(office->at("name").as_string());
      }
      d.audience = opt_str(s, "audience", "unit");
      if (d.audience != "unit" && d.audience != "person")
        throw std::runtime_error(where + " has an unknown audience " + d.audience);
      d.variants = choices<db::variant_def>(s, "variants", where);
      d.cases = choices<db::case_def>(s, "cases", where);
      d.seed = opt_str(s, "seed");
      if (d.seed.empty()) throw std::runtime_error(where + " does not say which manual it comes from (seed)");
      if (!service_codes.insert(d.code).second) throw std::runtime_error("service " + d.code + " is listed twice");
      int pos = 0;
      std::set<std::string> material_codes;
      for (auto& mv : s.at("materials").as_array()) {
        auto md = read_material(mv.as_object(), d.code, ++pos);
        if (!material_codes.insert(md.code).second)
          throw std::runtime_error("material " + md.code + " is listed twice in " + d.code);
        d.materials.push_back(std::move(md));
      }
      check_references(d);
      out.push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("malformed service catalogue " + path + ": " + e.what());
  }
  return out;
}

}  // namespace hallpass::server::services
