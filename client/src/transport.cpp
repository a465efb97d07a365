#include "transport.hpp"

#include <openssl/ssl.h>

#include <array>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>

namespace hallpass::client::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::optional<asio::ssl::context> make_ssl_context(const endpoint& where, const options& opts) {
  std::optional<asio::ssl::context> ssl;
  if (!where.tls) return ssl;
  ssl.emplace(asio::ssl::context::tls_client);
  ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  if (!opts.tls.verify_peer) {
    ssl->set_verify_mode(asio::ssl::verify_none);
    return ssl;
  }
  error_code ec;
  if (opts.tls.ca_file.empty()) ssl->set_default_verify_paths(ec);
  else ssl->load_verify_file(opts.tls.ca_file, ec);
  if (ec) throw error(errc::tls, "cannot load the trusted certificates " + opts.tls.ca_file + ": " + ec.message());
  ssl->set_verify_mode(asio::ssl::verify_peer);
  return ssl;
}

void prepare_tls(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, const endpoint& where, const options& opts) {
  if (!is_ip_literal(where.host)) SSL_set_tlsext_host_name(stream.native_handle(), where.host.c_str());  // SNI
  if (opts.tls.verify_peer) stream.set_verify_callback(asio::ssl::host_name_verification(where.host));
}

transport::transport(endpoint where, const options& opts)
    : where_(std::move(where)), opts_(opts), ssl_(make_ssl_context(where_, opts_)) {}

transport::~transport() { close(); }

beast::tcp_stream& transport::lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

template <class Initiate>
error_code transport::run(Initiate&& initiate, clock::time_point deadline) {
  error_code result = asio::error::would_block;
  lowest().expires_at(deadline);
  initiate([&result](error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  return result;
}

void transport::connect(clock::time_point deadline) {
  close();
  buffer_.clear();
  ++connects_;
  tcp::resolver resolver(ioc_);
  error_code rec = asio::error::would_block;
  tcp::resolver::results_type found;
  resolver.async_resolve(where_.host, where_.port, [&](error_code ec, tcp::resolver::results_type r) {
    rec = ec;
    found = std::move(r);
  });
  ioc_.restart();
  ioc_.run_until(deadline);
  if (rec) {
    resolver.cancel();
    ioc_.restart();
    ioc_.run();
    fail(rec == asio::error::would_block || rec == asio::error::operation_aborted ? beast::error::timeout : rec,
         "resolving", where_);
  }
  if (where_.tls) tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc_, *ssl_);
  else plain_ = std::make_unique<beast::tcp_stream>(ioc_);
  auto ec = run([&](auto handler) { lowest().async_connect(found, handler); }, deadline);
  if (ec) {
    close();
    fail(ec, "connecting to", where_);
  }
  lowest().socket().set_option(tcp::no_delay(true), ec);
  if (!tls_) return;
  prepare_tls(*tls_, where_, opts_);
  ec = run([&](auto handler) { tls_->async_handshake(asio::ssl::stream_base::client, handler); }, deadline);
  if (ec) {
    close();
    if (ec == beast::error::timeout) fail(ec, "TLS handshake with", where_);
    throw error(errc::tls, "TLS handshake with " + where_.base_url() + " failed: " + ec.message());
  }
}

error_code transport::write(std::string_view head, std::string_view body, clock::time_point deadline) {
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head.data(), head.size()), asio::buffer(body.data(), body.size())};
  return run(
      [&](auto handler) {
        if (tls_) asio::async_write(*tls_, bufs, handler);
        else asio::async_write(*plain_, bufs, handler);
      },
      deadline);
}

// A TLS peer that closes without close_notify ends a body delimited by the close as well
// (servers commonly do so); elsewhere the truncation stays an error.
error_code transport::end_of_body(error_code ec, response_parser& parser) {
  if (ec != asio::ssl::error::stream_truncated || !parser.is_header_done() || !parser.need_eof()) return ec;
  error_code eof_ec;
  parser.put_eof(eof_ec);
  return eof_ec;
}

error_code transport::read(response_parser& parser, clock::time_point deadline) {
  return end_of_body(run(
      [&](auto handler) {
        if (tls_) http::async_read(*tls_, buffer_, parser, handler);
        else http::async_read(*plain_, buffer_, parser, handler);
      },
      deadline), parser);
}

error_code transport::read_some(response_parser& parser, clock::time_point deadline) {
  return end_of_body(run(
      [&](auto handler) {
        if (tls_) http::async_read_some(*tls_, buffer_, parser, handler);
        else http::async_read_some(*plain_, buffer_, parser, handler);
      },
      deadline), parser);
}

void transport::close() noexcept {
  error_code ignored;
  if (is_open()) lowest().socket().close(ignored);
  tls_.reset();
  plain_.reset();
  ioc_.restart();
  ioc_.poll();  // lets the handlers of the closed socket finish
}

void transport::cancel_from_any_thread() {
  asio::post(ioc_, [this] {
    if (is_open()) lowest().cancel();
  });
}

namespace {

void check_field(std::string_view text) {
  if (text.find_first_of("\r\n") != std::string_view::npos)
    throw std::invalid_argument("a line break in an HTTP request field: " + std::string(text));
}

bool has_header(const request& req, std::string_view name) {
  for (auto& [n, v] : req.headers)
    if (beast::iequals(n, name)) return true;
  return false;
}

}  // namespace

void write_head(const request& req, const endpoint& where, const options& opts, std::string& out) {
  check_field(req.method);
  check_field(req.target);
  if (req.target.empty() || req.target.find(' ') != std::string::npos)
    throw std::invalid_argument("not a request target: \"" + req.target + "\"");
  out.clear();
  out.append(req.method).append(" ").append(req.target).append(" HTTP/1.1\r\n");
  if (!has_header(req, "host")) out.append("Host: ").append(where.host_header()).append("\r\n");
  if (!has_header(req, "user-agent") && !opts.user_agent.empty())
    out.append("User-Agent: ").append(opts.user_agent).append("\r\n");
  for (auto& [n, v] : req.headers) {
    check_field(n);
    check_field(v);
    if (beast::iequals(n, "content-length")) continue;  // ours matches the body
    out.append(n).append(": ").append(v).append("\r\n");
  }
  bool sends_body = !req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  if (sends_body) out.append("Content-Length: ").append(std::to_string(req.body.size())).append("\r\n");
  out.append("\r\n");
}

clock::time_point deadline_of(const request& req, const options& opts) {
  return clock::now() + (req.timeout.count() > 0 ? req.timeout : opts.timeout);
}

void fail(const error_code& ec, std::string_view doing, const endpoint& where) {
  std::string what = std::string(doing) + " " + where.base_url();
  if (ec == beast::error::timeout) throw error(errc::timeout, what + ": timed out");
  if (doing == "resolving" || doing == "connecting to") throw error(errc::connect, what + ": " + ec.message());
  if (ec.category() == asio::error::get_ssl_category()) throw error(errc::tls, what + ": " + ec.message());
  throw error(errc::protocol, what + ": " + ec.message());
}

}  // namespace hallpass::client::detail
