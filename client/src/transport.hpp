#pragma once
// Private: one TCP or TLS connection driven synchronously with deadlines. Each operation is
// started asynchronously and the object's own io_context is run until it completes, so that
// Beast's stream timeouts apply and cancel() from another thread (posted) can end a wait.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "hallpass/client/http.hpp"
#include "hallpass/client/url.hpp"
#include "response_parser.hpp"

namespace hallpass::client::detail {

using clock = std::chrono::steady_clock;
using boost::system::error_code;

class transport {
 public:
  transport(endpoint where, const options& opts);
  ~transport();

  const endpoint& where() const { return where_; }
  const options& opts() const { return opts_; }
  bool is_open() const { return plain_ || tls_; }
  std::size_t connects() const { return connects_; }

  // Resolves, connects and (https) handshakes before `deadline`; throws client::error.
  void connect(clock::time_point deadline);
  // Writes the head and then the body.
  error_code write(std::string_view head, std::string_view body, clock::time_point deadline);
  // Reads until the parser has the whole message.
  error_code read(response_parser& parser, clock::time_point deadline);
  // Reads once: some more of the message (the head, then pieces of the body).
  error_code read_some(response_parser& parser, clock::time_point deadline);
  // Closes at once (no TLS close_notify: the peer may have gone).
  void close() noexcept;
  // Asks a running operation to end with operation_aborted; safe from any thread.
  void cancel_from_any_thread();

 private:
  template <class Initiate>
  error_code run(Initiate&& initiate, clock::time_point deadline);
  boost::beast::tcp_stream& lowest();
  error_code end_of_body(error_code ec, response_parser& parser);

  endpoint where_;
  options opts_;
  boost::asio::io_context ioc_{1};
  std::optional<boost::asio::ssl::context> ssl_;
  std::unique_ptr<boost::beast::tcp_stream> plain_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
  std::size_t connects_ = 0;
};

// The TLS client context of the options (none for http): trusted authorities, verification.
std::optional<boost::asio::ssl::context> make_ssl_context(const endpoint& where, const options& opts);
// SNI and host name verification on a new TLS stream, before its handshake.
void prepare_tls(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, const endpoint& where, const options& opts);

// Serialises a request's head (request line, Host, User-Agent, Content-Length, the headers)
// into `out`; throws std::invalid_argument for a line break in a field.
void write_head(const request& req, const endpoint& where, const options& opts, std::string& out);

// The deadline of a request: its own timeout, else the options'.
clock::time_point deadline_of(const request& req, const options& opts);

// A client::error for a failed exchange.
[[noreturn]] void fail(const error_code& ec, std::string_view doing, const endpoint& where);

}  // namespace hallpass::client::detail
