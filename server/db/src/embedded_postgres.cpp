#include "hallpass/server/db/embedded_postgres.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "hallpass/server/db/database.hpp"

extern char** environ;

namespace hallpass::server::db {

namespace fs = std::filesystem;

namespace {

constexpr const char* port = "5432";

std::string find_bin_dir() {
  // Debian keeps the server binaries per major version; take the newest.
  std::string best;
  int best_version = 0;
  std::error_code ec;
  for (auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int v = std::atoi(e.path().filename().c_str());
    if (v > best_version && fs::exists(e.path() / "bin" / "pg_ctl")) {
      best_version = v;
      best = (e.path() / "bin").string();
    }
  }
  if (best.empty()) {
    throw std::runtime_error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql (install the `postgresql` package, "
        "or configure database_url)");
  }
  return best;
}

bool process_alive(pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) return false;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name.rfind("postgres", 0) == 0;  // a reused pid of another program does not count
}

void chown_to(const std::string& path, const std::string& user) {
  if (user.empty()) return;
  if (passwd* pw = getpwnam(user.c_str())) {
    if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + path + " to user " + user);
    }
  }
}

bool user_can_reach(const std::string& user, const std::string& path) {
  // Every parent must be searchable by the unprivileged user.
  passwd* pw = getpwnam(user.c_str());
  if (!pw) return false;
  for (fs::path p = fs::absolute(path); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    struct stat st {};
    if (stat(p.c_str(), &st) != 0) continue;
    bool ok = (st.st_uid == pw->pw_uid && (st.st_mode & S_IXUSR)) ||
              (st.st_gid == pw->pw_gid && (st.st_mode & S_IXGRP)) || (st.st_mode & S_IXOTH);
    if (!ok) return false;
  }
  return true;
}

}  // namespace

embedded_postgres::embedded_postgres(std::string dir) : dir_(fs::absolute(dir).lexically_normal().string()) {}

embedded_postgres::~embedded_postgres() {
  if (running_ && stop_on_exit_) {
    try {
      stop();
    } catch (...) {
    }
  }
}

int embedded_postgres::run(const std::vector<std::string>& argv, std::string* output) const {
  std::vector<std::string> full;
  if (!run_as_.empty()) full = {"/usr/sbin/runuser", "-u", run_as_, "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  std::vector<char*> args;
  for (auto& a : full) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  std::string log = dir_ + ".cmd.log";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot run " + full[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  fs::remove(log);
  if (output) *output = ss.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool embedded_postgres::server_running() const {
  std::ifstream pidfile(dir_ + "/postmaster.pid");
  pid_t pid = 0;
  return pidfile >> pid && process_alive(pid);
}

std::string embedded_postgres::start(const std::string& database) {
  bin_dir_ = find_bin_dir();
  if (geteuid() == 0) {
    run_as_ = "postgres";
    if (!getpwnam("postgres")) throw std::runtime_error("running as root needs the `postgres` system user");
  }
  fs::create_directories(fs::path(dir_).parent_path());
  if (!run_as_.empty() && !user_can_reach(run_as_, fs::path(dir_).parent_path())) {
    throw std::runtime_error("the postgres user cannot reach " + dir_ +
                             " (a parent folder is not searchable); choose another data directory");
  }

  // The socket path must fit in sun_path (108 bytes); fall back to a private folder in /tmp.
  socket_dir_ = dir_;
  if (socket_dir_.size() + 20 > 100) {
    socket_dir_ = "/tmp/hallpass-pg-" + std::to_string(std::hash<std::string>{}(dir_) % 1000000007);
    fs::create_directories(socket_dir_);
    fs::permissions(socket_dir_, fs::perms::owner_all, fs::perm_options::replace);
    chown_to(socket_dir_, run_as_);
  }

  if (!fs::exists(dir_ + "/PG_VERSION")) {
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace);
    chown_to(dir_, run_as_);
    std::string out;
    int rc = run({bin_dir_ + "/initdb", "-D", dir_, "-U", "hallpass", "-E", "UTF8", "--locale=C.UTF-8",
                  "--auth-local=trust", "--auth-host=reject", "--no-sync"},
                 &out);
    if (rc != 0) throw std::runtime_error("initdb failed in " + dir_ + ":\n" + out);
  }

  if (server_running()) {
    adopted_ = true;  // left running by an earlier process (e.g. after a crash): use it
  } else {
    // A crash can leave postmaster.pid behind; with no live postgres behind it, it is stale.
    std::error_code ec;
    fs::remove(dir_ + "/postmaster.pid", ec);
    std::string opts = "-c listen_addresses='' -c unix_socket_directories='" + socket_dir_ + "' -c port=" + port +
                       " -c max_connections=200 -c shared_buffers=128MB -c fsync=on";
    std::string out;
    int rc = run({bin_dir_ + "/pg_ctl", "-D", dir_, "-o", opts, "-l", dir_ + "/server.log", "-w", "-t", "60",
                  "start"},
                 &out);
    if (rc != 0) {
      std::ifstream log(dir_ + "/server.log");
      std::stringstream tail;
      tail << log.rdbuf();
      auto s = tail.str();
      if (s.size() > 2000) s = s.substr(s.size() - 2000);
      throw std::runtime_error("PostgreSQL did not start in " + dir_ + ":\n" + out + s);
    }
  }
  running_ = true;

  std::string base = "host=" + socket_dir_ + " port=" + port + " user=hallpass";
  connection admin(base + " dbname=postgres");
  auto exists = admin.exec("SELECT 1 FROM pg_database WHERE datname = $1", {database});
  if (exists.empty()) {
    try {
      admin.exec_script("CREATE DATABASE \"" + database + "\"");
    } catch (const db_error& e) {
      if (e.kind() != error_kind::unique_violation && e.sqlstate() != "42P04") throw;
    }
  }
  return base + " dbname=" + database;
}

void embedded_postgres::stop() {
  if (!running_) return;
  run({bin_dir_ + "/pg_ctl", "-D", dir_, "-m", "fast", "-w", "-t", "60", "stop"});
  running_ = false;
}

}  // namespace hallpass::server::db
