#pragma once
// A keep-alive HTTP/1.1 connection to one server, over TCP or TLS, and a one-shot call.
//
//   hallpass::client::connection c("https://hall.example.cn");
//   auto r = c.send({.method = "POST", .target = "/api/v1/sessions",
//                    .headers = {{"Content-Type", "application/json"}}, .body = json_text});
//
// Errors as described in http.hpp: a response for every HTTP status, client::error otherwise.
#include <cstddef>
#include <memory>
#include <string_view>

#include "hallpass/client/http.hpp"
#include "hallpass/client/url.hpp"

namespace hallpass::client {

class connection {
 public:
  // Nothing is sent before the first request; the URL is checked at once (client::error, url).
  explicit connection(std::string_view base_url, options opts = {});
  explicit connection(endpoint where, options opts = {});
  ~connection();
  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;

  // Sends one request and reads the complete response. Connects when there is no open
  // connection; reuses it otherwise. When the server had closed a reused connection (nothing
  // of the response arrived), connects again and sends the request once more. After a
  // response asking to close, an error or a timeout, the next request opens a new connection.
  // Not thread-safe: one request at a time per connection object.
  response send(const request& req);
  // The same, filling `into` (its strings keep their capacity): no allocation per request once
  // the sizes have settled, for loops that send many requests.
  void send(const request& req, response& into);

  response get(std::string_view target, const header_list& headers = {});
  response post(std::string_view target, std::string body, const header_list& headers = {});

  // Closes the connection now (the next request opens a new one).
  void close();
  // How many TCP connections this object has opened so far.
  std::size_t connects() const;
  const endpoint& where() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// One request on a fresh connection to `base_url`, closed afterwards.
response fetch(std::string_view base_url, const request& req, const options& opts = {});
response fetch(const endpoint& where, const request& req, const options& opts = {});

}  // namespace hallpass::client
