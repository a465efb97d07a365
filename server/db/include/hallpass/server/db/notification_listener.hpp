#pragma once
// LISTEN on one PostgreSQL channel from a dedicated connection and thread. Reconnects after a
// lost connection; since notifications are not replayed, it then calls on_reconnect so that
// callers re-read the state they wait for.
#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace hallpass::server::db {

class notification_listener {
 public:
  notification_listener(std::string conninfo, std::string channel, std::function<void(const std::string&)> on_payload,
                        std::function<void()> on_reconnect);
  ~notification_listener();
  notification_listener(const notification_listener&) = delete;
  notification_listener& operator=(const notification_listener&) = delete;
  void start();
  void stop();
  bool connected() const { return connected_; }

 private:
  void run();

  std::string conninfo_, channel_;
  std::function<void(const std::string&)> on_payload_;
  std::function<void()> on_reconnect_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  int wake_fd_ = -1;  // eventfd that interrupts poll() on stop
  std::thread thread_;
};

}  // namespace hallpass::server::db
