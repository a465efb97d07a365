#include "hallpass/server/api/views.hpp"

#include <algorithm>
#include <charconv>

#include <boost/json.hpp>

#include "hallpass/server/api/api_error.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_auth.hpp"
#include "hallpass/server/api/uploads.hpp"
#include "hallpass/server/services/application_state.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

json::value scope_json(const std::optional<std::vector<std::string>>& scope) {
  if (!scope) return nullptr;
  json::array a;
  for (auto& s : *scope) a.emplace_back(s);
  return a;
}

json::object caller_json(const services::caller& who) {
  json::object person{{"name", who.person_name},  // the caller's own name, in full
                      {"name_masked", identity::mask_name(who.person_name)},
                      {"id_number", who.id_number_masked},
                      {"mobile", who.mobile_masked ? json::value(*who.mobile_masked) : json::value(nullptr)}};
  json::value unit = nullptr;
  if (who.unit_id) {
    unit = json::object{{"id", std::to_string(*who.unit_id)}, {"name", *who.unit_name}, {"uscc", *who.uscc}};
  }
  json::object out{{"person", person}, {"unit", unit},           {"role", who.role},
                   {"scope", scope_json(who.scope)}, {"channel", who.channel}, {"expires_at", who.expires_at}};
  if (who.is_staff())
    out["office"] = json::object{{"code", *who.office_code}, {"name", who.office_name.value_or("")},
                                 {"role", who.staff_role.value_or("")}};
  return out;
}

namespace {

json::value or_null(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }

// 我的办件's three tabs: 办理中, 已办结, and 待评价 (completed, not rated yet).
const char* progress_of(const db::application_row& r) {
  if (r.state == "completed" && !r.rated) return "待评价";
  return (r.state == "completed" || r.state == "not_accepted" || r.state == "withdrawn") ? "已办结" : "办理中";
}

}  // namespace

json::object application_summary(const db::application_row& r) {
  auto state = services::state_from_string(r.state);
  json::array reopened;
  for (auto& m : r.reopened_materials) reopened.push_back(json::value(m));
  return {{"id", std::to_string(r.id)},
          {"service_code", r.service_code},
          {"state", r.state},
          {"state_label", state ? std::string(services::label_zh(*state)) : r.state},
          {"progress", progress_of(r)},
          {"rated", r.rated},
          {"step", r.step},
          {"created_at", r.created_at},
          {"submitted_at", or_null(r.submitted_at)},
          {"accepted_at", or_null(r.accepted_at)},
          {"decided_at", or_null(r.decided_at)},
          {"completed_at", or_null(r.completed_at)},
          {"due_date", or_null(r.due_date)},
          {"supply_deadline", or_null(r.supply_deadline)},
          {"calendar", or_null(r.calendar)},
          {"correction_deadline", or_null(r.correction_deadline)},
          {"reopened_materials", reopened},
          {"decision_text", or_null(r.decision_text)},
          {"licence_number", or_null(r.licence_number)}};
}

namespace {

json::array strings(const std::vector<std::string>& list) {
  json::array a;
  for (auto& s : list) a.emplace_back(s);
  return a;
}

// What the catalogue says of a material, for the service page and the application page.
json::object material_json(const db::material_def& m) {
  json::object when;
  if (!m.when_tolerated.empty()) when["tolerated"] = m.when_tolerated;
  if (!m.when_cases.empty()) when["case"] = strings(m.when_cases);
  if (!m.unless_cases.empty()) when["not_case"] = strings(m.unless_cases);
  return {{"code", m.code},
          {"name", m.name},
          {"required", m.required},
          {"tolerable", m.tolerable},
          {"supply_days", m.supply_days ? json::value(*m.supply_days) : json::value(nullptr)},
          {"max_pages", m.max_pages},
          {"variants", strings(m.variants)},
          {"when", when.empty() ? json::value(nullptr) : json::value(when)},
          {"hint", m.hint},
          {"origin", m.origin},
          {"template_url", m.template_key.empty() ? json::value(nullptr) : json::value("/templates/" + m.template_key)},
          {"kind", m.kind},
          {"paper", m.paper},
          {"seed", m.seed}};
}

const char* need_name(services::material_need n) {
  switch (n) {
    case services::material_need::uploaded: return "uploaded";
    case services::material_need::missing: return "missing";
    case services::material_need::tolerable: return "tolerable";
    case services::material_need::not_needed: return "not_needed";
    case services::material_need::optional: return "optional";
    case services::material_need::not_applicable: break;
  }
  return "not_applicable";
}

}  // namespace

json::object service_json(const db::service_def& s, bool with_materials) {
  json::array variants, cases;
  for (auto& v : s.variants) {
    json::object o{{"code", v.code}, {"name", v.name}, {"name_en", v.name_en},
                   {"time_limit_days", services::time_limit_of(s, v.code)}};
    variants.push_back(std::move(o));
  }
  for (auto& c : s.cases) cases.push_back({{"code", c.code}, {"name", c.name}, {"name_en", c.name_en}});
  json::object o{{"code", s.code}, {"name", s.name}, {"name_en", s.name_en}, {"authority", s.authority},
                 {"time_limit_days", s.time_limit_days}, {"notice", s.notice}, {"audience", s.audience},
                 {"variants", variants}, {"cases", cases}, {"seed", s.seed},
                 {"office", s.office_code.empty() ? json::value(nullptr)
                                                  : json::value(json::object{{"code", s.office_code}, {"name", s.office_name}})}};
  if (with_materials) {
    json::array ms;
    for (auto& m : s.materials) ms.push_back(material_json(m));
    o["materials"] = ms;
  }
  return o;
}

