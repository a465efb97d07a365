#include "hallpass/client/stream_group.hpp"

#include <atomic>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include "response_parser.hpp"
#include "transport.hpp"

namespace hallpass::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using detail::error_code;

namespace {

constexpr auto checked = asio::as_tuple(asio::use_awaitable);

struct one_stream {
  endpoint where;
  request req;
  stream_callbacks callbacks;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  bool stopped = false;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

stream_end end_of(const error_code& ec, const one_stream& s) {
  if (s.stopped) return stream_end::stopped;
  if (!ec) return stream_end::complete;
  return ec == beast::error::timeout ? stream_end::timeout : stream_end::failed;
}

template <class Stream>
asio::awaitable<error_code> exchange(Stream& stream, one_stream& s, const std::string& head) {
  std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(s.req.body)};
  auto [wec, written] = co_await asio::async_write(stream, out, checked);
  if (wec) co_return wec;
  response received;
  auto on_data = [&s](std::string_view piece) {
    if (s.callbacks.on_data && !s.stopped) s.callbacks.on_data(piece);
  };
  auto on_head = [&s, &received] {
    if (s.callbacks.on_head) s.callbacks.on_head(received);
  };
  detail::response_parser parser(received, on_data, on_head);
  parser.body_limit(boost::none);
  beast::flat_buffer buffer;
  while (!parser.is_done() && !s.stopped) {
    auto [ec, n] = co_await beast::http::async_read_some(stream, buffer, parser, checked);
    if (ec) co_return ec;
  }
  co_return error_code{};
}

}  // namespace

struct stream_group::impl {
  options opts;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ioc);
  std::list<std::shared_ptr<one_stream>> live;  // touched on the group's thread only
  std::atomic<std::size_t> running{0};
  std::atomic<bool> stopping{false};
  std::mutex ssl_mutex;
  std::optional<asio::ssl::context> ssl_https;  // made by the first https stream
  std::thread thread;

  asio::awaitable<void> run(std::shared_ptr<one_stream> s) {
    auto self = live.insert(live.end(), s);
    error_code ec;
    std::string why;
    try {
      auto deadline = detail::deadline_of(s->req, opts);
      std::string head;
      detail::write_head(s->req, s->where, opts, head);
      tcp::resolver resolver(ioc);
      auto [rec, found] = co_await resolver.async_resolve(s->where.host, s->where.port, checked);
      ec = rec;
      if (!ec) {
        if (s->where.tls) s->tls.emplace(ioc, *ssl_https);
        else s->plain.emplace(ioc);
        s->lowest().expires_at(deadline);
        auto [cec, ep] = co_await s->lowest().async_connect(found, checked);
        ec = cec;
      }
      if (!ec && s->tls) {
        detail::prepare_tls(*s->tls, s->where, opts);
        auto [hec] = co_await s->tls->async_handshake(asio::ssl::stream_base::client, checked);
        ec = hec;
      }
      if (!ec && !s->stopped && s->tls) ec = co_await exchange(*s->tls, *s, head);
      else if (!ec && !s->stopped) ec = co_await exchange(*s->plain, *s, head);
      if (ec) why = ec.message();
    } catch (const std::exception& e) {
      ec = asio::error::invalid_argument;
      why = e.what();
    }
    if (s->plain || s->tls) s->lowest().close();
    live.erase(self);
    if (s->callbacks.on_end) s->callbacks.on_end(end_of(ec, *s), end_of(ec, *s) == stream_end::failed ? why : "");
    --running;
  }
};

stream_group::stream_group(options opts) : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

stream_group::~stream_group() {
  stop();
  impl_->work.reset();
  impl_->thread.join();
}

void stream_group::add(const endpoint& where, request req, stream_callbacks callbacks) {
  if (where.tls) {
    std::lock_guard lock(impl_->ssl_mutex);
    if (!impl_->ssl_https) impl_->ssl_https = detail::make_ssl_context(where, impl_->opts);
  }
  auto s = std::make_shared<one_stream>();
  s->where = where;
  s->req = std::move(req);
  s->callbacks = std::move(callbacks);
  ++impl_->running;
  asio::co_spawn(impl_->ioc, impl_->run(std::move(s)), asio::detached);
}

void stream_group::stop() {
  asio::post(impl_->ioc, [i = impl_.get()] {
    for (auto& s : i->live) {
      s->stopped = true;
      if (s->plain || s->tls) s->lowest().cancel();
    }
  });
}

std::size_t stream_group::running() const { return impl_->running; }

}  // namespace hallpass::client
