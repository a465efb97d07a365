#pragma once
// The value types of hallpass_client: a request, a response, the options of a connection, and
// the one exception type. Plain standard types only; Asio, Beast and OpenSSL stay behind the
// library, so including this header is cheap.
//
// Errors: every call that talks to a server either returns a complete `response` — whatever its
// HTTP status, 4xx and 5xx included — or throws `client::error`, whose code() says what failed
// (the URL, name resolution and connecting, TLS, the deadline, the bytes on the wire).
// std::invalid_argument is thrown for a request that cannot be sent as given (a header with a
// line break in it).
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hallpass::client {

// Header fields in order. Names as given on requests; lower-case on responses.
using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method = "GET";
  std::string target = "/";  // origin form: path and query, e.g. "/api/v1/sessions?x=1"
  header_list headers;       // Host and Content-Length are added unless given
  std::string body;          // sent with Content-Length (also 0 for POST, PUT and PATCH)
  // Deadline of the whole exchange (connecting, sending, the complete response); zero: the
  // connection's default (options::timeout).
  std::chrono::milliseconds timeout{0};
};

struct response {
  int status = 0;
  header_list headers;  // lower-case names, in the order received
  std::string body;
  // The first value of a header (name in any case), or "" when it is absent.
  std::string_view header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

struct tls_options {
  // Verify the server's certificate chain and name (the default). False accepts any
  // certificate: for tests against a self-signed one only.
  bool verify_peer = true;
  // PEM file of the certificate authorities to trust; empty: the system's store.
  std::string ca_file;
};

struct options {
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // default deadline per request
  tls_options tls;
  std::string user_agent = "hallpass-client/1.0";  // sent unless the request has its own
  std::size_t body_limit = 64 * 1024 * 1024;       // larger response bodies fail with protocol
};

// What failed, for client::error.
enum class errc {
  url,       // the base URL is not http(s)://host[:port]
  connect,   // name resolution or TCP connect failed
  tls,       // handshake failed: certificate not trusted, wrong name, not TLS
  timeout,   // the deadline passed; the connection is closed
  protocol,  // the connection broke mid-exchange or the reply is not valid HTTP/1.1
};

class error : public std::runtime_error {
 public:
  error(errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  errc code() const { return code_; }

 private:
  errc code_;
};

}  // namespace hallpass::client
