// Registration online (PRODUCT.md §11): identity checks of the real-name service, the mobile's
// one-time code, then the person; a signed-in legal representative registers their unit.
#include <boost/json.hpp>

#include "hallpass/qr/qr.hpp"
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_auth.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/services/registration.hpp"

namespace hallpass::server::api {

response start_identity_check(context& ctx, request& req) {
  auto body = identity_check_body(req);
  auto check = ctx.registration.start_check(body.purpose, body.name, body.id_type, body.id_number, req.remote_ip).or_throw();
  boost::json::object out{{"check_id", check.check_id}, {"verify_url", check.verify_url},
                          {"valid_minutes", ctx.registration.settings().check_minutes}};
  // The page shows it as a QR code for the phone.
  if (auto m = qr::encode(check.verify_url)) {
    if (auto svg = qr::render_svg(*m, {4, 4})) out["qr_svg"] = *svg;
  }
  return json_response(out, 201);
}

response get_identity_check(context& ctx, request& req) {
  auto state = ctx.registration.check(req.path_params.at("check_id")).or_throw();
  boost::json::object out{{"status", state.status}};
  if (state.valid_until) out["valid_until"] = state.valid_until;
  return json_response(out);
}

response request_registration_code(context& ctx, request& req) {
  ctx.mobile_codes.request_registration_code(registration_code_body(req), req.remote_ip).or_throw();
  return json_response({{"expires_in", ctx.mobile_codes.settings().code_minutes * 60}}, 202);
}

response register_person(context& ctx, request& req) {
  auto id = ctx.registration.register_person(person_registration_body(req), req.remote_ip).or_throw();
  return json_response({{"person_id", id}}, 201);
}

response register_unit(context& ctx, request& req) {
  auto who = require_session(ctx, req);
  auto unit = ctx.registration.register_unit(who, unit_registration_body(req), req.remote_ip).or_throw();
  return json_response({{"unit_id", unit.id}, {"unit_number", unit.unit_number}, {"uscc", unit.uscc}, {"name", unit.name}},
                       201);
}

}  // namespace hallpass::server::api
