// Password login, the current session, logout, and the units a person may act for.
#include <boost/json.hpp>

#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/api/request_auth.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/services/auth.hpp"
#include "hallpass/server/services/login_tickets.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

response create_session(context& ctx, request& req) {
  refuse_cross_site(ctx, req);
  auto body = login_body(req);
  auto& in = body.login;
  in.ip = req.remote_ip;
  in.device = services::device_of(std::string(req.header_value("user-agent").value_or("")));
  if (in.account.size() > 64 || in.password.size() > 128 || (in.unit && in.unit->size() > 64) ||
      (in.office && in.office->size() > 64))
    return error_json(services::errc::invalid_credentials);
  auto issued = ctx.sessions.login_with_password(in);
  if (!issued) return error_json(issued.err());
  return session_response(req, *issued, 201, body.phone_cookie);
}

response current_session(context& ctx, request& req) {
  auto who = require_session(ctx, req);
  return json_response(caller_json(who));
}

response delete_session(context& ctx, request& req) {
  refuse_cross_site(ctx, req);
  auto who = require_session(ctx, req);
  ctx.sessions.logout(who, req.remote_ip).or_throw();
  response r;
  r.status = 204;
  r.content_type = "application/json";
  // The cookie that carried the session goes (none for a bearer token).
  if (!req.header_value("authorization"))
    r.set("Set-Cookie", cookie_header(req, who.channel == "web" ? session_cookie_name(req) : phone_cookie_name(req), ""));
  return r;
}

// 我的设备: the person's live sessions, the one asking marked; ending one of them.
response list_own_sessions(context& ctx, request& req) {
  auto who = require_session(ctx, req);
  json::array out;
  for (auto& s : ctx.sessions.own_sessions(who)) {
    out.push_back(json::object{{"id", std::to_string(s.id)},
                               {"channel", s.channel},
                               {"role", s.role},
                               {"unit", s.unit_name ? json::value(*s.unit_name) : json::value(nullptr)},
                               {"office", s.office_name ? json::value(*s.office_name) : json::value(nullptr)},
                               {"device", s.device ? json::value(*s.device) : json::value(nullptr)},
                               {"created_at", s.created_at},
                               {"last_seen_at", s.last_seen_at},
                               {"current", s.id == who.session_id}});
  }
  return json_response({{"sessions", out}});
}

response end_own_session(context& ctx, request& req) {
  auto who = require_session(ctx, req);
  ctx.sessions.end_own_session(who, path_id(req, "session_id"), req.remote_ip).or_throw();
  return no_content();
}

response change_password(context& ctx, request& req) {
  auto who = require_session(ctx, req);
  auto body = password_change_body(req);
  ctx.sessions.change_password(who, body.current_password, body.new_password, req.remote_ip).or_throw();
  return no_content();
}

// 忘记密码: the same 202 whether or not the ID number and mobile are someone's.
response request_password_reset(context& ctx, request& req) {
  auto body = password_reset_body(req, false);
  ctx.mobile_codes.request_password_reset(body.id_number, body.mobile, req.remote_ip).or_throw();
  return json_response({{"sent_if_registered", true}, {"expires_in", ctx.mobile_codes.settings().code_minutes * 60}}, 202);
}

response confirm_password_reset(context& ctx, request& req) {
  auto body = password_reset_body(req, true);
  ctx.mobile_codes.confirm_password_reset(body.id_number, body.mobile, body.code, body.new_password, req.remote_ip).or_throw();
  return no_content();
}

// 修改手机: a code to the new mobile, then the code and the password.
response request_mobile_change(context& ctx, request& req) {
  auto who = require_session(ctx, req);
  auto body = mobile_change_body(req, false);
  ctx.mobile_codes.request_mobile_change(who, body.new_mobile, req.remote_ip).or_throw();
  return json_response({{"expires_in", ctx.mobile_codes.settings().code_minutes * 60}}, 202);
}

response confirm_mobile_change(context& ctx, request& req) {
  auto who = require_session(ctx, req);
  auto body = mobile_change_body(req, true);
  ctx.mobile_codes.confirm_mobile_change(who, body.new_mobile, body.code, body.password, req.remote_ip).or_throw();
  return no_content();
}

response my_units(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  json::array units;
  for (auto& u : ctx.accounts.units_of(who.person_id)) units.push_back(unit_role_json(u));
  return json_response({{"units", units}});
}

}  // namespace hallpass::server::api
