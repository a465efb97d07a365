#pragma once
// The servers login_bench measures HallPass against, each a child process of the bench, stopped
// with it: nginx answering a static 200 with a generated configuration under its own temporary
// prefix, and oidc-provider with the device flow (oidc_peer.mjs). bench/login/setup.sh installs both.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hallpass::bench {

// A child process; SIGTERM and wait when destroyed.
class child {
 public:
  explicit child(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~child();
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// A peer answering on 127.0.0.1:port once ready() said so.
struct peer {
  std::string name, why_not;  // why_not: not installed, or did not start
  unsigned short port = 0;
  std::unique_ptr<child> process;
  std::filesystem::path dir;
  bool ready() const { return process && why_not.empty(); }
  peer() = default;
  peer(const peer&) = delete;
  peer& operator=(const peer&) = delete;
  ~peer();  // stops it and removes its folder
};

std::unique_ptr<peer> start_nginx();
std::unique_ptr<peer> start_oidc_provider();

}  // namespace hallpass::bench
