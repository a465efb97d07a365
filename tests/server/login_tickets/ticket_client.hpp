#pragma once
// Test clients for QR scan-to-login over real HTTP: the portal's and the phone's calls, a
// background reader for long-polls and Server-Sent Events, direct SQL on the scratch database,
// and hallpass-server child processes. Everything talks to a loopback port, so the same calls
// work against an in-process server and against a separate process.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/test_env.hpp"

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
http_reply device_token(unsigned short port, const std::string& device_code, const std::string& client_id = "tv-app");

// Direct SQL on a database (for arranging expiry and reading what is stored).
// First column of every row, as text ("" for NULL).
std::vector<std::string> sql(const std::string& conninfo, const std::string& query);
std::string sql_one(const std::string& conninfo, const std::string& query);  // first row, or ""
std::string unit_id_of(const std::string& conninfo, const std::string& uscc);
void expire_ticket(const std::string& conninfo, const std::string& id);

// Decoded size of a base64url text without padding, or -1 if it holds another character.
int base64url_bytes(const std::string& text);

// Sends raw request bytes on a thread and collects everything the server sends until it closes
// the connection or `limit` passes. For SSE streams and long-polls.
class background_read {
 public:
  background_read(unsigned short port, std::string request, std::chrono::milliseconds limit);
  ~background_read();
  background_read(const background_read&) = delete;
  background_read& operator=(const background_read&) = delete;
  // Waits until the received bytes contain `needle`; false after `within`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds within);
  // Waits for the thread; true when the server closed the connection before the limit.
  bool finish();
  std::string text() const;
  // When the server closed the connection (valid after finish() returned true).
  std::chrono::steady_clock::time_point closed_at() const { return closed_at_; }

 private:
  mutable std::mutex mutex_;
  std::string received_;
  std::atomic<bool> closed_{false};
  std::chrono::steady_clock::time_point closed_at_{};
  std::thread thread_;
};

// GET requests as raw bytes (Connection: close) for background_read.
std::string sse_request(const std::string& id, const std::string& secret);
std::string long_poll_request(const std::string& id, const std::string& secret, int wait, const std::string& known);
// The HTTP status and body of a complete raw response.
http_reply parse_raw(const std::string& raw);

// A loopback TCP port that was free a moment ago.
unsigned short free_port();

// A hallpass-server process on the given database; SIGTERM and wait on destruction.
class server_process {
 public:
  server_process(const std::string& conninfo, bool demo);
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  unsigned short port() const { return port_; }
  bool healthy() const { return healthy_; }
  // SIGTERM, then wait (SIGKILL after 10 s); the exit status, or -1 when it had to be killed.
  int stop();
  std::string log() const;

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  bool healthy_ = false;
  std::string log_file_;
};

}  // namespace hallpass::test::tickets
