#include "hallpass/server/services/event_hub.hpp"

#include <charconv>
#include <string_view>
#include <vector>

#include "hallpass/server/log.hpp"

namespace hallpass::server::services {

event_hub::event_hub(db::pool& pool, std::string channel, reread_fn reread, observer_fn observer)
    : reread_(std::move(reread)), observer_(std::move(observer)) {
  listener_ = std::make_unique<db::notification_listener>(
      pool.conninfo(), channel,
      [this](const std::string& payload) { deliver_payload(payload); },
      [this, channel](db::connection& c) {
        log_line("info", "listener_reconnected", {{"channel", json_str(channel)}});
        reread_all(c);
      },
      pool.settings());
}

event_hub::~event_hub() { stop(); }

void event_hub::start() { listener_->start(); }
void event_hub::stop() { listener_->stop(); }
bool event_hub::listening() const { return listener_->connected(); }

std::uint64_t event_hub::subscribe(std::int64_t id, callback fn) {
  std::lock_guard lock(mutex_);
  auto sub = next_++;
  by_id_.emplace(id, std::make_pair(sub, std::move(fn)));
  id_of_[sub] = id;
  return sub;
}

void event_hub::unsubscribe(std::uint64_t subscription) {
  std::lock_guard lock(mutex_);
  auto it = id_of_.find(subscription);
  if (it == id_of_.end()) return;
  auto range = by_id_.equal_range(it->second);
  for (auto i = range.first; i != range.second; ++i) {
    if (i->second.first == subscription) {
      by_id_.erase(i);
      break;
    }
  }
  id_of_.erase(it);
}

std::size_t event_hub::waiting() const {
  std::lock_guard lock(mutex_);
  return id_of_.size();
}

void event_hub::deliver(std::int64_t id, const std::string& event) {
  if (observer_) observer_(id, event);
  std::vector<callback> targets;
  {
    std::lock_guard lock(mutex_);
    auto range = by_id_.equal_range(id);
    for (auto i = range.first; i != range.second; ++i) targets.push_back(i->second.second);
  }
  for (auto& fn : targets) fn(event);
}

// "id:event", or "id,id,...:event" for many ids at once (expiries are announced in batches).
void event_hub::deliver_payload(std::string_view payload) {
  auto colon = payload.find(':');
  if (colon == std::string_view::npos) return;
  const std::string event(payload.substr(colon + 1));
  std::string_view ids = payload.substr(0, colon);
  while (!ids.empty()) {
    auto comma = ids.find(',');
    auto text = ids.substr(0, comma);
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size()) return;  // not one of ours
    deliver(id, event);
    ids = comma == std::string_view::npos ? std::string_view{} : ids.substr(comma + 1);
  }
}

// On the listener's new connection: the pool may still count PostgreSQL unreachable just after
// a failover, and a re-read skipped then would never be made. A db_error reaches the listener,
// which reconnects and re-reads again.
void event_hub::reread_all(db::connection& c) {
  if (observer_) observer_(0, "reconnected");
  std::vector<std::int64_t> ids;
  {
    std::lock_guard lock(mutex_);
    for (auto& entry : by_id_)
      if (ids.empty() || ids.back() != entry.first) ids.push_back(entry.first);
  }
  for (auto id : ids)
    if (auto e = reread_(c, id)) deliver(id, *e);
}

}  // namespace hallpass::server::services
