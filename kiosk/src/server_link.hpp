#pragma once
// The kiosk's side of the HallPass server: its credential, its device login (RFC 8628 with the
// kiosk's secret), and the calls made with the signed-in person's session. Each call opens its
// own connection, so the screen, the outbox and the printer never wait on one another.
// A server that cannot be reached throws hallpass::client::error: the kiosk is offline.
#include <chrono>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "hallpass/client/http.hpp"

namespace hallpass::kiosk {

// What hallpass-admin register-kiosk wrote. Refused (std::runtime_error, saying why) when the
// file can be read by anyone but its owner, or lacks a field.
struct credential {
  std::string server, client_id, client_secret;
};
credential load_credential(const std::string& path);

struct device_login {
  std::string device_code, user_code, qr_url;
  int interval = 5;     // seconds between polls
  int expires_in = 0;   // seconds
};

enum class login_poll { pending, slow_down, approved, denied, expired, refused };

class server_link {
 public:
  server_link(std::string base_url, credential cred, client::options opts);

  device_login start_login();  // std::runtime_error when the server refuses the kiosk
  // One token poll: approved fills `session_token`.
  login_poll poll_login(const device_login& login, std::string& session_token);

  // A call with the session (Authorization: Bearer); a JSON body when given.
  client::response call(const std::string& token, const std::string& method, const std::string& target,
                        const std::optional<boost::json::value>& body = std::nullopt,
                        const client::header_list& headers = {});
  // A page photo sent with an upload code (the code's token, not the session), idempotently.
  client::response upload_page(const std::string& code_token, const std::string& jpeg,
                               const std::string& idempotency_key);
  // The signed document check and the trust list (no session needed).
  client::response get_public(const std::string& target);

  const std::string& base_url() const { return base_; }

 private:
  client::response send(client::request req);
  client::response form_post(const std::string& target, const std::string& form);

  std::string base_;
  credential cred_;
  client::options opts_;
};

}  // namespace hallpass::kiosk
