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
#include "hallpass/server/identity/tokens.hpp"

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

// Where clusters go when the `postgres` user cannot reach the data directory (root's clone
// under a mode-700 folder such as /root): one folder per data directory, named by a hash of
// its absolute path, with the data directory's `postgres` entry a symbolic link to it.
constexpr const char* relocated_root = "/var/lib/hallpass/clusters";

void make_searchable_dir(const fs::path& p) {
  if (fs::create_directories(p)) {
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec,
                    fs::perm_options::replace);
  }
}

// The folder the cluster of `dir` really lives in, as seen by `user` (empty: the current user).
// Creates the relocated folder and the link on first use.
std::string cluster_dir_for(const std::string& dir, const std::string& user) {
  if (user.empty()) return dir;
  std::error_code ec;
  if (fs::is_symlink(dir, ec)) {
    // Made by an earlier run: follow it (also after the clone was moved).
    fs::path target = fs::read_symlink(dir);
    if (target.is_relative()) target = fs::path(dir).parent_path() / target;
    target = target.lexically_normal();
    if (!user_can_reach(user, target.parent_path())) {
      throw std::runtime_error("the postgres user cannot reach " + target.string() + " (linked from " + dir + ")");
    }
    return target.string();  // created below when missing
  }
  if (user_can_reach(user, fs::path(dir).parent_path())) return dir;
  if (fs::exists(fs::path(dir) / "PG_VERSION")) {
    throw std::runtime_error("the postgres user cannot reach the cluster in " + dir +
                             " (a parent folder is not searchable): move it to " + relocated_root +
                             "/NAME and leave a symbolic link to it in its place, or make the parents searchable");
  }
  if (fs::exists(dir) && !fs::is_empty(dir)) {
    throw std::runtime_error("the postgres user cannot reach " + dir + ", which is not empty");
  }
  // A new cluster: in a folder of its own that the postgres user owns, outside the data directory.
  make_searchable_dir(fs::path(relocated_root).parent_path());
  make_searchable_dir(relocated_root);
  if (!user_can_reach(user, relocated_root)) {
    throw std::runtime_error("the postgres user cannot reach " + dir + " (a parent folder is not searchable), nor " +
                             relocated_root);
  }
  fs::path target = fs::path(relocated_root) / identity::sha256_hex(dir).substr(0, 16);
  fs::create_directories(target);
  fs::permissions(target, fs::perms::owner_all, fs::perm_options::replace);
  chown_to(target.string(), user);
  {
    // For the operator: which data directory this cluster belongs to.
    std::ofstream note(target.string() + ".source");
    note << dir << "\n";
  }
  fs::remove(dir, ec);  // an empty folder
  fs::create_directory_symlink(target, dir, ec);
  if (ec && !(fs::is_symlink(dir) && fs::read_symlink(dir) == target)) {  // another process may have made it
    throw std::runtime_error("cannot link " + dir + " to " + target.string() + ": " + ec.message());
  }
  return target.string();
}

// A value for a libpq key=value string: quoted when it holds a space, a quote or a backslash.
std::string conninfo_value(const std::string& v) {
  if (!v.empty() && v.find_first_of(" '\\\t") == std::string::npos) return v;
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
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
  // From here on dir_ is where the cluster really is (a relocated folder when run as root and
  // the data directory is out of the postgres user's reach).
  dir_ = cluster_dir_for(dir_, run_as_);

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

  std::string base = "host=" + conninfo_value(socket_dir_) + " port=" + port + " user=hallpass";
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
