#include "hallpass/server/api/views.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "hallpass/server/api/api_error.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_auth.hpp"

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
  return {{"person", person}, {"unit", unit},           {"role", who.role},
          {"scope", scope_json(who.scope)}, {"channel", who.channel}, {"expires_at", who.expires_at}};
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

response session_response(const request& req, const services::issued_session& s, int status) {
  json::object body = caller_json(s.who);
  body["csrf_token"] = s.csrf_token;
  // A browser gets the token only as an HttpOnly cookie, out of reach of scripts; the phone
  // app and the kiosk send it as a bearer token, so they get it in the body.
  if (s.who.channel != "web") body["token"] = s.token;
  auto r = json_response(body, status);
  if (s.who.channel == "web") {
    r.set("Set-Cookie", session_cookie_name(req) + "=" + s.token + "; Path=/; HttpOnly; SameSite=Lax" +
                            (req.secure ? "; Secure" : ""));
  }
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
