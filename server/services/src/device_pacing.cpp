#include "hallpass/server/services/device_pacing.hpp"

#include "sparse_map.hpp"

namespace hallpass::server::services {

device_pacing::verdict device_pacing::poll(std::int64_t ticket_id, int interval, int expires_in) {
  auto now = clock_.now();
  std::lock_guard lock(mutex_);
  if (++polls_since_sweep_ >= 1024) drop_expired(now);  // amortised: a sweep per thousand polls
  auto [it, first] = entries_.try_emplace(ticket_id, entry{now, interval, now + std::chrono::seconds(expires_in)});
  if (first) return {false, interval};
  auto& e = it->second;
  bool too_fast = now < e.last + std::chrono::seconds(e.interval);
  if (too_fast) e.interval += 5;
  e.last = now;
  return {too_fast, e.interval};
}

void device_pacing::forget(std::int64_t ticket_id) {
  std::lock_guard lock(mutex_);
  entries_.erase(ticket_id);
}

std::size_t device_pacing::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t device_pacing::drop_expired() {
  auto now = clock_.now();
  std::lock_guard lock(mutex_);
  auto dropped = drop_expired(now);
  shrink_when_sparse(entries_);  // here, on the sweeper's thread, not on a poll's
  return dropped;
}

std::size_t device_pacing::drop_expired(clock::time_point now) {
  polls_since_sweep_ = 0;
  return std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires <= now; });
}

}  // namespace hallpass::server::services
