#include "peers.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <thread>

#include "hallpass/client/connection.hpp"
#include "support/test_tools.hpp"

extern char** environ;

namespace hallpass::bench {

namespace fs = std::filesystem;

child::child(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  if (posix_spawnp(&pid_, args[0], &files, nullptr, args.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&files);
}

child::~child() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

peer::~peer() {
  process.reset();
  if (!dir.empty()) fs::remove_all(dir);
}

namespace {

// Waits until the port answers HTTP (any status), up to 60 s.
bool answers(unsigned short port, pid_t pid) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return false;
    try {
      client::connection c(client::loopback(port));
      if (c.send({.method = "GET", .target = "/"}).status > 0) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("login_bench_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

}  // namespace

std::unique_ptr<peer> start_nginx() {
  auto out = std::make_unique<peer>();
  auto& p = *out;
  p.name = "nginx static 200";
  if (!fs::exists("/usr/sbin/nginx")) {
    p.why_not = "nginx is not installed (bench/login/setup.sh)";
    return out;
  }
  p.dir = fresh_dir("nginx");
  p.port = test::free_port();
  auto d = p.dir.string();
  std::ofstream(p.dir / "nginx.conf")
      << "daemon off; worker_processes auto; pid " << d << "/nginx.pid; error_log " << d << "/error.log;\n"
      << "events { worker_connections 4096; }\n"
      << "http { access_log off; client_body_temp_path " << d << "/body; proxy_temp_path " << d << "/proxy;\n"
      << "  fastcgi_temp_path " << d << "/fastcgi; uwsgi_temp_path " << d << "/uwsgi; scgi_temp_path " << d << "/scgi;\n"
      << "  server { listen 127.0.0.1:" << p.port << "; location / { return 200 \"ok\\n\"; } } }\n";
  p.process = std::make_unique<child>(
      std::vector<std::string>{"/usr/sbin/nginx", "-p", d, "-c", d + "/nginx.conf"}, p.dir / "out.log");
  if (!answers(p.port, p.process->pid())) p.why_not = "nginx did not start (see " + d + "/error.log)";
  return out;
}

std::unique_ptr<peer> start_oidc_provider() {
  auto out = std::make_unique<peer>();
  auto& p = *out;
  p.name = "oidc-provider 8.8.1";
  fs::path script = fs::path(HALLPASS_BENCH_LOGIN_DIR) / "oidc_peer.mjs";
  if (!fs::exists(fs::path(HALLPASS_BENCH_LOGIN_DIR) / "oidc" / "node_modules" / "oidc-provider")) {
    p.why_not = "oidc-provider is not installed (bench/login/setup.sh)";
    return out;
  }
  p.dir = fresh_dir("oidc");
  p.port = test::free_port();
  p.process = std::make_unique<child>(std::vector<std::string>{"node", script.string(), std::to_string(p.port)},
                                      p.dir / "out.log");
  if (!answers(p.port, p.process->pid())) p.why_not = "oidc-provider did not start";
  return out;
}

}  // namespace hallpass::bench
