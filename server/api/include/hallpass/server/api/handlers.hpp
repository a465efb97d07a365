#pragma once
// Every HTTP handler, grouped by resource. Each parses and validates, calls a service, and
// maps the outcome to a response; the rules live in services/.
#include "hallpass/server/api/context.hpp"
#include "hallpass/server/api/router.hpp"
#include "hallpass/server/net/http.hpp"

namespace hallpass::server::api {

// health_api.cpp
response healthz(context&, request&);
std::optional<response> healthz_quick(context&, request&);
response readyz(context&, request&);
response metrics_text(context&, request&);

// sessions_api.cpp
response create_session(context&, request&);
response current_session(context&, request&);
response list_own_sessions(context&, request&);
response end_own_session(context&, request&);
response change_password(context&, request&);  // 修改密码: other sessions end
response request_password_reset(context&, request&);  // 忘记密码: a code by SMS
response confirm_password_reset(context&, request&);
response request_mobile_change(context&, request&);  // 修改手机: a code to the new mobile
response confirm_mobile_change(context&, request&);
response delete_session(context&, request&);
response my_units(context&, request&);

// grants_api.cpp
response list_unit_grants(context&, request&);
response unit_activity(context&, request&);  // the unit's activity log
response create_unit_grant(context&, request&);
response change_unit_grant(context&, request&);
response revoke_unit_grant(context&, request&);

// login_tickets_api.cpp
response create_login_ticket(context&, request&);
response get_login_ticket(context&, request&);
// A plain poll of a pending ticket made on this node (not a long-poll).
std::optional<response> get_login_ticket_quick(context&, request&);
response login_ticket_events(context&, request&);
response redeem_login_ticket(context&, request&);
response cancel_login_ticket(context&, request&);
response scan_login_ticket(context&, request&);
response confirm_login_ticket(context&, request&);
response cancel_login_ticket_by_phone(context&, request&);

// oauth_api.cpp (RFC 8414 metadata, RFC 8628 device authorization)
response oauth_metadata(context&, request&);
response oauth_device_authorization(context&, request&);
// For a public client this node knows: answered when the ticket is stored, without a worker.
std::optional<response> oauth_device_authorization_quick(context&, request&);
response oauth_token(context&, request&);
// A poll of a pending device code made on this node.
std::optional<response> oauth_token_quick(context&, request&);

// applications_api.cpp
response list_services(context&, request&);
response get_service(context&, request&);
response list_my_applications(context&, request&);
response create_application(context&, request&);
response get_application(context&, request&);
response update_application(context&, request&);
response application_events(context&, request&);
response submit_application(context&, request&);
response withdraw_application(context&, request&);
response create_upload_code(context&, request&);
response revoke_upload_code(context&, request&);
response upload_page_from_portal(context&, request&);
void admit_portal_upload(context&, request&);  // the session, before the photo is read
response reorder_material_pages(context&, request&);
response delete_material_page(context&, request&);
response material_pdf(context&, request&);

// review_api.cpp (the hall's side; the applicant's timeline and resubmission)
response staff_queue(context&, request&);
response staff_queue_events(context&, request&);
// messages_api.cpp
response list_messages(context&, request&);
response read_message(context&, request&);
response read_all_messages(context&, request&);
response message_events(context&, request&);
response staff_application(context&, request&);
response staff_action(context&, request&);
response application_timeline(context&, request&);
response application_receipt(context&, request&);   // PDF, applicant or office staff
response application_decision(context&, request&);
response resubmit_application(context&, request&);
response rate_application(context&, request&);

// uploads_api.cpp
response describe_upload_code(context&, request&);
response upload_page_with_code(context&, request&);
void admit_code_upload(context&, request&);  // the upload code, before the photo is read
response page_thumbnail(context&, request&);
response page_image(context&, request&);

// registration_api.cpp
response start_identity_check(context&, request&);
response get_identity_check(context&, request&);
response request_registration_code(context&, request&);
response register_person(context&, request&);
response register_unit(context&, request&);

// pages_api.cpp: the portal and phone pages
response page_home(context&, request&);
response page_login(context&, request&);
response page_scan(context&, request&);
response page_services(context&, request&);
response upload_video_piece(context&, request&);
void admit_video_piece(context&, request&);
response video_upload_status(context&, request&);
response material_template(context&, request&);
response page_application(context&, request&);
response page_upload(context&, request&);
response page_staff(context&, request&);
response page_messages(context&, request&);
response page_account(context&, request&);
response page_forgot_password(context&, request&);
response page_unit(context&, request&);
response page_register(context&, request&);
response page_phone(context&, request&);
response page_phone_confirm(context&, request&);
response page_phone_scan(context&, request&);
response scan_redirect(context&, request&);
response page_register_unit(context&, request&);
response static_file(context&, request&);
response page_verify(context&, request&);
response document_check(context&, request&);
response trust_list(context&, request&);
response vendor_file(context&, request&);

}  // namespace hallpass::server::api
