#pragma once
// Test clients for QR scan-to-login over real HTTP: the portal's and the phone's calls, the
// requests of long-polls and Server-Sent Events, and state arranged by SQL on the scratch
// database. Everything talks to a loopback port, so the same calls work against an in-process
// server and against a hallpass-server process (server_process in support/test_tools.hpp).
#include <optional>
#include <string>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

namespace hallpass::test::tickets {

// What the portal holds after POST /api/v1/login-tickets.
struct portal_ticket {
  std::string id, qr_url, scan_token, poll_secret, cookie;
  int match_number = 0;
  http_reply reply;
};

// Portal: create a ticket (fails the test unless 201).
portal_ticket create(unsigned short port, const header_list& headers = {});
// Portal: GET /api/v1/login-tickets/{id}[?query] with the poll secret in X-Poll-Secret.
http_reply poll(unsigned short port, const std::string& id, const std::string& secret, const std::string& query = "");
std::string state_of(unsigned short port, const portal_ticket& t);  // "" when the read fails
http_reply redeem(unsigned short port, const std::string& id, const std::string& secret);
http_reply portal_cancel(unsigned short port, const std::string& id, const std::string& secret);

// Phone: a person's app session (password login without unit); fails the test unless 201.
std::string phone_login(unsigned short port, const std::string& account);
http_reply scan(unsigned short port, const std::string& phone, const std::string& field, const std::string& value);
http_reply confirm(unsigned short port, const std::string& phone, const std::string& id, int match_number,
                   const std::optional<std::string>& unit_id = std::nullopt);
http_reply phone_cancel(unsigned short port, const std::string& phone, const std::string& id);
// The unit entry of a scan context for a USCC, or null.
boost::json::value unit_entry(const http_reply& scan_reply, const std::string& uscc);

// RFC 8628 form posts.
http_reply form_post(unsigned short port, const std::string& target, const std::string& form);
http_reply device_token(unsigned short port, const std::string& device_code, const std::string& client_id = "hallpass-demo-tv");

// State on a database, by SQL: a unit's id, and a ticket made expired (returns once it is).
std::string unit_id_of(const std::string& conninfo, const std::string& uscc);
void expire_ticket(const std::string& conninfo, const std::string& id);

// Decoded size of a base64url text without padding, or -1 if it holds another character.
int base64url_bytes(const std::string& text);

// GET requests for background_read: the ticket's event stream, and a long-poll.
client::request sse_request(const std::string& id, const std::string& secret);
client::request long_poll_request(const std::string& id, const std::string& secret, int wait, const std::string& known);

}  // namespace hallpass::test::tickets
