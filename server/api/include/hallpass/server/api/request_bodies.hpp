#pragma once
// The request bodies of the routes, read into typed values before any service is called (and
// fuzzed on their own: tests/fuzz/json_bodies.cpp). Each throws api_exception with the 400 the
// client sees (malformed_json, unknown_field, missing_field, nul_character).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallpass/server/net/http.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/services/applications.hpp"
#include "hallpass/server/services/auth.hpp"
#include "hallpass/server/services/registration.hpp"
#include "hallpass/server/services/review.hpp"

namespace hallpass::server::api {

// POST /api/v1/sessions (the caller's IP is not part of the body). transport "cookie" asks for an
// app-channel session in the phone cookie (the phone web app); 400 invalid_transport otherwise.
struct login_request {
  services::password_login login;
  bool phone_cookie = false;
};
login_request login_body(const request& req);
// POST /api/v1/applications: the service code and variant.
struct new_application {
  std::string service_code;
  std::optional<std::string> variant;  // the service's first when absent
};
new_application new_application_body(const request& req);
// PATCH /api/v1/applications/{id}.
struct application_update {
  std::optional<services::application_form> form;
  std::optional<std::string> step;
  services::application_choice choice;  // variant and cases
};
application_update application_update_body(const request& req);
// PUT .../page-order.
std::vector<std::int64_t> page_order_body(const request& req);
// POST and PATCH /api/v1/units/{unit_id}/grants[/{grant_id}].
services::grant_input new_grant_body(const request& req);
services::grant_update grant_change_body(const request& req);
// POST /api/v1/staff/applications/{id}/actions: the action and what it carries. An unknown
// action is 422 invalid_action (thrown as a services::failure).
services::staff_action staff_action_body(const request& req);
// POST /api/v1/identity-checks: the person to check and why ("person" or "unit").
struct identity_check_start {
  std::string purpose, name, id_type, id_number;
};
identity_check_start identity_check_body(const request& req);
// POST /api/v1/registration-codes: the mobile.
std::string registration_code_body(const request& req);
// POST /api/v1/persons and POST /api/v1/units.
services::person_registration person_registration_body(const request& req);
services::unit_registration unit_registration_body(const request& req);
// POST /api/v1/persons/me/password-change.
struct password_change {
  std::string current_password, new_password;
};
password_change password_change_body(const request& req);
// POST /api/v1/password-resets and /api/v1/password-resets/confirmation.
struct password_reset {
  std::string id_number, mobile, code, new_password;  // code and new_password: the confirmation
};
password_reset password_reset_body(const request& req, bool confirmation);
// POST /api/v1/persons/me/mobile-change and its confirmation.
struct mobile_change {
  std::string new_mobile, code, password;  // code and password: the confirmation
};
mobile_change mobile_change_body(const request& req, bool confirmation);
// POST /api/v1/applications/{id}/rating.
struct rating {
  int stars = 0;
  std::string comment;
};
rating rating_body(const request& req);
// POST /api/v1/login-tickets/scans: the scan token (from scan_token or the QR URL) and user code.
struct ticket_scan {
  std::optional<std::string> scan_token, user_code;
};
ticket_scan ticket_scan_body(const request& req);
// POST /api/v1/login-tickets/{id}/confirmation.
struct ticket_confirmation {
  std::optional<int> match_number;  // a portal's QR login; a device login has none (its user code is compared)
  std::optional<std::int64_t> unit_id;
  std::optional<std::string> office;  // staff: sign the portal in for this office
};
ticket_confirmation ticket_confirmation_body(const request& req);
// Routes whose body, if any, must be an empty JSON object.
void empty_body(const request& req);
// OAuth form bodies (application/x-www-form-urlencoded); nothing readable: no fields. A name
// sent twice keeps its first value.
std::map<std::string, std::string> form_body(const request& req);
// One form-urlencoded name or value: '+' is a space, %XX a byte; nullopt for a broken escape.
std::optional<std::string> form_decode(std::string_view text);

}  // namespace hallpass::server::api
