#pragma once
// QR scan-to-login (PRODUCT.md §3): pending → scanned → confirmed → consumed, or cancelled /
// expired. The QR holds a one-time scan token; the portal alone holds a different poll secret;
// only hashes of both are stored, so knowing the QR never yields the session.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/services/auth.hpp"
#include "hallpass/server/services/event_hub.hpp"
#include "hallpass/server/services/device_pacing.hpp"
#include "hallpass/server/services/pending_tickets.hpp"

namespace hallpass::server::services {

struct ticket_token_parts;

inline constexpr int ticket_ttl_seconds = 120;
inline constexpr int confirm_window_seconds = 60;

struct created_ticket {
  db::ticket_row ticket;
  std::string scan_token;   // goes into the QR URL (the ticket's id, then a secret: ticket_tokens.hpp)
  std::string poll_secret;  // only for the portal (RFC 8628 device_code); formed as the scan token
  std::string qr_url;       // <public_url>/l/<scan_token>
  std::optional<std::string> user_code;  // device requests only
};

struct ticket_origin {
  std::string kind = "portal";  // portal | device
  std::optional<std::string> client_id;
  std::string portal_name = "网上办事服务大厅";
  std::string user_agent, ip;
};
// What the phone shows after scanning.
struct scan_context {
  db::ticket_row ticket;
  std::string browser, os;
  std::vector<int> numbers;  // three numbers, one of them the portal's; none for a device (it shows its user code)
  std::vector<db::unit_role> units;
};
// RFC 8628 token request.
struct device_token_outcome {
  std::optional<issued_session> session;
  std::string oauth_error;  // authorization_pending, slow_down, access_denied, expired_token, invalid_grant,
                            // invalid_client
  int interval = 5;
};
// A registered device client that authenticated.
struct device_client_info {
  std::string name;  // what the phone shows as the site asking
  bool kiosk = false;
};
struct ticket_settings {
  std::string public_url;           // base of the QR URLs
  int device_poll_interval = 5;     // RFC 8628 interval in seconds
  int tickets_per_ip_per_minute = 60;
  int polls_per_minute = 120;       // state requests per ticket
};

class login_tickets {
 public:
  login_tickets(db::pool& db, db::ticket_batcher& inserts, pending_tickets& pending, event_hub& events,
                sessions& sessions, accounts& accounts, rate_limiter& limits, const clock& clk,
                ticket_settings settings);

  // Refused with rate_limited beyond tickets_per_ip_per_minute for origin.ip.
  result<created_ticket> create_ticket(const ticket_origin& origin);
  // The same without waiting: refused at once (rate_limited, and `done` is not called), or `done`
  // runs on an inserting thread once the ticket is stored (or with database_unavailable or
  // internal). It must be quick.
  status start_ticket(const ticket_origin& origin, std::function<void(result<created_ticket>)> done);
  result<scan_context> claim_ticket(const caller& phone, const std::optional<std::string>& scan_token,
                                    const std::optional<std::string>& user_code, const std::string& ip);
  // With `office` (never with a unit), the portal gets a staff session of that office: the
  // person must be its staff (checked here and again when the portal redeems the ticket).
  status confirm_ticket(const caller& phone, std::int64_t ticket_id, std::optional<int> match_number,
                        std::optional<std::int64_t> unit_id, const std::string& ip,
                        const std::optional<std::string>& office = std::nullopt);
  status cancel_ticket_by_phone(const caller& phone, std::int64_t ticket_id);

