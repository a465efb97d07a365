#include "hallpass/client/event_stream.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace hallpass::client {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::vector<event> event_decoder::feed(std::string_view text) {
  std::vector<event> out;
  for (char c : text) {
    if (after_cr_ && c == '\n') {  // the \n of a \r\n
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\r' || c == '\n') take_line(out);
    else line_ += c;
  }
  return out;
}

void event_decoder::take_line(std::vector<event>& out) {
  std::string line;
  line.swap(line_);
  if (line.empty()) {  // dispatch
    if (has_data_) {
      pending_.id = last_id_;
      out.push_back(std::move(pending_));
    }
    pending_ = event{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment
  auto colon = line.find(':');
  std::string field = line.substr(0, colon);
  std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.erase(0, 1);
  if (field == "event") pending_.name = value.empty() ? "message" : value;
  else if (field == "id" && value.find('\0') == std::string::npos) last_id_ = value;
  else if (field == "data") {
    if (has_data_) pending_.data += '\n';
    pending_.data += value;
    has_data_ = true;
  }
}

struct event_stream::impl {
  std::function<void(const event&)> on_event;
  event_decoder decoder;
  std::atomic<int> status{0};
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<event> queue;
  bool ended = false;
  stream_end how = stream_end::running;
  std::string failure;
  std::unique_ptr<response_stream> stream;  // last: stopped and joined before the rest goes

  void deliver(std::string_view piece) {
    if (status != 200) return;  // an error body is not events
    auto events = decoder.feed(piece);
    if (events.empty()) return;
    if (on_event) {
      for (auto& e : events) on_event(e);
      return;
    }
    std::lock_guard lock(mutex);
    for (auto& e : events) queue.push_back(std::move(e));
    arrived.notify_all();
  }
};

event_stream::event_stream(const endpoint& where, request req, options opts, std::function<void(const event&)> on_event)
    : impl_(std::make_unique<impl>()) {
  impl_->on_event = std::move(on_event);
  if (req.timeout.count() <= 0) req.timeout = std::chrono::hours(1);
  auto is_accept = [](const auto& field) { return lower(field.first) == "accept"; };
  if (std::none_of(req.headers.begin(), req.headers.end(), is_accept)) req.headers.emplace_back("Accept", "text/event-stream");
  stream_callbacks cb;
  auto* self = impl_.get();
  cb.on_head = [self](const response& head) { self->status = head.status; };
  cb.on_data = [self](std::string_view piece) { self->deliver(piece); };
  cb.on_end = [self](stream_end how, const std::string& why) {
    std::lock_guard lock(self->mutex);
    self->ended = true;
    self->how = how;
    if (how == stream_end::failed) self->failure = why;
    self->arrived.notify_all();
  };
  impl_->stream = std::make_unique<response_stream>(where, std::move(req), std::move(cb), std::move(opts));
}

event_stream::~event_stream() { impl_->stream.reset(); }

std::optional<event> event_stream::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->arrived.wait_for(lock, timeout, [&] { return !impl_->queue.empty() || impl_->ended; });
  if (impl_->queue.empty()) return std::nullopt;
  auto e = std::move(impl_->queue.front());
  impl_->queue.pop_front();
  return e;
}

void event_stream::stop() { impl_->stream->stop(); }
int event_stream::status() const { return impl_->status; }
stream_end event_stream::ended() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->how;
}

std::string event_stream::failure() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->failure;
}

}  // namespace hallpass::client
