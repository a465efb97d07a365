// Password login, the current session, logout, and the units a person may act for.
#include <boost/json.hpp>

#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/json_io.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/services/auth.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

response create_session(app& a, request& req) {
  auto body = read_json(req, {"unit", "account", "password", "channel"});
  services::password_login in;
  in.unit = opt_string(body, "unit");
  in.account = need_string(body, "account");
  in.password = need_string(body, "password");
  in.channel = opt_string(body, "channel").value_or("web");
  in.ip = req.remote_ip;
  if (in.account.size() > 64 || in.password.size() > 128 || (in.unit && in.unit->size() > 64))
    return error_json({401, "invalid_credentials", "账号或密码错误", "Wrong account or password"});
  auto issued = services::login_with_password(a, in);
  if (!issued) return error_json(issued.error());
  return session_response(req, *issued, 201);
}

response current_session(app& a, request& req) {
  auto who = services::require_caller(a, req);
  return json_response(caller_json(who));
}

response delete_session(app& a, request& req) {
  auto who = services::require_caller(a, req);
  services::logout(a, who, req.remote_ip).or_throw();
  response r;
  r.status = 204;
  r.content_type = "application/json";
  r.set("Set-Cookie", services::session_cookie_name(req) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" +
                          (req.secure ? "; Secure" : ""));
  return r;
}

response my_units(app& a, request& req) {
  auto who = services::require_caller(a, req);
  json::array units;
  for (auto& u : services::units_of(a, who.person_id)) units.push_back(unit_role_json(u));
  return json_response({{"units", units}});
}

}  // namespace hallpass::server::api
