#include "hallpass/server/net/http_server.hpp"

#include <atomic>
#include <condition_variable>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

namespace hallpass::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string make_request_id() {
  static std::atomic<unsigned long> counter{0};
  static const unsigned long prefix = std::random_device{}() & 0xffffff;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06lx-%lx", prefix, ++counter);
  return buf;
}

std::string decode_path(std::string_view raw) {
  auto pct = boost::urls::make_pct_string_view(raw);
  if (!pct) return std::string(raw);
  return pct->decode();
}

// Methods the server knows; any other is answered 501 and counted under one name.
bool known_method(http::verb v) {
  switch (v) {
    case http::verb::get: case http::verb::head: case http::verb::post: case http::verb::put:
    case http::verb::patch: case http::verb::delete_: case http::verb::options:
      return true;
    default:
      return false;
  }
}

// A HEAD answer carries the headers of the GET, Content-Length included, and no body.
http::response<http::string_body> to_beast(response&& r, unsigned version, bool keep_alive,
                                           const std::string& request_id, bool head_only = false) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::content_type, r.content_type);
  res.set("X-Request-Id", request_id);
  for (auto& h : r.headers) res.insert(h.name, h.value);
  res.keep_alive(keep_alive && !r.close);
  res.body() = std::move(r.body);
  res.prepare_payload();
  if (head_only) {
    auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  return res;
}

}  // namespace

struct http_server::impl {
  net_options opts;
  request_handler& handler;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  asio::thread_pool workers;
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<long> open{0}, total{0}, refused{0};
  unsigned short bound_port = 0;

  // Sockets of connections waiting for their next request; closed on shutdown.
  std::mutex idle_mutex;
  std::list<tcp::socket*> idle;
  // Timers of long-polls and streams waiting for their producer; woken on shutdown.
  std::list<std::weak_ptr<asio::steady_timer>> waiting;

  std::mutex stop_mutex;
  std::condition_variable stopped_cv;
  bool stopped = false;

  impl(net_options o, request_handler& h)
      : opts(std::move(o)), handler(h), workers(static_cast<std::size_t>(std::max(1, opts.worker_threads))) {}

  asio::awaitable<void> accept_loop();
  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, tcp::socket& raw, std::string remote_ip, bool secure);
  asio::awaitable<void> session(tcp::socket socket);

  asio::awaitable<response> wait_for_answer(response fallback);
  template <class Stream>
  asio::awaitable<void> send_stream(Stream& stream, response head, unsigned version, const std::string& request_id);
  std::shared_ptr<asio::steady_timer> attach_waiter(response_later& later);
  void release_waiter(const std::shared_ptr<asio::steady_timer>& timer, response_later& later);

  template <class Stream>
  asio::awaitable<void> send_error(Stream& stream, int status, std::string_view code, unsigned version) {
    auto r = handler.error_response(status, code);
    r.close = true;
    auto res = to_beast(std::move(r), version, false, make_request_id());
    co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  }
};

asio::awaitable<void> http_server::impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      continue;  // e.g. EMFILE: keep serving the others
    }
    if (open.load() >= opts.max_connections) {
      ++refused;
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
  }
}

std::shared_ptr<asio::steady_timer> http_server::impl::attach_waiter(response_later& later) {
  auto timer = std::make_shared<asio::steady_timer>(ioc);
  std::weak_ptr<asio::steady_timer> weak = timer;
  later.attach([weak, this] {
    asio::post(ioc, [weak] {
      if (auto t = weak.lock()) t->cancel();
    });
  });
  std::lock_guard lock(idle_mutex);
  waiting.push_back(timer);
  return timer;
}

void http_server::impl::release_waiter(const std::shared_ptr<asio::steady_timer>& timer, response_later& later) {
  later.detach();
  std::lock_guard lock(idle_mutex);
  waiting.remove_if([&](auto& w) { return w.expired() || w.lock() == timer; });
}

