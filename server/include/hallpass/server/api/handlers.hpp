#pragma once
// Every HTTP handler, grouped by resource. Each parses and validates, calls a service, and
// maps the outcome to a response; the rules live in services/.
#include "hallpass/server/app.hpp"
#include "hallpass/server/http.hpp"
#include "hallpass/server/router.hpp"

namespace hallpass::server::api {

// health_api.cpp
response healthz(app&, request&);
response readyz(app&, request&);
response metrics_text(app&, request&);

// sessions_api.cpp
response create_session(app&, request&);
response current_session(app&, request&);
response delete_session(app&, request&);
response my_units(app&, request&);

// grants_api.cpp
response list_unit_grants(app&, request&);
response create_unit_grant(app&, request&);
response change_unit_grant(app&, request&);
response revoke_unit_grant(app&, request&);

// login_tickets_api.cpp
response create_login_ticket(app&, request&);
response get_login_ticket(app&, request&);
response login_ticket_events(app&, request&);
response redeem_login_ticket(app&, request&);
response cancel_login_ticket(app&, request&);
response scan_login_ticket(app&, request&);
response confirm_login_ticket(app&, request&);
response cancel_login_ticket_by_phone(app&, request&);

// oauth_api.cpp (RFC 8414 metadata, RFC 8628 device authorization)
response oauth_metadata(app&, request&);
response oauth_device_authorization(app&, request&);
response oauth_token(app&, request&);

// applications_api.cpp
response list_services(app&, request&);
response get_service(app&, request&);
response list_my_applications(app&, request&);
response create_application(app&, request&);
response get_application(app&, request&);
response update_application(app&, request&);
response application_events(app&, request&);
response submit_application(app&, request&);
response withdraw_application(app&, request&);
response create_upload_code(app&, request&);
response revoke_upload_code(app&, request&);
response upload_page_from_portal(app&, request&);
response reorder_material_pages(app&, request&);
response delete_material_page(app&, request&);
response material_pdf(app&, request&);

// uploads_api.cpp
response describe_upload_code(app&, request&);
response upload_page_with_code(app&, request&);
response page_thumbnail(app&, request&);
response page_image(app&, request&);

// pages_api.cpp: the portal and phone pages
response page_home(app&, request&);
response page_login(app&, request&);
response page_scan(app&, request&);
response page_services(app&, request&);
response page_application(app&, request&);
response page_upload(app&, request&);
response static_file(app&, request&);

}  // namespace hallpass::server::api
