#include "hallpass/server/net/http_server.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <sys/resource.h>

#include <boost/asio.hpp>
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
  static const std::string prefix = [] {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06lx-", static_cast<unsigned long>(std::random_device{}() & 0xffffff));
    return std::string(buf);
  }();
  char digits[16];
  auto end = std::to_chars(digits, digits + sizeof digits, ++counter, 16).ptr;
  std::string id = prefix;
  id.append(digits, end);
  return id;
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

// A read deadline of our own. Beast's stream timeout closes the socket, but a client that is too
// slow should get a 408 rather than a dropped connection: when the deadline passes, the pending
// read is cancelled and expired() says so. The timer completes on the connection's loop, like
// the read, so it never cancels anything after the destructor has run.
class read_deadline {
 public:
  read_deadline(const asio::any_io_executor& ex, tcp::socket& raw, std::chrono::steady_clock::time_point at)
      : state_(std::make_shared<state>(ex)) {
    state_->timer.expires_at(at);
    state_->timer.async_wait([st = state_, &raw](boost::system::error_code ec) {
      if (ec || !st->armed) return;
      st->expired = true;
      boost::system::error_code ignored;
      raw.cancel(ignored);
    });
  }
  ~read_deadline() {
    state_->armed = false;
    state_->timer.cancel();
  }
  read_deadline(const read_deadline&) = delete;
  read_deadline& operator=(const read_deadline&) = delete;
  bool expired() const { return state_->expired; }

 private:
  struct state {
    explicit state(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    bool armed = true;
    bool expired = false;
  };
  std::shared_ptr<state> state_;
};

// The bytes one request body may occupy, held against the server-wide budget until the request
// is answered.
class body_reservation {
 public:
  explicit body_reservation(std::atomic<long>& total) : total_(total) {}
  ~body_reservation() { total_ -= taken_; }
  body_reservation(const body_reservation&) = delete;
  body_reservation& operator=(const body_reservation&) = delete;
  bool take(std::size_t bytes, std::size_t limit) {
    const long want = static_cast<long>(bytes);
    long now = total_.load();
    do {
      if (now + want > static_cast<long>(limit)) return false;
    } while (!total_.compare_exchange_weak(now, now + want));
    taken_ = want;
    return true;
  }

 private:
  std::atomic<long>& total_;
  long taken_ = 0;
};

}  // namespace

// A stream's answer, handed from serve() to the session: the stream is sent once serve's frame,
// with the request's parser, buffer and copies, is gone (a waiting stream holds only what it needs).
struct stream_to_send {
  response head;
  unsigned version = 11;
  std::string request_id;
};

struct http_server::impl {
  net_options opts;
  request_handler& handler;
  // One event loop per network thread, as nginx has one per worker: a connection lives on one
  // loop, so its handlers never wake another thread. `ioc` also holds the listener.
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<asio::io_context>> more_io;  // the loops of the other network threads
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  unsigned next_io = 0;  // the loop of the next connection (round robin; the listener's thread only)
  asio::io_context& next_loop() {
    auto i = next_io++ % (more_io.size() + 1);
    return i == 0 ? ioc : *more_io[i - 1];
  }
  asio::thread_pool workers;
  tcp::acceptor acceptor{ioc};
  std::optional<ssl::context> tls;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<long> open{0}, total{0}, refused{0}, accept_failures{0};
  std::atomic<long> body_bytes{0};  // reserved by bodies in flight (body_memory_limit)
  std::mutex per_ip_mutex;
  std::unordered_map<std::string, int> per_ip;  // open connections by client address
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
  bool take_ip_slot(const std::string& ip);
  void give_ip_slot(const std::string& ip);
  template <class Stream>
  asio::awaitable<std::optional<stream_to_send>> serve(Stream& stream, tcp::socket& raw, const std::string& remote_ip,
                                                       bool secure);
  template <class Stream>
  asio::awaitable<void> serve_then_stream(Stream& stream, tcp::socket& raw, const std::string& remote_ip, bool secure);
  asio::awaitable<void> session(tcp::socket socket, std::string remote_ip);
  template <class Stream>
  asio::awaitable<void> refuse_unread_body(Stream& stream, tcp::socket& raw, request& req, const request_plan& plan,
                                           response r, unsigned version);

