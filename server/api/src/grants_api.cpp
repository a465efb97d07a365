// A unit's administrator and agents: list, grant, change, revoke.
#include <boost/json.hpp>

#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/api/request_auth.hpp"
#include "hallpass/server/services/accounts.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

response list_unit_grants(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto grants = ctx.accounts.list_grants(who, path_id(req, "unit_id"));
  json::array out;
  for (auto& g : grants.or_throw()) out.push_back(grant_json(g));
  return json_response({{"grants", out}, {"agent_limit", services::max_agents_per_unit}});
}

response create_unit_grant(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto unit_id = path_id(req, "unit_id");
  auto in = new_grant_body(req);
  auto g = ctx.accounts.add_grant(who, unit_id, in, req.remote_ip);
  return json_response(grant_json(g.or_throw()), 201);
}

response change_unit_grant(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto in = grant_change_body(req);
  auto g = ctx.accounts.change_grant(who, path_id(req, "unit_id"), path_id(req, "grant_id"), in, req.remote_ip);
  return json_response(grant_json(g.or_throw()));
}

response revoke_unit_grant(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  ctx.accounts.revoke_grant(who, path_id(req, "unit_id"), path_id(req, "grant_id"), req.remote_ip).or_throw();
  response r;
  r.status = 204;
  return r;
}

}  // namespace hallpass::server::api
