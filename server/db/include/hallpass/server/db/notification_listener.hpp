#pragma once
// LISTEN on one PostgreSQL channel from a dedicated connection and thread. While idle it asks
// PostgreSQL for SELECT 1 every idle_check and counts the connection lost when no answer comes
// within the connect timeout (TCP keepalives also end a dead peer's connection). Reconnects with
// a growing pause (a quarter second doubling up to five); since notifications are not replayed,
// it then calls on_reconnect with the new connection, so that callers re-read the state they
// wait for on it (not from a pool that may still count PostgreSQL unreachable after a failover),
// and only after that reports connected() again. When the re-read fails, it reconnects again.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

class notification_listener {
 public:
  notification_listener(std::string conninfo, std::string channel, std::function<void(const std::string&)> on_payload,
                        std::function<void(connection&)> on_reconnect, connection_settings settings = {},
                        std::chrono::milliseconds idle_check = std::chrono::seconds(2));
  ~notification_listener();
  notification_listener(const notification_listener&) = delete;
  notification_listener& operator=(const notification_listener&) = delete;
  void start();
  void stop();
  bool connected() const { return connected_; }

 private:
  void run();
  void listen_on(connection& c);
  bool pause(std::chrono::milliseconds d);  // false when stopping


  std::string conninfo_, channel_;
  std::function<void(const std::string&)> on_payload_;
  std::function<void(connection&)> on_reconnect_;
  connection_settings settings_;
  std::chrono::milliseconds idle_check_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  int wake_fd_ = -1;  // eventfd that interrupts poll() on stop
  std::thread thread_;
};

}  // namespace hallpass::server::db
