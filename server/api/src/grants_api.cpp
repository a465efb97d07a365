// A unit's administrator and agents: list, grant, change, revoke.
#include <regex>

#include <boost/json.hpp>

#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/api/request_auth.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/services/accounts.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

// The unit's activity log: sign-ins, grants, submissions and the staff's steps, newest first,
// names and addresses masked; ?category=sign_in|grants|applications, ?before=<at>, ?limit<=100.
response unit_activity(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto category = req.query_param("category").value_or("");
  if (category != "" && category != "sign_in" && category != "grants" && category != "applications")
    throw api_exception{errors::bad_request("invalid_query", "查询参数无效", "Invalid query parameter")};
  auto before = req.query_param("before");
  static const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  if (before && !std::regex_match(*before, rfc3339))
    throw api_exception{errors::bad_request("invalid_query", "查询参数无效", "Invalid query parameter")};
  auto limit = positive_query_param(req, "limit").value_or(50);
  if (limit > 100) throw api_exception{errors::bad_request("invalid_query", "每页最多 100 条", "At most 100 entries a page")};
  auto rows = ctx.accounts.unit_activity(who, path_id(req, "unit_id"), category,
                                         before ? std::optional<std::string>(*before) : std::nullopt, static_cast<int>(limit))
                  .or_throw();
  json::array items;
  for (auto& a : rows) {
    json::object o{{"at", a.at}, {"category", a.category}, {"event", a.event},
                   {"actor", a.actor_name ? json::value(identity::mask_name(*a.actor_name)) : json::value(nullptr)},
                   {"subject", a.subject_name ? json::value(identity::mask_name(*a.subject_name)) : json::value(nullptr)},
                   {"application_id", a.application_id ? json::value(std::to_string(*a.application_id)) : json::value(nullptr)},
                   {"ip", a.ip.empty() ? json::value(nullptr) : json::value(identity::mask_ip(a.ip))}};
    boost::system::error_code ec;
    auto detail = json::parse(a.detail_json, ec);
    o["detail"] = ec ? json::value(json::object{}) : detail;
    items.push_back(std::move(o));
  }
  auto next = static_cast<std::int64_t>(rows.size()) == limit ? json::value(rows.back().at) : json::value(nullptr);
  return json_response({{"items", items}, {"next_before", next}});
}

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