asio::awaitable<response> http_server::impl::wait_for_answer(response fallback) {
  auto later = fallback.later;
  auto timer = attach_waiter(*later);
  auto deadline = std::chrono::steady_clock::now() + fallback.wait;
  std::optional<response> answer;
  while (!(answer = later->take_result()) && !stopping && std::chrono::steady_clock::now() < deadline) {
    timer->expires_at(deadline);
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  release_waiter(timer, *later);
  if (!answer) answer = later->take_result();  // a last answer may have raced the timeout
  fallback.later.reset();
  co_return answer ? std::move(*answer) : std::move(fallback);
}

template <class Stream>
asio::awaitable<void> http_server::impl::send_stream(Stream& stream, response head, unsigned version,
                                                     const std::string& request_id) {
  auto later = head.later;
  auto timer = attach_waiter(*later);
  http::response<http::empty_body> h{static_cast<http::status>(head.status), version};
  h.set(http::field::content_type, head.content_type);
  h.set("X-Request-Id", request_id);
  for (auto& f : head.headers) h.insert(f.name, f.value);
  h.keep_alive(false);  // the body runs until the connection closes
  http::response_serializer<http::empty_body> sr{h};
  auto [ec, n] = co_await http::async_write_header(stream, sr, asio::as_tuple(asio::use_awaitable));
  const auto heartbeat = std::chrono::seconds(15);
  while (!ec && !stopping) {
    bool ended = false;
    for (auto& chunk : later->take_chunks(ended)) {
      std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (ec) break;
    }
    if (ended || ec) break;
    // A wake-up that came while chunks were being written found no wait to cancel: look again.
    if (later->pending()) continue;
    timer->expires_after(heartbeat);
    auto [wec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (!wec) {  // quiet for a while: a comment line keeps proxies open and finds dead clients
      static const std::string ping = ":\n\n";
      std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(ping), asio::as_tuple(asio::use_awaitable));
    }
  }
  release_waiter(timer, *later);
}

asio::awaitable<void> http_server::impl::session(tcp::socket socket) {
  ++open;
  ++total;
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto ep = socket.remote_endpoint(ec);
  std::string remote_ip = ec ? std::string("unknown") : ep.address().to_string();
  try {
    if (tls) {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
      beast::get_lowest_layer(stream).expires_after(opts.read_timeout);
      co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
      co_await serve(stream, beast::get_lowest_layer(stream).socket(), remote_ip, true);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, stream.socket(), remote_ip, false);
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  } catch (const std::exception&) {
    // Timeouts, resets, TLS failures: the connection simply ends.
  }
  --open;
}

template <class Stream>
asio::awaitable<void> http_server::impl::serve(Stream& stream, tcp::socket& raw, std::string remote_ip,
                                               bool secure) {
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (stopping) co_return;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // the route sets the real limit
    beast::get_lowest_layer(stream).expires_after(first ? opts.read_timeout : opts.idle_timeout);

    std::list<tcp::socket*>::iterator idle_it;
    {
      std::lock_guard lock(idle_mutex);
      idle_it = idle.insert(idle.end(), &raw);
    }
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser,
                                                      asio::as_tuple(asio::use_awaitable));
    {
      std::lock_guard lock(idle_mutex);
      idle.erase(idle_it);
    }
    first = false;
    if (hec == http::error::end_of_stream || hec == asio::error::eof) co_return;
    if (hec == beast::error::timeout || hec == asio::error::operation_aborted) co_return;
    if (hec == http::error::header_limit) {
      co_await send_error(stream, 431, "header_too_large", 11);
      co_return;
    }
    if (hec) {
      if (hec.category() == beast::http::make_error_code(http::error::bad_version).category()) {
        co_await send_error(stream, 400, "malformed_http", 11);
      }
      co_return;
    }

    auto started = std::chrono::steady_clock::now();
    auto& head = parser.get();
    request req;
    req.method = std::string(head.method_string());
    req.target = std::string(head.target());
    auto qpos = req.target.find('?');
    req.path = decode_path(std::string_view(req.target).substr(0, qpos));
    if (qpos != std::string::npos) req.query = req.target.substr(qpos + 1);
    req.remote_ip = remote_ip;
    req.secure = secure;
    req.request_id = make_request_id();
    if (!known_method(head.method())) {  // refused before the body, and no new metric series
      req.method = "OTHER";
      request_plan refused{0, "method_not_implemented"};
      handler.observe(req, refused, 501, 0);
      co_await send_error(stream, 501, "method_not_implemented", head.version());
      co_return;
    }
    request_plan plan = handler.plan(req.method, req.path);

    auto declared = parser.content_length();
    if (declared && *declared > plan.body_limit) {
      // Refused before a byte of the body is read.
      handler.observe(req, plan, 413, 0);
      co_await send_error(stream, 413, "payload_too_large", head.version());
      co_return;
    }
    parser.body_limit(plan.body_limit);
    if (!parser.is_done()) {
      beast::get_lowest_layer(stream).expires_after(opts.read_timeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (bec == http::error::body_limit) {
        handler.observe(req, plan, 413, 0);
        co_await send_error(stream, 413, "payload_too_large", head.version());
        co_return;
      }
      if (bec == beast::error::timeout) co_return;
      if (bec) {
        if (bec.category() == beast::http::make_error_code(http::error::bad_version).category()) {
          co_await send_error(stream, 400, "malformed_http", head.version());
        }
        co_return;
      }
    }
    beast::get_lowest_layer(stream).expires_never();

    auto msg = parser.release();
    for (auto const& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.push_back({std::move(name), std::string(f.value())});
    }
    req.body = std::move(msg.body());
    bool keep_alive = msg.keep_alive();
    unsigned version = msg.version();

    response res = co_await asio::co_spawn(
        workers, [this, &req, &plan]() -> asio::awaitable<response> { co_return handler.handle(req, plan); },
        asio::use_awaitable);

    if (res.later && res.stream) {
      handler.observe(req, plan, res.status, 0);
      co_await send_stream(stream, std::move(res), version, req.request_id);
      co_return;
    }
    if (res.later) res = co_await wait_for_answer(std::move(res));

    int status = res.status;
    bool close = res.close || !keep_alive || stopping;
    auto out = to_beast(std::move(res), version, !close, req.request_id, req.method == "HEAD");
    if (secure) out.set(http::field::strict_transport_security, "max-age=31536000");
    beast::get_lowest_layer(stream).expires_after(opts.read_timeout);
    auto [wec, wn] = co_await http::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    handler.observe(req, plan, status, seconds);
    if (wec || close) co_return;
  }
}

