#pragma once
// Plain request/response values exchanged between the network layer and the API handlers.
// No Asio or Beast types here, so handlers and services compile without them.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallpass::server {

struct header {
  std::string name;  // lower case for requests
  std::string value;
};

struct request {
  std::string method;                              // "GET", "POST", ...
  std::string target;                              // path and query as sent
  std::string path;                                // percent-decoded path without the query
  std::string query;                               // raw query string without '?'
  std::vector<header> headers;                     // names in lower case
  std::string body;
  std::string remote_ip;
  std::string request_id;
  bool secure = false;                             // arrived over TLS (or via a trusted https proxy)
  bool client_resolved = false;                    // remote_ip and secure already follow X-Forwarded-*
  std::map<std::string, std::string> path_params;  // filled by the router

  // First header of that (lower-case) name.
  std::optional<std::string_view> header_value(std::string_view lower_name) const;
  // Decoded value of a query parameter.
  std::optional<std::string> query_param(std::string_view name) const;
  // Value of a cookie sent in the Cookie header.
  std::optional<std::string> cookie(std::string_view name) const;
};

class response_later;

struct response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<header> headers;
  std::string body;
  bool close = false;  // close the connection after this response

  // Long-poll (stream == false): the network layer waits up to `wait` for later->finish() and
  // sends this response itself if nothing came. Stream (stream == true, e.g. Server-Sent
  // Events): it sends this head, then every chunk pushed, until end() or the client leaves.
  // Neither holds a thread while waiting.
  std::shared_ptr<response_later> later;
  bool stream = false;
  std::chrono::milliseconds wait{0};

  response& set(std::string name, std::string value);
};

// How an answer goes on the wire (HTTP/1.0 or 1.1).
struct wire_head {
  unsigned version = 11;     // the request's: 10 or 11
  bool keep_alive = false;   // the connection stays open after this answer
  bool head_only = false;    // a HEAD: the headers of the GET, Content-Length included, no body
  bool until_close = false;  // a stream: no length, the body runs until the connection closes
  bool hsts = false;         // over TLS: Strict-Transport-Security
};

// The status line, the headers and the body of `r` in one buffer, so that an answer is one
// write. CR and LF in a header become spaces: a value can never start a header of its own.
std::string wire_bytes(response&& r, std::string_view request_id, const wire_head& how);

// The producer's side of a long-poll or stream. Every method is thread-safe.
class response_later {
 public:
  void finish(response r);       // long-poll: the answer (first call wins)
  void push(std::string chunk);  // stream: the next piece of the body
  void end();                    // stream: no more pieces
  // Runs once when the network layer is done with this (client gone, timeout, shutdown):
  // the producer's cue to unsubscribe. Runs at once if that already happened.
  void on_done(std::function<void()> f);
  bool done() const;

  // Network layer side.
  void attach(std::function<void()> wake);
  std::optional<response> take_result();
  std::vector<std::string> take_chunks(bool& ended);
  // Whether something arrived that take_result or take_chunks would hand over (or the end).
  bool pending() const;
  void detach();

 private:
  mutable std::mutex mutex_;
  std::optional<response> result_;
  std::vector<std::string> chunks_;  // empty: no allocation (most streams wait with none)
  bool ended_ = false;
  bool done_ = false;
  std::function<void()> wake_;
  std::function<void()> on_done_;
};

}  // namespace hallpass::server
