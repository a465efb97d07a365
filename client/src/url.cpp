#include "hallpass/client/url.hpp"

#include <boost/url/parse.hpp>

#include "hallpass/client/http.hpp"

namespace hallpass::client {

namespace {

[[noreturn]] void bad(std::string_view url, const std::string& why) {
  throw error(errc::url, "not a base URL (http://host[:port] or https://host[:port]): \"" + std::string(url) + "\": " + why);
}

}  // namespace

std::string endpoint::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) h += ":" + port;
  return h;
}

std::string endpoint::base_url() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + h + ":" + port;
}

endpoint parse_base_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) bad(url, parsed.error().message());
  endpoint e;
  auto scheme = parsed->scheme_id();
  if (scheme == boost::urls::scheme::https) e.tls = true;
  else if (scheme != boost::urls::scheme::http) bad(url, "the scheme must be http or https");
  if (parsed->has_userinfo()) bad(url, "user info is not supported");
  if (parsed->has_query() || parsed->has_fragment()) bad(url, "a query or fragment is not allowed");
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") bad(url, "a path is not allowed");
  switch (parsed->host_type()) {
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4: e.host = std::string(parsed->host_address()); break;
    case boost::urls::host_type::ipv6: e.host = parsed->host_ipv6_address().to_string(); break;
    default: bad(url, "no host");
  }
  if (e.host.empty()) bad(url, "no host");
  if (parsed->has_port()) {
    if (parsed->port_number() == 0) bad(url, "port must be 1 to 65535");
    e.port = std::to_string(parsed->port_number());
  } else {
    e.port = e.tls ? "443" : "80";
  }
  return e;
}

endpoint loopback(unsigned short port) { return {false, "127.0.0.1", std::to_string(port)}; }

}  // namespace hallpass::client
