#pragma once
// HTTP/1.1 server (Boost.Beast underneath, hidden behind a pimpl so that including this header
// stays cheap). Reads the header first, asks the handler for the route's body limit, refuses
// oversized bodies before reading them, lets routes that take large bodies authenticate from the
// header alone, keeps the bytes of all bodies in flight under one budget, then runs the handler
// on a worker pool, never on an I/O thread.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hallpass/server/net/http.hpp"

namespace hallpass::server {

struct net_options {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0 picks a free port
  int io_threads = 1;
  int worker_threads = 8;
  int max_connections = 0;  // 0: as many as the open-file limit allows, up to 20000
  std::size_t header_limit = 16 * 1024;
  int max_connections_per_ip = 1000;
  std::chrono::seconds read_timeout{15};   // a header must arrive within this (then 408)
  std::size_t min_body_rate = 16 * 1024;   // bytes/s: a body of n bytes gets read_timeout + n / rate
  std::size_t body_memory_limit = 256 * 1024 * 1024;  // bytes of all request bodies in flight
  std::chrono::seconds write_timeout{30};  // a client must take each response (or event) within this
  std::chrono::seconds idle_timeout{75};   // keep-alive wait for the next request
  std::chrono::seconds shutdown_grace{10};
  std::string tls_cert_file;  // both set: serve HTTPS only
  std::string tls_key_file;
};

struct request_plan {
  std::size_t body_limit = 0;
  std::string route;  // route pattern, for logs and metrics (never the raw path: it may hold tokens)
  bool admit_first = false;  // call request_handler::admit with the header before reading the body
  bool quick = false;        // try request_handler::quick on the I/O thread before a worker
};

class request_handler {
 public:
  virtual ~request_handler() = default;
  // After the header and before the body: what this request may carry.
  virtual request_plan plan(std::string_view method, std::string_view path) const = 0;
  // For plans with admit_first: runs on a worker thread with the header only (req.body is empty);
  // an answer refuses the request before a byte of its body is read. Must not throw.
  virtual std::optional<response> admit(request& req, const request_plan& plan) = 0;
  // For plans with `quick`: runs on the I/O thread, where it must not wait (no database, only this
  // node's memory); nullopt hands the request to a worker (handle). Must not throw.
  virtual std::optional<response> quick(request&, const request_plan&) { return std::nullopt; }
  // Runs on a worker thread. Must not throw.
  virtual response handle(request& req, const request_plan& plan) = 0;
  // Called once per finished request (on an I/O thread), for logs and metrics.
  virtual void observe(const request& req, const request_plan& plan, int status,
                       double seconds) = 0;
  // An error found by the network layer itself (malformed HTTP 400, too slow 408, body too large
  // 413, header too large 431, unknown method 501, body memory full 503).
  virtual response error_response(int status, std::string_view code) = 0;
};

struct connection_counts {
  long open = 0;
  long total = 0;
  long refused = 0;             // over max_connections or max_connections_per_ip
  long accept_failures = 0;     // accept() errors such as EMFILE, each followed by a pause
  long body_bytes_reserved = 0; // request bodies in flight, against body_memory_limit
};

class http_server {
 public:
  http_server(net_options options, request_handler& handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Raises the open-file limit to what max_connections needs (or throws, saying what to set),
  // binds and starts serving on background threads; returns once listening.
  void start();
  // Stops accepting, lets requests in flight finish within the grace period, joins the threads.
  void stop();
  // Blocks until stop() has been called from elsewhere (e.g. a signal) and finished.
  void wait();
  unsigned short port() const;
  connection_counts connections() const;
  // Runs a blocking job on the worker pool (used by background tasks).
  void post_work(std::function<void()> job);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace hallpass::server
