#include "hallpass/client/connection.hpp"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "response_parser.hpp"
#include "transport.hpp"

namespace hallpass::client {

namespace beast = boost::beast;
using detail::error_code;

std::string_view response::header(std::string_view name) const {
  for (auto& [n, v] : headers)
    if (beast::iequals(n, name)) return v;
  return {};
}

struct connection::impl {
  detail::transport transport;
  std::string head;  // the serialised request head, reused

  impl(endpoint where, const options& opts) : transport(std::move(where), opts) {}

  // One attempt: write the request, read the response. True when the server had closed a
  // reused connection before answering, so the request may be sent again on a new one.
  bool attempt(const request& req, response& into, detail::clock::time_point deadline, bool reused) {
    auto ec = transport.write(head, req.body, deadline);
    detail::response_parser parser(into);
    parser.body_limit(transport.opts().body_limit);
    if (req.method == "HEAD") parser.skip(true);
    if (!ec) ec = transport.read(parser, deadline);
    if (!ec) {
      if (!parser.keep_alive()) transport.close();
      return false;
    }
    transport.close();
    if (reused && !parser.got_some() && ec != beast::error::timeout) return true;
    if (ec == beast::http::error::body_limit)
      throw error(errc::protocol, "the response body from " + transport.where().base_url() + " exceeds the limit");
    detail::fail(ec, req.method + " " + req.target + " on", transport.where());
  }

  void send(const request& req, response& into) {
    detail::write_head(req, transport.where(), transport.opts(), head);
    auto deadline = detail::deadline_of(req, transport.opts());
    bool reused = transport.is_open();
    if (!reused) transport.connect(deadline);
    if (attempt(req, into, deadline, reused)) {
      transport.connect(deadline);
      attempt(req, into, deadline, false);
    }
  }
};

connection::connection(std::string_view base_url, options opts) : connection(parse_base_url(base_url), std::move(opts)) {}
connection::connection(endpoint where, options opts) : impl_(std::make_unique<impl>(std::move(where), opts)) {}
connection::~connection() = default;
connection::connection(connection&&) noexcept = default;
connection& connection::operator=(connection&&) noexcept = default;

response connection::send(const request& req) {
  response r;
  impl_->send(req, r);
  return r;
}

void connection::send(const request& req, response& into) { impl_->send(req, into); }

response connection::get(std::string_view target, const header_list& headers) {
  return send({.method = "GET", .target = std::string(target), .headers = headers});
}

response connection::post(std::string_view target, std::string body, const header_list& headers) {
  return send({.method = "POST", .target = std::string(target), .headers = headers, .body = std::move(body)});
}

void connection::close() { impl_->transport.close(); }
std::size_t connection::connects() const { return impl_->transport.connects(); }
const endpoint& connection::where() const { return impl_->transport.where(); }

response fetch(std::string_view base_url, const request& req, const options& opts) {
  return fetch(parse_base_url(base_url), req, opts);
}

response fetch(const endpoint& where, const request& req, const options& opts) {
  connection c(where, opts);
  auto r = c.send(req);
  c.close();
  return r;
}

}  // namespace hallpass::client
