#include "hallpass/server/net/http.hpp"

#include <boost/url/decode_view.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

namespace hallpass::server {

std::optional<std::string_view> request::header_value(std::string_view lower_name) const {
  for (auto& h : headers)
    if (h.name == lower_name) return std::string_view(h.value);
  return std::nullopt;
}

std::optional<std::string> request::query_param(std::string_view name) const {
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return std::nullopt;
  for (auto p : *parsed) {
    if (p.key == name) return p.value.decode();
  }
  return std::nullopt;
}

std::optional<std::string> request::cookie(std::string_view name) const {
  auto h = header_value("cookie");
  if (!h) return std::nullopt;
  std::string_view s = *h;
  while (!s.empty()) {
    auto semi = s.find(';');
    auto part = s.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    s.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

response& response::set(std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

void response_later::finish(response r) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (result_ || done_) return;
    result_ = std::move(r);
    wake = wake_;
  }
  if (wake) wake();
}

void response_later::push(std::string chunk) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (done_ || ended_) return;
    chunks_.push_back(std::move(chunk));
    wake = wake_;
  }
  if (wake) wake();
}

void response_later::end() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    wake = wake_;
  }
  if (wake) wake();
}

void response_later::on_done(std::function<void()> f) {
  {
    std::lock_guard lock(mutex_);
    if (!done_) {
      on_done_ = std::move(f);
      return;
    }
  }
  f();
}

bool response_later::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

void response_later::attach(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

std::optional<response> response_later::take_result() {
  std::lock_guard lock(mutex_);
  auto r = std::move(result_);
  result_.reset();
  return r;
}

std::vector<std::string> response_later::take_chunks(bool& ended) {
  std::lock_guard lock(mutex_);
  ended = ended_;
  return std::exchange(chunks_, {});
}

bool response_later::pending() const {
  std::lock_guard lock(mutex_);
  return result_.has_value() || !chunks_.empty() || ended_;
}

void response_later::detach() {
  std::function<void()> f;
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
    wake_ = nullptr;
    f = std::move(on_done_);
  }
  if (f) f();
}

}  // namespace hallpass::server
