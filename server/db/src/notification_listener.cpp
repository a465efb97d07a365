#include "hallpass/server/db/notification_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <memory>


namespace hallpass::server::db {

notification_listener::notification_listener(std::string conninfo, std::string channel,
                                             std::function<void(const std::string&)> on_payload,
                                             std::function<void()> on_reconnect)
    : conninfo_(std::move(conninfo)),
      channel_(std::move(channel)),
      on_payload_(std::move(on_payload)),
      on_reconnect_(std::move(on_reconnect)),
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

void notification_listener::run() {
  bool first = true;
  while (!stop_) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo_.c_str()), &PQfinish);
    bool ok = conn && PQstatus(conn.get()) == CONNECTION_OK;
    if (ok) {
      std::string sql = "LISTEN " + channel_;
      PGresult* r = PQexec(conn.get(), sql.c_str());
      ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
    if (!ok) {
      connected_ = false;
      pollfd p{wake_fd_, POLLIN, 0};
      poll(&p, 1, 1000);  // retry in a second, or stop
      continue;
    }
    connected_ = true;
    if (!first) {
      on_reconnect_();
    }
    first = false;
    while (!stop_) {
      pollfd fds[2] = {{PQsocket(conn.get()), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int n = poll(fds, 2, 5000);
      if (n < 0 && errno != EINTR) break;
      if (n == 0) {  // idle: make sure the connection is still alive
        PGresult* r = PQexec(conn.get(), "SELECT 1");
        bool alive = r && PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        if (!alive) break;
      }
      if (!PQconsumeInput(conn.get())) break;
      while (PGnotify* note = PQnotifies(conn.get())) {
        std::string payload = note->extra ? note->extra : "";
        PQfreemem(note);
        on_payload_(payload);
      }
      if (PQstatus(conn.get()) != CONNECTION_OK) break;
    }
    connected_ = false;
  }
}

}  // namespace hallpass::server::db
