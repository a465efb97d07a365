#pragma once
// A TCP proxy on a loopback port in front of the test PostgreSQL, for tests of a database that
// stops answering. stall() makes it behave like a PostgreSQL host that vanished without a word:
// every connection stays open and its bytes are taken and dropped, no answer and no close.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hallpass::test {

class stalling_proxy {
 public:
  // Forwards to the PostgreSQL named by a key=value libpq string (host: a socket directory or
  // a TCP host; port).
  explicit stalling_proxy(const std::string& conninfo);
  ~stalling_proxy();
  stalling_proxy(const stalling_proxy&) = delete;
  stalling_proxy& operator=(const stalling_proxy&) = delete;

  unsigned short port() const { return port_; }
  // `conninfo` (key=value) with host and port leading through this proxy.
  std::string through(const std::string& conninfo) const;
  // Every connection open now goes silent for good; new ones are accepted but go silent too,
  // until resume().
  void stall();
  // New connections are forwarded again; the silenced ones stay silent (their peer is gone).
  void resume();

 private:
  struct link;
  void accept_loop();
  void pump(std::shared_ptr<link> l);
  void copy(link& l);
  int connect_upstream() const;

  std::string upstream_host_;
  unsigned short upstream_port_ = 5432;
  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> stalled_{false};
  std::mutex mutex_;
  std::vector<std::shared_ptr<link>> links_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace hallpass::test
