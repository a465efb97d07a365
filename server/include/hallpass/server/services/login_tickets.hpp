#pragma once
// QR scan-to-login (PRODUCT.md §3): pending → scanned → confirmed → consumed, or cancelled /
// expired. The QR holds a one-time scan token; the portal alone holds a different poll secret;
// only hashes of both are stored, so knowing the QR never yields the session.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/api_error.hpp"
#include "hallpass/server/app.hpp"
#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/services/auth.hpp"

namespace hallpass::server::services {

inline constexpr int ticket_ttl_seconds = 120;
inline constexpr int confirm_window_seconds = 60;

struct created_ticket {
  db::ticket_row ticket;
  std::string scan_token;   // goes into the QR URL
  std::string poll_secret;  // only for the portal (RFC 8628 device_code)
  std::string qr_url;       // <public_url>/l/<scan_token>
  std::optional<std::string> user_code;  // device requests only
};

struct ticket_origin {
  std::string kind = "portal";  // portal | device
  std::optional<std::string> client_id;
  std::string portal_name = "网上办事服务大厅";
  std::string user_agent, ip;
};
result<created_ticket> create_ticket(app& a, const ticket_origin& origin);

// What the phone shows after scanning.
struct scan_context {
  db::ticket_row ticket;
  std::string browser, os;
  std::vector<int> numbers;  // three numbers, one of them the portal's
  std::vector<db::unit_role> units;
};
result<scan_context> claim_ticket(app& a, const caller& phone, const std::optional<std::string>& scan_token,
                                  const std::optional<std::string>& user_code, const std::string& ip);
status confirm_ticket(app& a, const caller& phone, std::int64_t ticket_id, int match_number,
                      std::optional<std::int64_t> unit_id, const std::string& ip);
status cancel_ticket_by_phone(app& a, const caller& phone, std::int64_t ticket_id);

// The portal's view, checked against its poll secret.
result<db::ticket_row> ticket_for_portal(app& a, std::int64_t ticket_id, const std::string& poll_secret);
status cancel_ticket_by_portal(app& a, std::int64_t ticket_id, const std::string& poll_secret);
// confirmed → consumed, once; the grant is checked again now.
result<issued_session> redeem_ticket(app& a, std::int64_t ticket_id, const std::string& poll_secret,
                                     const std::string& channel, const std::string& ip);

// RFC 8628 token request.
struct device_token_outcome {
  std::optional<issued_session> session;
  std::string oauth_error;  // authorization_pending, slow_down, access_denied, expired_token, invalid_grant
  int interval = 5;
};
device_token_outcome poll_device_token(app& a, const std::string& device_code, const std::string& client_id,
                                       const std::string& ip);

std::string browser_of(const std::string& user_agent);
std::string os_of(const std::string& user_agent);
// Approximate place of an IP address for the phone's confirmation screen.
std::string place_of(const std::string& ip);

}  // namespace hallpass::server::services
