#pragma once
// A private PostgreSQL cluster under a data directory, run with Debian's initdb/pg_ctl.
// It listens only on a Unix socket inside its own directory (no TCP port to collide with).
// When the process runs as root, the cluster runs as the unprivileged `postgres` user,
// since PostgreSQL refuses to run as root. If that user cannot reach dir (a clone under a
// mode-700 folder such as /root), the cluster lives in /var/lib/hallpass/clusters/<hash of
// dir>, owned by postgres, and dir becomes a symbolic link to it, so later runs find it.
#include <string>
#include <vector>

namespace hallpass::server::db {

class embedded_postgres {
 public:
  // dir: where the cluster lives (created on first start).
  explicit embedded_postgres(std::string dir);
  ~embedded_postgres();  // stops the cluster if this object started or adopted it and should_stop()
  embedded_postgres(const embedded_postgres&) = delete;
  embedded_postgres& operator=(const embedded_postgres&) = delete;

  // Creates the cluster on first use, removes a stale postmaster.pid left by a crash, starts
  // the server (or adopts one already running on this directory) and creates the database.
  // Returns the libpq connection string. Throws std::runtime_error with a readable message.
  std::string start(const std::string& database = "hallpass");
  void stop();
  // Leave the cluster running when this object goes away (used by `hallpass-admin postgres start`).
  void keep_running() { stop_on_exit_ = false; }
  // Whether start() found the server already running.
  bool adopted() const { return adopted_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string bin_dir_;
  std::string socket_dir_;
  std::string run_as_;  // empty: the current user
  bool running_ = false;
  bool adopted_ = false;
  bool stop_on_exit_ = true;

  int run(const std::vector<std::string>& argv, std::string* output = nullptr) const;
  bool server_running() const;
};

}  // namespace hallpass::server::db
