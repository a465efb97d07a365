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
      {"POST", "/api/v1/login-tickets", create_login_ticket, 1024},
      {"GET", "/api/v1/login-tickets/{ticket_id}", get_login_ticket, 0},
      {"DELETE", "/api/v1/login-tickets/{ticket_id}", cancel_login_ticket, 0},
      {"GET", "/api/v1/login-tickets/{ticket_id}/events", login_ticket_events, 0},
      {"POST", "/api/v1/login-tickets/{ticket_id}/session", redeem_login_ticket, 1024},
      {"POST", "/api/v1/login-tickets/scans", scan_login_ticket, 4096},
      {"POST", "/api/v1/login-tickets/{ticket_id}/confirmation", confirm_login_ticket, 1024},
      {"POST", "/api/v1/login-tickets/{ticket_id}/cancellation", cancel_login_ticket_by_phone, 1024},
      {"GET", "/.well-known/oauth-authorization-server", oauth_metadata, 0},
      {"POST", "/oauth/device_authorization", oauth_device_authorization, 4096},
      {"POST", "/oauth/token", oauth_token, 4096},
      {"GET", "/", page_home, 0},
      {"GET", "/login", page_login, 0},
      {"GET", "/l/{scan_token}", page_scan, 0},
      {"GET", "/device", page_scan, 0},
      {"GET", "/static/{file}", static_file, 0},
  };
}

}  // namespace hallpass::server
