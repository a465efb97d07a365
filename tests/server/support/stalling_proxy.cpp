#include "support/stalling_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <sstream>
#include <stdexcept>

namespace hallpass::test {

struct stalling_proxy::link {
  int client = -1;
  int upstream = -1;  // -1: accepted while stalled, never forwarded
  std::atomic<bool> silent{false};
  ~link() {
    if (client >= 0) close(client);
    if (upstream >= 0) close(upstream);
  }
};

stalling_proxy::stalling_proxy(const std::string& conninfo) {
  std::istringstream words(conninfo);
  std::string w;
  while (words >> w) {  // the last of a repeated key counts, as in libpq
    if (w.rfind("host=", 0) == 0) upstream_host_ = w.substr(5);
    if (w.rfind("port=", 0) == 0) upstream_port_ = static_cast<unsigned short>(std::stoi(w.substr(5)));
  }
  if (upstream_host_.empty()) upstream_host_ = "/var/run/postgresql";
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("stalling_proxy: cannot listen");
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

stalling_proxy::~stalling_proxy() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  close(listen_fd_);
}

std::string stalling_proxy::through(const std::string& conninfo) const {
  return conninfo + " host=127.0.0.1 port=" + std::to_string(port_);
}

void stalling_proxy::stall() {
  std::lock_guard lock(mutex_);
  stalled_ = true;
  for (auto& l : links_) l->silent = true;
}

void stalling_proxy::resume() { stalled_ = false; }

int stalling_proxy::connect_upstream() const {
  if (upstream_host_[0] == '/') {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    auto path = upstream_host_ + "/.s.PGSQL." + std::to_string(upstream_port_);
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    close(fd);
    return -1;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(upstream_port_);
  inet_pton(AF_INET, upstream_host_ == "localhost" ? "127.0.0.1" : upstream_host_.c_str(), &a.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  close(fd);
  return -1;
}

void stalling_proxy::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    auto l = std::make_shared<link>();
    l->client = fd;
    if (stalled_) {
      l->silent = true;
    } else if ((l->upstream = connect_upstream()) < 0) {
      continue;  // closes the client: PostgreSQL itself is not there
    }
    std::lock_guard lock(mutex_);
    if (stalled_) l->silent = true;
    links_.push_back(l);
    threads_.emplace_back([this, l] { pump(l); });
  }
}

// Copies bytes both ways until either side closes (then closes both); once silent, reads and
// drops what the client sends until the client closes.
void stalling_proxy::pump(std::shared_ptr<link> l) {
  copy(*l);
  shutdown(l->client, SHUT_RDWR);
  if (l->upstream >= 0) shutdown(l->upstream, SHUT_RDWR);
}

void stalling_proxy::copy(link& link) {
  auto* l = &link;
  char buf[16384];
  while (!stop_) {
    bool silent = l->silent;
    pollfd p[2] = {{l->client, POLLIN, 0}, {silent ? -1 : l->upstream, POLLIN, 0}};
    if (poll(p, 2, 100) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        if (silent && i == 0) return;  // the client gave up: its side closes
        if (!silent) return;
        continue;
      }
      if (l->silent) continue;  // dropped
      int to = i == 0 ? l->upstream : l->client;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, static_cast<std::size_t>(n - off));
        if (w <= 0) return;
        off += w;
      }
    }
  }
}

}  // namespace hallpass::test
