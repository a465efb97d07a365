#include "hallpass/server/api/handlers.hpp"

namespace hallpass::server::api {

std::vector<route> all_routes(const api_settings& settings) {
  const std::size_t json = settings.json_body_limit;
  const std::size_t upload = settings.upload_body_limit;
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
      {"GET", "/api/v1/services", list_services, 0},
      {"GET", "/api/v1/services/{service_code}", get_service, 0},
      {"GET", "/api/v1/applications", list_my_applications, 0},
      {"POST", "/api/v1/applications", create_application, json},
      {"GET", "/api/v1/applications/{application_id}", get_application, 0},
      {"PATCH", "/api/v1/applications/{application_id}", update_application, json},
      {"GET", "/api/v1/applications/{application_id}/events", application_events, 0},
      {"POST", "/api/v1/applications/{application_id}/submission", submit_application, 1024},
      {"POST", "/api/v1/applications/{application_id}/withdrawal", withdraw_application, 1024},
      {"POST", "/api/v1/applications/{application_id}/materials/{material}/upload-codes", create_upload_code, 1024},
      {"DELETE", "/api/v1/applications/{application_id}/upload-codes/{code_id}", revoke_upload_code, 0},
      {"POST", "/api/v1/applications/{application_id}/materials/{material}/pages", upload_page_from_portal, upload, admit_portal_upload},
      {"PUT", "/api/v1/applications/{application_id}/materials/{material}/page-order", reorder_material_pages, json},
      {"DELETE", "/api/v1/applications/{application_id}/materials/{material}/pages/{page_id}", delete_material_page, 0},
      {"GET", "/api/v1/applications/{application_id}/materials/{material}/pdf", material_pdf, 0},
      {"GET", "/api/v1/upload-codes/current", describe_upload_code, 0},
      {"POST", "/api/v1/upload-codes/current/pages", upload_page_with_code, upload, admit_code_upload},
      {"GET", "/api/v1/pages/{page_id}/thumbnail", page_thumbnail, 0},
      {"GET", "/api/v1/pages/{page_id}/image", page_image, 0},
      {"GET", "/.well-known/oauth-authorization-server", oauth_metadata, 0},
      {"POST", "/oauth/device_authorization", oauth_device_authorization, 4096},
      {"POST", "/oauth/token", oauth_token, 4096},
      {"GET", "/", page_home, 0},
      {"GET", "/login", page_login, 0},
      {"GET", "/l/{scan_token}", page_scan, 0},
      {"GET", "/device", page_scan, 0},
      {"GET", "/static/{file}", static_file, 0},
      {"GET", "/services", page_services, 0},
      {"GET", "/applications/{application_id}", page_application, 0},
      {"GET", "/u/{upload_token}", page_upload, 0},
  };
}

}  // namespace hallpass::server::api