json::object application_json(const services::application_view& v) {
  auto o = application_summary(v.row);
  o["service"] = service_json(v.service, false);
  o["variant"] = v.row.variant ? json::value(*v.row.variant) : json::value(nullptr);
  o["cases"] = strings(v.row.cases);
  o["time_limit_days"] = services::time_limit_of(v.service, v.row.variant);
  auto form = json::parse(v.row.form_json).as_object();
  form.erase("contact_mobile_hash");
  o["form"] = form;
  auto has_pages = [&](const std::string& code) {
    return std::any_of(v.pages.begin(), v.pages.end(), [&](auto& p) { return p.material_code == code; });
  };
  // Only the materials of this variant and these cases; each with what it asks now.
  json::array materials;
  for (auto& m : v.service.materials) {
    auto need = services::need_of(v.service, m, v.row.variant, v.row.cases, has_pages);
    if (need == services::material_need::not_applicable) continue;
    json::array pages;
    for (auto& p : v.pages) {
      if (p.material_code != m.code) continue;
      pages.push_back(page_json(p));
    }
    auto item = material_json(m);
    item["status"] = need_name(need);
    item["pages"] = pages;
    materials.push_back(std::move(item));
  }
  o["materials"] = materials;
  return o;
}

json::object event_json(const db::event_row& e) {
  return {{"id", std::to_string(e.id)},
          {"at", e.at},
          {"actor_role", e.actor_role},
          // Staff are named masked; the applicant's side sees only that it was them.
          {"actor_name", e.actor_name ? json::value(identity::mask_name(*e.actor_name)) : json::value(nullptr)},
          {"action", e.action},
          {"from_state", e.from_state},
          {"to_state", e.to_state},
          {"comment", e.comment},
          {"details", json::parse(e.details_json)}};
}

json::object unit_role_json(const db::unit_role& u) {
  return {{"unit", {{"id", std::to_string(u.unit.id)}, {"name", u.unit.name}, {"uscc", u.unit.uscc},
                    {"unit_number", u.unit.unit_number}}},
          {"role", u.role},
          {"scope", scope_json(u.scope)},
          {"valid_from", u.valid_from ? json::value(*u.valid_from) : json::value(nullptr)},
          {"valid_until", u.valid_until ? json::value(*u.valid_until) : json::value(nullptr)},
          {"valid_now", u.valid_now}};
}

json::object grant_json(const db::grant_row& g) {
  return {{"id", std::to_string(g.id)},
          {"role", g.role},
          {"person", {{"name", identity::mask_name(g.person_name)},
                      {"id_number", g.person_id_masked},
                      {"mobile", g.person_mobile_masked ? json::value(*g.person_mobile_masked) : json::value(nullptr)}}},
          {"scope", scope_json(g.scope)},
          {"valid_from", g.valid_from},
          {"valid_until", g.valid_until},
          {"valid_now", g.valid_now}};
}

response session_response(const request& req, const services::issued_session& s, int status, bool phone_cookie) {
  json::object body = caller_json(s.who);
  body["csrf_token"] = s.csrf_token;
  // A browser gets the token only as an HttpOnly cookie, out of reach of scripts: the portal's
  // session in the session cookie, the phone web app's in the phone cookie. The phone app and
  // the kiosk send it as a bearer token, so they get it in the body.
  bool cookie = s.who.channel == "web" || phone_cookie;
  if (!cookie) body["token"] = s.token;
  auto r = json_response(body, status);
  if (cookie) r.set("Set-Cookie", cookie_header(req, s.who.channel == "web" ? session_cookie_name(req) : phone_cookie_name(req), s.token));
  return r;
}

std::shared_ptr<void> take_stream_slot(context& ctx, const std::string& key) {
  auto slot = ctx.streams.take(key, ctx.settings.streams_per_key);
  if (!slot)
    throw api_exception{{429, "too_many_streams", "打开的实时页面过多，请关闭多余的页面后重试",
                         "Too many live pages are open; close some and try again", 5}};
  return slot;
}

response event_stream_response(std::shared_ptr<response_later> later) {
  response r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.set("Cache-Control", "no-store");
  r.set("X-Accel-Buffering", "no");  // proxies must not buffer the stream
  r.later = std::move(later);
  r.stream = true;
  return r;
}

std::int64_t path_id(const request& req, const std::string& name) {
  auto it = req.path_params.find(name);
  std::int64_t v = 0;
  if (it != req.path_params.end()) {
    auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && v > 0) return v;
  }
  throw api_exception{errors::not_found()};
}

}  // namespace hallpass::server::api