http_server::http_server(net_options options, request_handler& handler)
    : impl_(std::make_unique<impl>(std::move(options), handler)) {}

http_server::~http_server() {
  if (!impl_->threads.empty()) stop();
}

void http_server::start() {
  auto& s = *impl_;
  if (!s.opts.tls_cert_file.empty() && !s.opts.tls_key_file.empty()) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    // TLS 1.2 suites with forward secrecy and authenticated encryption only (1.3 has no others).
    SSL_CTX_set_cipher_list(s.tls->native_handle(), "ECDHE+AESGCM:ECDHE+CHACHA20");
    s.tls->use_certificate_chain_file(s.opts.tls_cert_file);
    s.tls->use_private_key_file(s.opts.tls_key_file, ssl::context::pem);
  }
  tcp::endpoint ep{asio::ip::make_address(s.opts.address), s.opts.port};
  s.acceptor.open(ep.protocol());
  s.acceptor.set_option(asio::socket_base::reuse_address(true));
  s.acceptor.bind(ep);
  s.acceptor.listen(asio::socket_base::max_listen_connections);
  s.bound_port = s.acceptor.local_endpoint().port();
  s.work.emplace(s.ioc.get_executor());
  asio::co_spawn(s.ioc, s.accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, s.opts.io_threads); ++i) {
    s.threads.emplace_back([&s] { s.ioc.run(); });
  }
}

void http_server::stop() {
  auto& s = *impl_;
  if (s.stopping.exchange(true)) {
    wait();
    return;
  }
  asio::post(s.ioc, [&s] {
    boost::system::error_code ec;
    s.acceptor.close(ec);
    std::lock_guard lock(s.idle_mutex);
    for (auto* sock : s.idle) sock->cancel(ec);
    for (auto& w : s.waiting)
      if (auto t = w.lock()) t->cancel();
  });
  // Requests in flight finish (their connections close after the response) within the grace period.
  auto deadline = std::chrono::steady_clock::now() + s.opts.shutdown_grace;
  while (s.open.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    asio::post(s.ioc, [&s] {
      boost::system::error_code ec;
      std::lock_guard lock(s.idle_mutex);
      for (auto* sock : s.idle) sock->cancel(ec);
      for (auto& w : s.waiting)
        if (auto t = w.lock()) t->cancel();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.workers.join();
  {
    std::lock_guard lock(s.stop_mutex);
    s.stopped = true;
  }
  s.stopped_cv.notify_all();
}

void http_server::wait() {
  auto& s = *impl_;
  std::unique_lock lock(s.stop_mutex);
  s.stopped_cv.wait(lock, [&s] { return s.stopped; });
}

unsigned short http_server::port() const { return impl_->bound_port; }

connection_counts http_server::connections() const {
  return {impl_->open.load(), impl_->total.load(), impl_->refused.load()};
}

void http_server::post_work(std::function<void()> job) { asio::post(impl_->workers, std::move(job)); }

}  // namespace hallpass::server
