#include "hallpass/server/services/ticket_events.hpp"

#include <vector>

#include "hallpass/server/db/login_tickets_store.hpp"

namespace hallpass::server::services {

ticket_events::ticket_events(db::pool& pool) : pool_(pool) {
  listener_ = std::make_unique<db::notification_listener>(
      pool.conninfo(), "login_tickets",
      [this](const std::string& payload) {
        auto colon = payload.find(':');
        if (colon == std::string::npos) return;
        deliver(std::stoll(payload.substr(0, colon)), payload.substr(colon + 1));
      },
      [this] { reread_all(); });
}

ticket_events::~ticket_events() { stop(); }

void ticket_events::start() { listener_->start(); }
void ticket_events::stop() { listener_->stop(); }
bool ticket_events::listening() const { return listener_->connected(); }

std::uint64_t ticket_events::subscribe(std::int64_t ticket_id, callback fn) {
  std::lock_guard lock(mutex_);
  auto id = next_++;
  by_ticket_.emplace(ticket_id, std::make_pair(id, std::move(fn)));
  ticket_of_[id] = ticket_id;
  return id;
}

void ticket_events::unsubscribe(std::uint64_t subscription) {
  std::lock_guard lock(mutex_);
  auto it = ticket_of_.find(subscription);
  if (it == ticket_of_.end()) return;
  auto range = by_ticket_.equal_range(it->second);
  for (auto i = range.first; i != range.second; ++i) {
    if (i->second.first == subscription) {
      by_ticket_.erase(i);
      break;
    }
  }
  ticket_of_.erase(it);
}

std::size_t ticket_events::waiting() const {
  std::lock_guard lock(mutex_);
  return ticket_of_.size();
}

void ticket_events::deliver(std::int64_t ticket_id, const std::string& state) {
  std::vector<callback> targets;
  {
    std::lock_guard lock(mutex_);
    auto range = by_ticket_.equal_range(ticket_id);
    for (auto i = range.first; i != range.second; ++i) targets.push_back(i->second.second);
  }
  for (auto& fn : targets) fn(state);
}

void ticket_events::reread_all() {
  std::vector<std::int64_t> ids;
  {
    std::lock_guard lock(mutex_);
    for (auto& [ticket, sub] : by_ticket_)
      if (ids.empty() || ids.back() != ticket) ids.push_back(ticket);
  }
  try {
    auto conn = pool_.acquire();
    for (auto id : ids)
      if (auto t = db::find_ticket(*conn, id)) deliver(id, t->state);
  } catch (const db::db_error&) {
    // Still unreachable: the next reconnect tries again.
  }
}

}  // namespace hallpass::server::services