  asio::awaitable<response> wait_for_answer(response fallback);
  template <class Stream>
  asio::awaitable<bool> write_stream_head(Stream& stream, response head, unsigned version, std::string request_id);
  template <class Stream>
  asio::awaitable<void> send_stream(Stream& stream, std::shared_ptr<response_later> later);
  std::shared_ptr<asio::steady_timer> attach_waiter(const asio::any_io_executor& loop, response_later& later);
  void release_waiter(const std::shared_ptr<asio::steady_timer>& timer, response_later& later);
  // On shutdown, each on its own loop; the caller holds idle_mutex.
  void wake_all_waiters() {
    for (auto& w : waiting) {
      auto t = w.lock();
      if (!t) continue;
      asio::post(t->get_executor(), [w] {
        if (auto timer = w.lock()) timer->cancel();
      });
    }
  }

  template <class Stream>
  asio::awaitable<void> send_error(Stream& stream, int status, std::string_view code, unsigned version) {
    auto r = handler.error_response(status, code);
    r.close = true;
    auto bytes = wire_bytes(std::move(r), make_request_id(), {.version = version});
    beast::get_lowest_layer(stream).expires_after(opts.write_timeout);
    co_await asio::async_write(stream, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  }
};

asio::awaitable<void> http_server::impl::accept_loop() {
  asio::steady_timer pause(ioc);
  for (;;) {
    asio::io_context& loop = next_loop();
    auto [ec, accepted] = co_await acceptor.async_accept(loop, asio::as_tuple(asio::use_awaitable));
    tcp::socket socket(std::move(accepted));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS): the connection stays in the
      // backlog and accept would fail again at once. Pause instead of spinning.
      ++accept_failures;
      pause.expires_after(std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code aec;
    auto ep = socket.remote_endpoint(aec);
    std::string ip = aec ? std::string("unknown") : ep.address().to_string();
    if (open.load() >= opts.max_connections || !take_ip_slot(ip)) {
      ++refused;
      socket.close(aec);
      continue;
    }
    asio::co_spawn(loop, session(std::move(socket), std::move(ip)), asio::detached);
  }
}

bool http_server::impl::take_ip_slot(const std::string& ip) {
  std::lock_guard lock(per_ip_mutex);
  auto& n = per_ip[ip];
  if (n >= opts.max_connections_per_ip) {
    if (n == 0) per_ip.erase(ip);
    return false;
  }
  ++n;
  return true;
}

void http_server::impl::give_ip_slot(const std::string& ip) {
  std::lock_guard lock(per_ip_mutex);
  auto it = per_ip.find(ip);
  if (it != per_ip.end() && --it->second <= 0) per_ip.erase(it);
}

// The timer belongs to the connection's loop, and so does every wake-up: a wake-up from a
// producer's thread runs between two steps of the waiting coroutine, never inside one (a cancel
// running on another thread beside the coroutine could come after it looked for an answer and
// before it started to wait, and would be lost).
std::shared_ptr<asio::steady_timer> http_server::impl::attach_waiter(const asio::any_io_executor& loop,
                                                                    response_later& later) {
  auto timer = std::make_shared<asio::steady_timer>(loop);
  std::weak_ptr<asio::steady_timer> weak = timer;
  later.attach([weak, loop] {
    asio::post(loop, [weak] {
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
  auto loop = co_await asio::this_coro::executor;
  auto timer = attach_waiter(loop, *later);
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
asio::awaitable<bool> http_server::impl::write_stream_head(Stream& stream, response head, unsigned version,
                                                           std::string request_id) {
  head.body.clear();
  auto bytes = wire_bytes(std::move(head), request_id, {.version = version, .until_close = true});
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(opts.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  tcp_layer.expires_never();
  co_return !ec;
}

// Kept small: its frame is what a waiting stream costs, thousands at once.
template <class Stream>
asio::awaitable<void> http_server::impl::send_stream(Stream& stream, std::shared_ptr<response_later> later) {
  auto loop = co_await asio::this_coro::executor;
  auto timer = attach_waiter(loop, *later);
  // Every write has a deadline: a client that stops reading is dropped instead of holding the
  // stream and its queued events for good.
  auto& tcp_layer = beast::get_lowest_layer(stream);
  auto write = [&](const std::string& bytes) {
    tcp_layer.expires_after(opts.write_timeout);
    return asio::async_write(stream, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  };
  boost::system::error_code ec;
  std::size_t n = 0;
  const auto heartbeat = std::chrono::seconds(15);
  while (!ec && !stopping) {
    bool ended = false;
    for (auto& chunk : later->take_chunks(ended)) {
      std::tie(ec, n) = co_await write(chunk);
      if (ec) break;
    }
    tcp_layer.expires_never();
    if (ended || ec) break;
    // A wake-up that came while chunks were being written found no wait to cancel: look again.
    if (later->pending()) continue;
    timer->expires_after(heartbeat);
    auto [wec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (!wec) {  // quiet for a while: a comment line keeps proxies open and finds dead clients
      static const std::string ping = ":\n\n";
      std::tie(ec, n) = co_await write(ping);
      tcp_layer.expires_never();
    }
  }
  release_waiter(timer, *later);
}

template <class Stream>
asio::awaitable<void> http_server::impl::serve_then_stream(Stream& stream, tcp::socket& raw, const std::string& remote_ip,
                                                           bool secure) {
  auto streaming = co_await serve(stream, raw, remote_ip, secure);
  if (!streaming) co_return;
  auto later = std::move(streaming->head.later);
  bool head_sent = co_await write_stream_head(stream, std::move(streaming->head), streaming->version,
                                              std::move(streaming->request_id));
  streaming.reset();
  if (head_sent) co_await send_stream(stream, later);
  else later->detach();  // the producer's cue to unsubscribe
}

asio::awaitable<void> http_server::impl::session(tcp::socket socket, std::string remote_ip) {
  ++open;
  ++total;
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  try {
    if (tls) {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
      beast::get_lowest_layer(stream).expires_after(opts.read_timeout);
      co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
      beast::get_lowest_layer(stream).expires_never();
      co_await serve_then_stream(stream, beast::get_lowest_layer(stream).socket(), remote_ip, true);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await serve_then_stream(stream, stream.socket(), remote_ip, false);
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  } catch (const std::exception&) {
    // Timeouts, resets, TLS failures: the connection simply ends.
  }
  give_ip_slot(remote_ip);
  --open;
}

template <class Stream>
asio::awaitable<void> http_server::impl::refuse_unread_body(Stream& stream, tcp::socket& raw, request& req,
                                                            const request_plan& plan, response r, unsigned version) {
  handler.observe(req, plan, r.status, 0);
  r.close = true;
  auto bytes = wire_bytes(std::move(r), req.request_id, {.version = version});
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(opts.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  // The client may still be sending the body. Closing with its bytes unread would reset the
  // connection, which can destroy the answer before the client reads it: drop what arrives for a
  // moment, a buffer at a time.
  boost::system::error_code ignored;
  raw.shutdown(tcp::socket::shutdown_send, ignored);
  tcp_layer.expires_after(std::chrono::seconds(2));
  std::array<char, 16384> sink;
  for (;;) {
    auto [rec, rn] = co_await tcp_layer.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (rec) break;
  }
}

template <class Stream>
asio::awaitable<std::optional<stream_to_send>> http_server::impl::serve(Stream& stream, tcp::socket& raw,
                                                                        const std::string& remote_ip, bool secure) {
  auto ex = co_await asio::this_coro::executor;
  auto& tcp_layer = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (stopping) co_return std::nullopt;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // the route sets the real limit

    std::list<tcp::socket*>::iterator idle_it;
    {
      std::lock_guard lock(idle_mutex);
      idle_it = idle.insert(idle.end(), &raw);
    }
    boost::system::error_code hec;
    bool late = false;
    {
      read_deadline deadline(ex, raw, std::chrono::steady_clock::now() + (first ? opts.read_timeout : opts.idle_timeout));
      std::size_t n = 0;
      std::tie(hec, n) = co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      late = deadline.expired();
    }
    {
      std::lock_guard lock(idle_mutex);
      idle.erase(idle_it);
    }
    first = false;
    if (late) {  // a request begun and not finished in time gets an answer; an idle connection just ends
      if (parser.got_some()) co_await send_error(stream, 408, "request_timeout", 11);
      co_return std::nullopt;
    }
    if (hec == http::error::end_of_stream || hec == asio::error::eof) co_return std::nullopt;
    if (hec == asio::error::operation_aborted) co_return std::nullopt;
    if (hec == http::error::header_limit) {
      co_await send_error(stream, 431, "header_too_large", 11);
      co_return std::nullopt;
    }
    if (hec) {
      if (hec.category() == beast::http::make_error_code(http::error::bad_version).category()) {
        co_await send_error(stream, 400, "malformed_http", 11);
      }
      co_return std::nullopt;
    }

    auto started = std::chrono::steady_clock::now();
    auto& head = parser.get();
    const unsigned version = head.version();
    request req;
    req.method = std::string(head.method_string());
    req.target = std::string(head.target());
    auto qpos = req.target.find('?');
    req.path = decode_path(std::string_view(req.target).substr(0, qpos));
    if (qpos != std::string::npos) req.query = req.target.substr(qpos + 1);
    req.remote_ip = remote_ip;
    req.secure = secure;
    req.request_id = make_request_id();
    for (auto const& f : head) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.push_back({std::move(name), std::string(f.value())});
    }
    if (!known_method(head.method())) {  // refused before the body, and no new metric series
      req.method = "OTHER";
      // Named, not temporaries: GCC 12 may destroy temporaries of a co_await expression twice.
      request_plan refused{0, "method_not_implemented"};
      auto answer = handler.error_response(501, "method_not_implemented");
      co_await refuse_unread_body(stream, raw, req, refused, std::move(answer), version);
      co_return std::nullopt;
    }
    request_plan plan = handler.plan(req.method, req.path);

    auto declared = parser.content_length();
    if (declared && *declared > plan.body_limit) {  // refused before a byte of the body is read
      auto answer = handler.error_response(413, "payload_too_large");
      co_await refuse_unread_body(stream, raw, req, plan, std::move(answer), version);
      co_return std::nullopt;
    }
    body_reservation reservation(body_bytes);
    if (!parser.is_done()) {
      if (plan.admit_first) {  // e.g. an upload: its code or session is checked before its body is read
        auto early = co_await asio::co_spawn(
            workers, [this, &req, &plan]() -> asio::awaitable<std::optional<response>> { co_return handler.admit(req, plan); },
            asio::use_awaitable);
        if (early) {
          co_await refuse_unread_body(stream, raw, req, plan, std::move(*early), version);
          co_return std::nullopt;
        }
      }
      const std::size_t expected = declared ? static_cast<std::size_t>(*declared) : plan.body_limit;
      if (!reservation.take(expected, opts.body_memory_limit)) {
        auto answer = handler.error_response(503, "server_busy");
        co_await refuse_unread_body(stream, raw, req, plan, std::move(answer), version);
        co_return std::nullopt;
      }
      if (auto expect = req.header_value("expect"); expect && beast::iequals(*expect, "100-continue")) {
        static const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
        tcp_layer.expires_after(opts.write_timeout);
        auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(go_on), asio::as_tuple(asio::use_awaitable));
        tcp_layer.expires_never();
        if (cec) co_return std::nullopt;
      }
      parser.body_limit(plan.body_limit);
      // A slow phone gets time in proportion to what it sends, then a clear 408.
      auto allowed = opts.read_timeout + std::chrono::seconds(expected / std::max<std::size_t>(1, opts.min_body_rate));
      boost::system::error_code bec;
      {
        read_deadline deadline(ex, raw, std::chrono::steady_clock::now() + allowed);
        std::size_t n = 0;
        std::tie(bec, n) = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        late = deadline.expired();
      }
      if (late) {
        handler.observe(req, plan, 408, 0);
        co_await send_error(stream, 408, "request_timeout", version);
        co_return std::nullopt;
      }
      if (bec == http::error::body_limit) {
        auto answer = handler.error_response(413, "payload_too_large");
        co_await refuse_unread_body(stream, raw, req, plan, std::move(answer), version);
        co_return std::nullopt;
      }
      if (bec) {
        if (bec.category() == beast::http::make_error_code(http::error::bad_version).category()) {
          co_await send_error(stream, 400, "malformed_http", version);
        }
        co_return std::nullopt;
      }
    }
    req.body = std::move(parser.get().body());
    bool keep_alive = parser.get().keep_alive();

    // A request answered from memory skips the two thread switches of a worker.
    std::optional<response> quick;
    if (plan.quick) quick = handler.quick(req, plan);
    response res;
    if (quick) res = std::move(*quick);
    else
      res = co_await asio::co_spawn(
          workers, [this, &req, &plan]() -> asio::awaitable<response> { co_return handler.handle(req, plan); },
          asio::use_awaitable);

    if (res.later && res.stream) {
      handler.observe(req, plan, res.status, 0);
      co_return stream_to_send{std::move(res), version, std::move(req.request_id)};
    }
    if (res.later) res = co_await wait_for_answer(std::move(res));

    int status = res.status;
    bool close = res.close || !keep_alive || stopping;
    auto out = wire_bytes(std::move(res), req.request_id,
                          {.version = version, .keep_alive = !close, .head_only = req.method == "HEAD", .hsts = secure});
    tcp_layer.expires_after(opts.write_timeout);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    tcp_layer.expires_never();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    handler.observe(req, plan, status, seconds);
    if (wec || close) co_return std::nullopt;
  }
}

http_server::http_server(net_options options, request_handler& handler)
    : impl_(std::make_unique<impl>(std::move(options), handler)) {}

http_server::~http_server() {
  if (!impl_->threads.empty()) stop();
}

namespace {

// Each connection takes a descriptor; so do the database pool, files and the listener. Raises the
// soft limit to what max_connections needs, or says plainly what to change. max_connections 0
// means as many as the hard limit allows, up to 20000. Returns the connection limit in force.
int ensure_descriptors(int max_connections) {
  const rlim_t spare = 256;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return max_connections > 0 ? max_connections : 1024;
  if (max_connections == 0) {
    const rlim_t fit = lim.rlim_max == RLIM_INFINITY ? 20000 : lim.rlim_max > spare ? lim.rlim_max - spare : 1;
    max_connections = static_cast<int>(std::min<rlim_t>(20000, fit));
  }
  const rlim_t need = static_cast<rlim_t>(max_connections) + spare;
  if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= need) return max_connections;
  rlimit want = lim;
  want.rlim_cur = need;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need) want.rlim_max = need;  // allowed with CAP_SYS_RESOURCE
  if (setrlimit(RLIMIT_NOFILE, &want) == 0) return max_connections;
  throw std::runtime_error("max-connections " + std::to_string(max_connections) + " needs " + std::to_string(need) +
                           " open files, but the limit is " + std::to_string(lim.rlim_cur) + " (hard " +
                           std::to_string(lim.rlim_max) +
                           "); lower --max-connections or raise the limit (ulimit -n, LimitNOFILE=)");
}

}  // namespace

void http_server::start() {
  auto& s = *impl_;
  s.opts.max_connections = ensure_descriptors(s.opts.max_connections);
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
  s.work.emplace_back(s.ioc.get_executor());
  for (int i = 1; i < s.opts.io_threads; ++i) {
    s.more_io.push_back(std::make_unique<asio::io_context>(1));
    s.work.emplace_back(s.more_io.back()->get_executor());
  }
  asio::co_spawn(s.ioc, s.accept_loop(), asio::detached);
  s.threads.emplace_back([&s] { s.ioc.run(); });
  for (auto& loop : s.more_io) s.threads.emplace_back([&loop] { loop->run(); });
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
    s.wake_all_waiters();
  });
  // Requests in flight finish (their connections close after the response) within the grace period.
  auto deadline = std::chrono::steady_clock::now() + s.opts.shutdown_grace;
  while (s.open.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    asio::post(s.ioc, [&s] {
      boost::system::error_code ec;
      std::lock_guard lock(s.idle_mutex);
      for (auto* sock : s.idle) sock->cancel(ec);
      s.wake_all_waiters();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  s.work.clear();
  s.ioc.stop();
  for (auto& loop : s.more_io) loop->stop();
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
  return {impl_->open.load(), impl_->total.load(), impl_->refused.load(), impl_->accept_failures.load(),
          impl_->body_bytes.load()};
}

void http_server::post_work(std::function<void()> job) { asio::post(impl_->workers, std::move(job)); }

}  // namespace hallpass::server
