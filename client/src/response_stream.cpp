#include "hallpass/client/response_stream.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/beast/core/error.hpp>

#include "response_parser.hpp"
#include "transport.hpp"

namespace hallpass::client {

namespace beast = boost::beast;

struct response_stream::impl {
  detail::transport transport;
  request req;
  stream_callbacks callbacks;
  std::atomic<bool> stop{false};
  mutable std::mutex mutex;
  std::condition_variable changed;
  stream_end end = stream_end::running;
  std::chrono::steady_clock::time_point ended_at{};
  std::thread thread;

  impl(const endpoint& where, request r, stream_callbacks cb, const options& opts)
      : transport(where, opts), req(std::move(r)), callbacks(std::move(cb)) {}

  std::pair<stream_end, std::string> exchange() {
    auto deadline = detail::deadline_of(req, transport.opts());
    std::string head;
    detail::write_head(req, transport.where(), transport.opts(), head);
    try {
      transport.connect(deadline);
    } catch (const error& e) {
      return {e.code() == errc::timeout ? stream_end::timeout : stream_end::failed, e.what()};
    }
    response received;
    auto on_data = [this](std::string_view piece) {
      if (callbacks.on_data && !stop) callbacks.on_data(piece);
    };
    auto on_head = [this, &received] {
      if (callbacks.on_head) callbacks.on_head(received);
    };
    detail::response_parser parser(received, on_data, on_head);
    parser.body_limit(boost::none);
    if (req.method == "HEAD") parser.skip(true);
    auto ec = stop ? boost::asio::error::operation_aborted : transport.write(head, req.body, deadline);
    while (!ec && !stop && !parser.is_done()) ec = transport.read_some(parser, deadline);
    transport.close();
    if (stop) return {stream_end::stopped, ""};
    if (!ec) return {stream_end::complete, ""};
    if (ec == beast::error::timeout) return {stream_end::timeout, ""};
    return {stream_end::failed, ec.message()};
  }

  void run() {
    std::pair<stream_end, std::string> how{stream_end::failed, ""};
    try {
      how = exchange();
    } catch (const std::exception& e) {
      how = {stream_end::failed, e.what()};
    }
    if (callbacks.on_end) callbacks.on_end(how.first, how.second);
    std::lock_guard lock(mutex);
    end = how.first;
    ended_at = std::chrono::steady_clock::now();
    changed.notify_all();
  }
};

response_stream::response_stream(const endpoint& where, request req, stream_callbacks callbacks, options opts)
    : impl_(std::make_unique<impl>(where, std::move(req), std::move(callbacks), opts)) {
  impl_->thread = std::thread([this] { impl_->run(); });
}

response_stream::~response_stream() {
  stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void response_stream::stop() {
  impl_->stop = true;
  impl_->transport.cancel_from_any_thread();
}

stream_end response_stream::wait(std::chrono::milliseconds within) {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, within, [&] { return impl_->end != stream_end::running; });
  return impl_->end;
}

stream_end response_stream::state() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->end;
}

std::chrono::steady_clock::time_point response_stream::ended_at() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ended_at;
}

}  // namespace hallpass::client
