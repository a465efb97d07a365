#pragma once
// Who waits for which login ticket on this node, fed by PostgreSQL LISTEN/NOTIFY so that a
// change made on any node reaches portals waiting here.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/notification_listener.hpp"

namespace hallpass::server::services {

class ticket_events {
 public:
  using callback = std::function<void(const std::string& state)>;

  explicit ticket_events(db::pool& pool);
  ~ticket_events();
  void start();
  void stop();

  // fn(state) runs on the listener thread on every state change of the ticket, and after a
  // reconnect with the state read afresh. It must be quick and must not block.
  std::uint64_t subscribe(std::int64_t ticket_id, callback fn);
  void unsubscribe(std::uint64_t subscription);
  std::size_t waiting() const;
  bool listening() const;

 private:
  void deliver(std::int64_t ticket_id, const std::string& state);
  void reread_all();

  db::pool& pool_;
  mutable std::mutex mutex_;
  std::uint64_t next_ = 1;
  std::multimap<std::int64_t, std::pair<std::uint64_t, callback>> by_ticket_;
  std::map<std::uint64_t, std::int64_t> ticket_of_;
  std::unique_ptr<db::notification_listener> listener_;
};

}  // namespace hallpass::server::services
