#pragma once
// Who waits for changes of which object (a login ticket, an application) on this node, fed by
// PostgreSQL LISTEN/NOTIFY on one channel, so that a change made on any node reaches clients
// waiting here. Payloads are "<id>:<event>", or "<id>,<id>,...:<event>" for the same event of
// many objects.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/notification_listener.hpp"

namespace hallpass::server::services {

class event_hub {
 public:
  using callback = std::function<void(const std::string& event)>;
  // After a lost connection, notifications may have been missed: reread(conn, id) gives the
  // event to deliver for each watched id (e.g. the ticket's current state).
  using reread_fn = std::function<std::optional<std::string>(db::connection&, std::int64_t)>;

  // Sees every event of every object (id, event), and (0, "reconnected") when events may have
  // been missed. Runs on the listener thread; set before start().
  using observer_fn = std::function<void(std::int64_t, const std::string&)>;

  event_hub(db::pool& pool, std::string channel, reread_fn reread, observer_fn observer = {});
  ~event_hub();
  void start();
  void stop();

  // fn(event) runs on the listener thread for every event of the object; it must be quick and
  // must not block.
  std::uint64_t subscribe(std::int64_t id, callback fn);
  void unsubscribe(std::uint64_t subscription);
  std::size_t waiting() const;
  bool listening() const;

 private:
  void deliver(std::int64_t id, const std::string& event);
  void deliver_payload(std::string_view payload);
  void reread_all(db::connection& c);

  reread_fn reread_;
  observer_fn observer_;
  mutable std::mutex mutex_;
  std::uint64_t next_ = 1;
  std::multimap<std::int64_t, std::pair<std::uint64_t, callback>> by_id_;
  std::map<std::uint64_t, std::int64_t> id_of_;
  std::unique_ptr<db::notification_listener> listener_;
};

}  // namespace hallpass::server::services
