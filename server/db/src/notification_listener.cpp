#include "hallpass/server/db/notification_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>

namespace hallpass::server::db {

notification_listener::notification_listener(std::string conninfo, std::string channel,
                                             std::function<void(const std::string&)> on_payload,
                                             std::function<void(connection&)> on_reconnect, connection_settings settings,
                                             std::chrono::milliseconds idle_check)
    : conninfo_(std::move(conninfo)),
      channel_(std::move(channel)),
      on_payload_(std::move(on_payload)),
      on_reconnect_(std::move(on_reconnect)),
      settings_(settings),
      idle_check_(idle_check),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

notification_listener::~notification_listener() {
  stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void notification_listener::start() { thread_ = std::thread([this] { run(); }); }

void notification_listener::stop() {
  stop_ = true;
  std::uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

bool notification_listener::pause(std::chrono::milliseconds d) {
  pollfd p{wake_fd_, POLLIN, 0};
  poll(&p, 1, static_cast<int>(d.count()));
  return !stop_;
}

void notification_listener::run() {
  using namespace std::chrono_literals;
  bool first = true;
  auto backoff = 250ms;
  while (!stop_) {
    std::unique_ptr<connection> conn;
    try {
      conn = std::make_unique<connection>(conninfo_, settings_);
      conn->exec_script("LISTEN " + channel_);
      if (!first) on_reconnect_(*conn);  // missed notifications are read before the memory is trusted again
    } catch (const db_error&) {
      if (!pause(backoff)) return;
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 5s);
      continue;
    }
    first = false;
    backoff = 250ms;
    connected_ = true;
    try {
      listen_on(*conn);
    } catch (const db_error&) {
      // Lost: reconnect.
    }
    connected_ = false;
  }
}

// Delivers notifications until the connection fails or stops answering, or stop().
void notification_listener::listen_on(connection& c) {
  std::chrono::milliseconds ping_within = settings_.connect_timeout.count() > 0 ? settings_.connect_timeout
                                                                                : std::chrono::seconds(5);
  pg_conn* pc = c.native();
  while (!stop_) {
    // First what arrived while a statement ran on the connection (a re-read, a ping).
    while (PGnotify* note = PQnotifies(pc)) {
      std::string payload = note->extra ? note->extra : "";
      PQfreemem(note);
      on_payload_(payload);
    }
    if (PQstatus(pc) != CONNECTION_OK) return;
    pollfd fds[2] = {{PQsocket(pc), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(idle_check_.count()));
    if (n < 0 && errno != EINTR) return;
    if (n == 0) c.ping(ping_within);  // idle: make sure PostgreSQL still answers
    if (n > 0 && fds[0].revents && !PQconsumeInput(pc)) return;
  }
}

}  // namespace hallpass::server::db
