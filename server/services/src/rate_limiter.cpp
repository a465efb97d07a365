#include "hallpass/server/services/rate_limiter.hpp"

#include <iterator>

namespace hallpass::server::services {

int rate_limiter::hit(const std::string& key, int limit, int window_seconds) {
  long long now = epoch_seconds(clock_.now());
  std::lock_guard lock(mutex_);
  if (windows_.size() > 100000) {  // forget finished windows so the map stays bounded
    for (auto it = windows_.begin(); it != windows_.end();) it = (now - it->second.start >= 3600) ? windows_.erase(it) : std::next(it);
  }
  auto& w = windows_[key];
  if (now - w.start >= window_seconds) w = {now, 0};
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
  windows_.erase(key);
}

}  // namespace hallpass::server::services
