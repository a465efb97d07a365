#include "hallpass/server/api/handlers.hpp"

namespace hallpass::server {

std::vector<route> all_routes(const config& cfg) {
  const std::size_t json = cfg.json_body_limit;
  using namespace api;
  return {
      {"GET", "/healthz", healthz, 0},
      {"GET", "/readyz", readyz, 0},
      {"GET", "/metrics", metrics_text, 0},
      {"POST", "/api/v1/sessions", create_session, json},
      {"GET", "/api/v1/sessions/current", current_session, 0},
      {"DELETE", "/api/v1/sessions/current", delete_session, 0},
      {"GET", "/api/v1/me/units", my_units, 0},
      {"GET", "/api/v1/units/{unit_id}/grants", list_unit_grants, 0},
      {"POST", "/api/v1/units/{unit_id}/grants", create_unit_grant, json},
      {"PATCH", "/api/v1/units/{unit_id}/grants/{grant_id}", change_unit_grant, json},
      {"DELETE", "/api/v1/units/{unit_id}/grants/{grant_id}", revoke_unit_grant, 0},
  };
}

}  // namespace hallpass::server
