#include "local_server.hpp"

#include <cstdio>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace hallpass::client::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;


namespace {

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(use_awaitable);
}

template <class Stream>
asio::awaitable<void> serve_events(Stream& stream, bool held) {
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
  co_await asio::async_write(stream, asio::buffer(head), use_awaitable);
  std::string first = "id: 1\nevent: state\ndata: {\"state\":\"pending\"}\n\n";
  co_await asio::async_write(stream, asio::buffer(first), use_awaitable);
  if (held) {
    co_await pause(std::chrono::seconds(30));
    co_return;
  }
  co_await pause(std::chrono::milliseconds(50));
  std::string second = ": keep-alive comment\n\nid: 2\ndata: line one\ndata: line two\n\n";
  co_await asio::async_write(stream, asio::buffer(second), use_awaitable);
  co_await pause(std::chrono::milliseconds(50));
  std::string third = "event: end\r\ndata: x\r\n\r\n";
  co_await asio::async_write(stream, asio::buffer(third), use_awaitable);
}

// Serves requests until the client closes; false when the connection must be closed now.
template <class Stream>
asio::awaitable<void> serve(Stream& stream) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    co_await http::async_read(stream, buffer, req, use_awaitable);
    auto target = std::string(req.target());
    if (target == "/events" || target == "/events-held") {
      co_await serve_events(stream, target == "/events-held");
      co_return;
    }
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    if (target == "/hello") res.body() = "hello";
    else if (target == "/drop") res.body() = "bye";
    else if (target == "/slow") {
      co_await pause(std::chrono::seconds(2));
      res.body() = "slow";
    } else if (target.rfind("/echo", 0) == 0) {
      res.body() = std::string(req.method_string()) + " " + target + "\nhost: " + std::string(req[http::field::host]) +
                   "\n" + req.body();
    } else {
      res.result(http::status::not_found);
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    co_await http::async_write(stream, res, use_awaitable);
    if (target == "/drop" || !req.keep_alive()) co_return;
  }
}

}  // namespace

struct local_server::impl {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::optional<asio::ssl::context> tls;
  std::atomic<int> accepted{0};
  std::thread thread;

  asio::awaitable<void> session(tcp::socket socket) {
    try {
      if (!tls) {
        beast::tcp_stream stream(std::move(socket));
        co_await serve(stream);
      } else {
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
        co_await stream.async_handshake(asio::ssl::stream_base::server, use_awaitable);
        co_await serve(stream);
      }
    } catch (const std::exception&) {
      // The client went away or refused the certificate.
    }
  }

  asio::awaitable<void> accept() {
    for (;;) {
      auto socket = co_await acceptor.async_accept(use_awaitable);
      ++accepted;
      asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
    }
  }

  void start() {
    asio::co_spawn(ioc, accept(), asio::detached);
    thread = std::thread([this] { ioc.run(); });
  }
};

local_server::local_server() : impl_(std::make_unique<impl>()) { impl_->start(); }

local_server::local_server(const std::string& cert_file, const std::string& key_file) : impl_(std::make_unique<impl>()) {
  impl_->tls.emplace(asio::ssl::context::tls_server);
  impl_->tls->use_certificate_chain_file(cert_file);
  impl_->tls->use_private_key_file(key_file, asio::ssl::context::pem);
  impl_->start();
}

local_server::~local_server() {
  impl_->ioc.stop();
  impl_->thread.join();
}

unsigned short local_server::port() const { return impl_->acceptor.local_endpoint().port(); }
int local_server::connections() const { return impl_->accepted; }

}  // namespace hallpass::client::testing
