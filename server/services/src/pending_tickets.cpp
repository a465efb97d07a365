#include "hallpass/server/services/pending_tickets.hpp"

#include <algorithm>
#include <functional>

#include "hallpass/server/identity/tokens.hpp"
#include "sparse_map.hpp"

namespace hallpass::server::services {

namespace {

std::optional<std::array<unsigned char, 32>> digest_of_hex(const std::string& text) {
  std::array<unsigned char, 32> d{};
  if (!identity::lower_hex_decode(text, d.data(), d.size())) return std::nullopt;
  return d;
}

}  // namespace

void pending_tickets::remember(const std::string& poll_hash, const db::ticket_row& t) {
  if (t.state != "pending" || (t.kind != "device" && t.kind != "portal")) return;
  auto key = digest_of_hex(poll_hash);
  entry e;
  if (!key || t.expires_at.size() > e.expires_at.size()) return;
  e.id = t.id;
  // A second of margin: near the end the database decides.
  e.expires = std::chrono::steady_clock::now() + std::chrono::seconds(std::max(0, t.expires_in - 1));
  std::memcpy(e.expires_at.data(), t.expires_at.data(), t.expires_at.size());
  e.expires_at_size = static_cast<std::uint8_t>(t.expires_at.size());
  e.poll_interval = t.poll_interval;
  e.match_number = static_cast<std::int16_t>(t.match_number);
  e.device = t.kind == "device";
  std::lock_guard lock(mutex_);
  e.client_id = &*client_ids_.insert(t.client_id).first;
  by_hash_[*key] = e;
  hash_of_[t.id] = *key;
  by_expiry_.emplace_back(e.expires, t.id);
  std::push_heap(by_expiry_.begin(), by_expiry_.end(), std::greater<>());
}

std::optional<db::ticket_row> pending_tickets::find(const std::string& poll_hash) {
  auto key = digest_of_hex(poll_hash);
  if (!key) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = by_hash_.find(*key);
  if (it == by_hash_.end()) return std::nullopt;
  auto now = std::chrono::steady_clock::now();
  const entry& e = it->second;
  if (now >= e.expires) return std::nullopt;
  db::ticket_row t;
  t.id = e.id;
  t.kind = e.device ? "device" : "portal";
  t.state = "pending";
  t.match_number = e.match_number;
  t.expires_at.assign(e.expires_at.data(), e.expires_at_size);
  t.expires_in = static_cast<int>(std::chrono::ceil<std::chrono::seconds>(e.expires - now).count()) + 1;
  t.poll_interval = e.poll_interval;
  t.client_id = *e.client_id;
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
