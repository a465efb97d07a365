#pragma once
// Base URLs: where a client connects. Parsed with Boost.URL behind this header.
#include <string>
#include <string_view>

namespace hallpass::client {

struct endpoint {
  bool tls = false;      // https
  std::string host;      // name or IP literal, without brackets
  std::string port;      // always set: explicit, or 80 / 443
  // The Host header value: host, with :port unless it is the scheme's default.
  std::string host_header() const;
  // "http://host:port" or "https://host:port", brackets around IPv6 literals.
  std::string base_url() const;
};

// Parses "http://host[:port]" or "https://host[:port]"; a trailing "/" is allowed, any other
// path, a query, a fragment or user info is not. Throws client::error (errc::url) otherwise.
endpoint parse_base_url(std::string_view url);

// The same for a loopback port: http://127.0.0.1:port.
endpoint loopback(unsigned short port);

}  // namespace hallpass::client
