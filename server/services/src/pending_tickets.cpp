#include "hallpass/server/services/pending_tickets.hpp"

#include <algorithm>
#include <functional>

#include "sparse_map.hpp"

namespace hallpass::server::services {

void pending_tickets::remember(const std::string& poll_hash, const db::ticket_row& t) {
  if (t.state != "pending") return;
  std::lock_guard lock(mutex_);
  // A second of margin: near the end the database decides.
  auto expires = std::chrono::steady_clock::now() + std::chrono::seconds(std::max(0, t.expires_in - 1));
  by_hash_[poll_hash] = {t, expires};
  hash_of_[t.id] = poll_hash;
  by_expiry_.emplace_back(expires, t.id);
  std::push_heap(by_expiry_.begin(), by_expiry_.end(), std::greater<>());
}

std::optional<db::ticket_row> pending_tickets::find(const std::string& poll_hash) {
  std::lock_guard lock(mutex_);
  auto it = by_hash_.find(poll_hash);
  if (it == by_hash_.end()) return std::nullopt;
  auto now = std::chrono::steady_clock::now();
  if (now >= it->second.expires) return std::nullopt;
  auto t = it->second.ticket;
  t.expires_in = static_cast<int>(std::chrono::ceil<std::chrono::seconds>(it->second.expires - now).count()) + 1;
  return t;
}

void pending_tickets::forget(std::int64_t ticket_id) {
  std::lock_guard lock(mutex_);
  auto it = hash_of_.find(ticket_id);
  if (it == hash_of_.end()) return;
  by_hash_.erase(it->second);
  hash_of_.erase(it);
}

void pending_tickets::forget_all() {
  std::lock_guard lock(mutex_);
  by_hash_.clear();
  hash_of_.clear();
  by_expiry_.clear();
}

std::size_t pending_tickets::drop_expired() {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  auto before = by_hash_.size();
  while (!by_expiry_.empty() && now >= by_expiry_.front().first) {
    std::pop_heap(by_expiry_.begin(), by_expiry_.end(), std::greater<>());
    auto id = by_expiry_.back().second;
    by_expiry_.pop_back();
    auto hash = hash_of_.find(id);
    if (hash == hash_of_.end()) continue;  // forgotten already
    auto it = by_hash_.find(hash->second);
    if (it != by_hash_.end() && now < it->second.expires) continue;  // remembered again since
    if (it != by_hash_.end()) by_hash_.erase(it);
    hash_of_.erase(hash);
  }
  shrink_when_sparse(by_hash_);
  shrink_when_sparse(hash_of_);
  if (by_expiry_.capacity() > 4096 && by_expiry_.capacity() > 8 * by_expiry_.size()) by_expiry_.shrink_to_fit();
  return before - by_hash_.size();
}

}  // namespace hallpass::server::services
