#include "service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace hallpass::kiosk {

bool notify_service(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::size_t n = std::strlen(path);
  if (n >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path, n);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // an abstract socket
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n);
  bool sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len) ==
              static_cast<ssize_t>(state.size());
  ::close(fd);
  return sent;
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (!usec) return std::nullopt;
  if (pid && std::atol(pid) != ::getpid()) return std::nullopt;
  long long us = std::atoll(usec);
  if (us <= 0) return std::nullopt;
  return std::chrono::microseconds(us / 2);
}

}  // namespace hallpass::kiosk
