#pragma once
// Login tickets created on this node that are still pending, so that a portal's plain poll is
// answered without a database read. Any announced change of a ticket drops it from here (the
// next poll reads the database), and so does a listener reconnect (changes may have been
// missed); while the listener is down nothing is answered from here.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hallpass/server/db/login_tickets_store.hpp"

namespace hallpass::server::services {

class pending_tickets {
 public:
  void remember(const std::string& poll_hash, const db::ticket_row& t);
  // The ticket if it is known here to be pending still (expires_in brought up to date).
  std::optional<db::ticket_row> find(const std::string& poll_hash);
  void forget(std::int64_t ticket_id);
  void forget_all();
  std::size_t drop_expired();  // returns how many were dropped

 private:
  struct entry {
    db::ticket_row ticket;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, entry> by_hash_;
  std::unordered_map<std::int64_t, std::string> hash_of_;
  // A min-heap of (expiry, id): a sweep looks only at the tickets due, not at every ticket held.
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> by_expiry_;
};

}  // namespace hallpass::server::services
