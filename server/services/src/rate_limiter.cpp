#include "hallpass/server/services/rate_limiter.hpp"

#include "sparse_map.hpp"

namespace hallpass::server::services {

void rate_limiter::drop_finished(long long now) {
  while (!started_.empty()) {
    auto it = windows_.find(started_.front());
    if (now - it->second.start < it->second.length) return;
    windows_.erase(it);
    started_.pop_front();
  }
}

void rate_limiter::drop_finished() {
  long long now = epoch_seconds(clock_.now());
  std::lock_guard lock(mutex_);
  drop_finished(now);
  shrink_when_sparse(windows_);  // here, on the sweeper's thread, not on a request's
}

rate_limiter::table::iterator rate_limiter::start_window(const std::string& key, long long now, int length) {
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= max_keys_) {  // full: forget the window that started longest ago
      windows_.erase(started_.front());
      started_.pop_front();
    }
    started_.push_back(key);
    return windows_.emplace(key, window{now, length, 0, std::prev(started_.end())}).first;
  }
  it->second.start = now;
  it->second.length = length;
  it->second.count = 0;
  started_.splice(started_.end(), started_, it->second.order);
  return it;
}

int rate_limiter::hit(const std::string& key, int limit, int window_seconds) {
  long long now = epoch_seconds(clock_.now());
  std::lock_guard lock(mutex_);
  drop_finished(now);
  auto it = windows_.find(key);
  if (it == windows_.end() || now - it->second.start >= window_seconds) it = start_window(key, now, window_seconds);
  auto& w = it->second;
  if (w.count >= limit) return static_cast<int>(w.start + window_seconds - now);
  ++w.count;
  return 0;
}

int rate_limiter::blocked_for(const std::string& key, int limit, int window_seconds) {
  long long now = epoch_seconds(clock_.now());
  std::lock_guard lock(mutex_);
  auto it = windows_.find(key);
  if (it == windows_.end() || now - it->second.start >= window_seconds) return 0;
  return it->second.count >= limit ? static_cast<int>(it->second.start + window_seconds - now) : 0;
}

void rate_limiter::reset(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = windows_.find(key);
  if (it == windows_.end()) return;
  started_.erase(it->second.order);
  windows_.erase(it);
}

std::size_t rate_limiter::size() const {
  std::lock_guard lock(mutex_);
  return windows_.size();
}

}  // namespace hallpass::server::services
