#pragma once
// A loopback TCP proxy that can cut the network: between the kiosk and the server in the outage
// test. down() closes the listening socket and every connection through it, so the kiosk sees
// what it sees when the server is gone (connection refused); up() listens again on the same port.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace hallpass::kiosk::test {

class tcp_proxy {
 public:
  explicit tcp_proxy(int upstream_port);
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  int port() const { return port_; }
  void down();
  void up();

 private:
  void listen_on(int port);
  void accept_loop(int listen_fd);
  void pump(int from, int to);

  int upstream_;
  int port_ = 0;
  std::mutex mutex_;
  int listen_fd_ = -1;
  std::vector<int> open_;  // sockets of the connections through it
  std::vector<std::thread> threads_;
};

}  // namespace hallpass::kiosk::test
