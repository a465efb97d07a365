#include "tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace hallpass::kiosk::test {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

tcp_proxy::tcp_proxy(int upstream_port) : upstream_(upstream_port) { listen_on(0); }

tcp_proxy::~tcp_proxy() {
  down();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  for (int fd : open_) ::close(fd);
}

void tcp_proxy::listen_on(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto a = loopback(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("tcp_proxy: cannot listen");
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::lock_guard lock(mutex_);
  port_ = ntohs(a.sin_port);
  listen_fd_ = fd;
  threads_.emplace_back([this, fd] { accept_loop(fd); });
}

void tcp_proxy::accept_loop(int listen_fd) {
  for (;;) {
    int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;  // down(): the listening socket was shut
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto a = loopback(upstream_);
    if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(client);
      ::close(server);
      continue;
    }
    std::lock_guard lock(mutex_);
    if (listen_fd_ != listen_fd) {  // went down meanwhile
      ::close(client);
      ::close(server);
      return;
    }
    open_.push_back(client);
    open_.push_back(server);
    threads_.emplace_back([this, client, server] { pump(client, server); });
    threads_.emplace_back([this, client, server] { pump(server, client); });
  }
}

void tcp_proxy::pump(int from, int to) {
  char buf[65536];
  for (;;) {
    auto n = ::recv(from, buf, sizeof buf, 0);
    if (n <= 0) break;
    for (ssize_t sent = 0; sent < n;) {
      auto m = ::send(to, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
      if (m <= 0) return (void)::shutdown(from, SHUT_RDWR);
      sent += m;
    }
  }
  ::shutdown(to, SHUT_RDWR);
}

void tcp_proxy::down() {
  std::lock_guard lock(mutex_);
  if (listen_fd_ >= 0) {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
}

void tcp_proxy::up() { listen_on(port_); }

}  // namespace hallpass::kiosk::test
