#include "hallpass/server/api/request_auth.hpp"

namespace hallpass::server::api {

std::string session_cookie_name(const request& req) { return req.secure ? "__Host-hp_session" : "hp_session"; }

services::caller require_caller(context& ctx, const request& req) {
  services::credentials c;
  if (auto h = req.header_value("authorization")) {
    if (h->size() > 7 && h->substr(0, 7) == "Bearer ") c.token = std::string(h->substr(7));
  } else if (auto cookie = req.cookie(session_cookie_name(req))) {
    c.token = *cookie;
    c.sent_automatically = true;
  }
  c.changes_state = req.method != "GET" && req.method != "HEAD";
  if (auto csrf = req.header_value("x-csrf-token")) c.csrf_token = std::string(*csrf);
  return ctx.sessions.authenticate(c).or_throw();
}

}  // namespace hallpass::server::api
