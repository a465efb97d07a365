#include "hallpass/server/api/request_auth.hpp"

#include <cctype>

#include "hallpass/server/api/api_error.hpp"

namespace hallpass::server::api {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "scheme://host[:port]" of a URL in lower case, without the scheme's default port: the form
// browsers send in Origin.
std::string origin_of(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return lower(url);
  auto authority_end = url.find_first_of("/?#", scheme_end + 3);
  auto origin = lower(url.substr(0, authority_end));
  if (origin.starts_with("http://") && origin.ends_with(":80")) origin.resize(origin.size() - 3);
  if (origin.starts_with("https://") && origin.ends_with(":443")) origin.resize(origin.size() - 4);
  return origin;
}

}  // namespace

void refuse_cross_site(const context& ctx, const request& req) {
  bool cross = false;
  if (auto origin = req.header_value("origin")) cross = origin_of(*origin) != origin_of(ctx.settings.public_url);
  if (auto site = req.header_value("sec-fetch-site")) cross = cross || (*site != "same-origin" && *site != "none");
  if (cross)
    throw api_exception{{403, "cross_site_request", "拒绝来自其他网站的请求", "Requests from other sites are refused"}};
}

std::string session_cookie_name(const request& req) { return req.secure ? "__Host-hp_session" : "hp_session"; }
std::string phone_cookie_name(const request& req) { return req.secure ? "__Host-hp_phone" : "hp_phone"; }

std::string cookie_header(const request& req, const std::string& name, const std::string& token) {
  return name + "=" + token + "; Path=/; " + (token.empty() ? "Max-Age=0; " : "") + "HttpOnly; SameSite=Lax" +
         (req.secure ? "; Secure" : "");
}

namespace {

services::caller authenticate(context& ctx, const request& req, bool portal_cookie) {
  services::credentials c;
  if (auto h = req.header_value("authorization")) {
    if (h->size() > 7 && h->substr(0, 7) == "Bearer ") c.token = std::string(h->substr(7));
  } else if (auto web = portal_cookie ? req.cookie(session_cookie_name(req)) : std::nullopt) {
    c.token = *web;
    c.sent_automatically = true;
  } else if (auto phone = req.cookie(phone_cookie_name(req))) {
    c.token = *phone;
    c.sent_automatically = true;
  }
  c.changes_state = req.method != "GET" && req.method != "HEAD";
  if (auto csrf = req.header_value("x-csrf-token")) c.csrf_token = std::string(*csrf);
  return ctx.sessions.authenticate(c).or_throw();
}

}  // namespace

services::caller require_caller(context& ctx, const request& req) {
  auto who = require_session(ctx, req);
  if (who.is_staff()) throw services::failure{services::errc::applicant_session_required};
  return who;
}

services::caller require_staff(context& ctx, const request& req) {
  auto who = require_session(ctx, req);
  if (!who.is_staff()) throw services::failure{services::errc::staff_session_required};
  return who;
}

services::caller require_session(context& ctx, const request& req) { return authenticate(ctx, req, true); }

services::caller require_phone(context& ctx, const request& req) {
  auto who = authenticate(ctx, req, false);
  if (who.is_staff()) throw services::failure{services::errc::applicant_session_required};
  return who;
}

}  // namespace hallpass::server::api