  // The portal's view, checked against its poll secret.
  result<db::ticket_row> ticket_for_portal(std::int64_t ticket_id, const std::string& poll_secret);
  // The same from this node's memory alone: the ticket if it was made here and is pending still.
  std::optional<db::ticket_row> pending_ticket_in_memory(std::int64_t ticket_id, const std::string& poll_secret);
  // Counts one state request of the portal; rate_limited beyond polls_per_minute.
  status count_poll(std::int64_t ticket_id);
  status cancel_ticket_by_portal(std::int64_t ticket_id, const std::string& poll_secret);
  // confirmed → consumed, once; the grant is checked again now.
  // `kiosk`: the registered kiosk redeeming it, remembered by the session.
  result<issued_session> redeem_ticket(std::int64_t ticket_id, const std::string& poll_secret,
                                       const std::string& channel, const std::string& ip, const std::string& device,
                                       const std::optional<std::string>& kiosk = std::nullopt);
  // Registered device clients: the name of one (nullopt: not registered, or a revoked kiosk); the
  // operator's registration (invalid_input for an id outside [A-Za-z0-9_.-]{1,64} or a name of 0
  // or more than 64 characters).
  std::optional<std::string> device_client(const std::string& client_id);
  status register_device_client(const std::string& client_id, const std::string& name);
  // A kiosk is a device client with a secret (PRODUCT.md §7): its device logins open sessions on
  // the kiosk channel. register_kiosk returns the new secret (shown once, stored hashed);
  // registering a kiosk again gives it a new secret and ends the old one's use. revoke_kiosk ends
  // its sessions too, and says how many.
  result<std::string> register_kiosk(const std::string& client_id, const std::string& name);
  result<int> revoke_kiosk(const std::string& client_id);
  // The client, if registered and live and, for a kiosk, `secret` is its secret
  // (invalid_client otherwise).
  result<device_client_info> authenticate_client(const std::string& client_id,
                                                 const std::optional<std::string>& secret);
  // The same for a device authorization: public clients (no secret; only their name can change)
  // from this node's memory while changes are announced (schema 0017), kiosks from the database.
  result<device_client_info> authenticate_client_for_start(const std::string& client_id,
                                                           const std::optional<std::string>& secret);
  // A public client as this node's memory holds it (nullopt: not read yet, a kiosk, or unknown).
  std::optional<device_client_info> public_client_in_memory(const std::string& client_id);
  // A client was registered, changed or revoked somewhere, or announcements may have been missed.
  void forget_clients();
  // A poll of a pending code checks only the code; the client's secret is checked when the
  // token is issued.
  device_token_outcome poll_device_token(const std::string& device_code, const std::string& client_id,
                                         const std::optional<std::string>& secret, const std::string& ip);
  // The same from this node's memory alone, for a device code made here and pending still
  // (nullopt otherwise): authorization_pending or slow_down.
  std::optional<device_token_outcome> poll_device_token_in_memory(const std::string& device_code,
                                                                   const std::string& client_id);

  // Drops what this node keeps in memory of tickets that have expired (pending tickets, pacing);
  // the sweeper calls it. Returns how many entries went.
  std::size_t forget_expired();

  // Ticket state changes from every node: subscribe to one ticket's id.
  event_hub& events() { return events_; }
  // Most tickets one INSERT has carried since start (concurrent creations share statements).
  std::size_t largest_insert_batch() const { return inserts_.largest_batch(); }
  const ticket_settings& settings() const { return settings_; }

 private:
  // A new ticket's tokens and row; the row is then stored.
  std::pair<created_ticket, db::new_ticket_row> draw_ticket(const ticket_origin& origin) const;
  void hand_out(created_ticket& t, const std::string& poll_hash);
  // This node's memory of a pending ticket, by its poll secret taken apart (ticket_tokens.hpp).
  std::optional<db::ticket_row> remembered(const ticket_token_parts& poll_secret);
  std::optional<device_token_outcome> device_poll_in_memory(const ticket_token_parts& device_code,
                                                            const std::string& client_id);
  device_token_outcome pace(const db::ticket_row& pending);  // authorization_pending or slow_down
  db::pool& db_;
  db::ticket_batcher& inserts_;
  pending_tickets& pending_;
  event_hub& events_;
  sessions& sessions_;
  accounts& accounts_;
  rate_limiter& limits_;
  device_pacing pacing_;  // RFC 8628 slow_down, in memory
  std::mutex clients_mutex_;
  std::unordered_map<std::string, db::device_client_row> clients_;  // public clients read so far
  std::uint64_t clients_generation_ = 0;  // moves on with every forget_clients()
  ticket_settings settings_;
};

std::string browser_of(const std::string& user_agent);
std::string os_of(const std::string& user_agent);
// Both, as a session's device for 我的设备 ("Chrome · Android").
std::string device_of(const std::string& user_agent);
// Approximate place of an IP address for the phone's confirmation screen.
std::string place_of(const std::string& ip);
// Whether two addresses are on one network as far as an address tells: the same IPv4 /24, or the
// same IPv6 /64 (IPv4-mapped IPv6 counts as IPv4). Anything unparsable is another network.
bool same_network(const std::string& a, const std::string& b);

}  // namespace hallpass::server::services
