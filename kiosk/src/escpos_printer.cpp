// The transport of ESC/POS jobs: plain POSIX sockets and files, every wait bounded by poll().
#include "hallpass/kiosk/escpos_printer.hpp"

#include "hallpass/kiosk/escpos.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <system_error>
#include <utility>

namespace hallpass::kiosk {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// A device may answer the status query or not (one-way printers): wait only this long for it.
constexpr milliseconds device_status_wait{500};
// After the job, how long to wait for the printer to close its side.
constexpr milliseconds close_wait{2000};

print_outcome outcome(std::string_view code, std::string detail = {}) {
  print_outcome o;
  o.code = std::string(code);
  o.detail = std::move(detail);
  if (code == "printed") {
    o.ok = true;
    o.message_zh = "回执已打印，请取走";
    o.message_en = "The receipt has been printed; please take it.";
  } else if (code == "paper_out") {
    o.message_zh = "打印机缺纸，请联系工作人员";
    o.message_en = "The printer is out of paper; please ask the staff.";
  } else if (code == "unreachable") {
    o.message_zh = "无法连接打印机，请联系工作人员";
    o.message_en = "The printer cannot be reached; please ask the staff.";
  } else if (code == "timeout") {
    o.message_zh = "打印机没有响应，请联系工作人员";
    o.message_en = "The printer did not respond; please ask the staff.";
  } else if (code == "invalid_target") {
    o.message_zh = "打印机设置有误，请联系工作人员";
    o.message_en = "The printer setting is not valid; please ask the staff.";
  } else {
    o.message_zh = "打印失败，请联系工作人员";
    o.message_en = "Printing failed; please ask the staff.";
  }
  return o;
}

std::string errno_text(int e) { return std::system_category().message(e); }

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or `deadline` passes: 1 ready, 0 timed out, -1 error.
int wait_until(int fd, short events, steady::time_point deadline) {
  pollfd p{fd, events, 0};
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady::now()).count();
    const int r = ::poll(&p, 1, static_cast<int>(std::clamp<long long>(left, 0, 1'000'000)));
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

enum class io { done, timed_out, failed };

// Writes all of `bytes`; each wait for the peer or device to take more is bounded by `timeout`.
io write_all(int fd, std::string_view bytes, milliseconds timeout, bool is_socket, int& error) {
  while (!bytes.empty()) {
    const ssize_t n = is_socket ? ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL)
                                : ::write(fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int r = wait_until(fd, POLLOUT, steady::now() + timeout);
      if (r == 0) return io::timed_out;
      if (r < 0) return error = errno, io::failed;
    } else {
      return error = n < 0 ? errno : EIO, io::failed;
    }
  }
  return io::done;
}

// Reads one byte within `timeout`. failed with error 0: the other side closed.
io read_byte(int fd, milliseconds timeout, unsigned char& byte, int& error) {
  const auto deadline = steady::now() + timeout;
  while (true) {
    const ssize_t n = ::read(fd, &byte, 1);
    if (n == 1) return io::done;
    if (n == 0) return error = 0, io::failed;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return error = errno, io::failed;
    const int r = wait_until(fd, POLLIN, deadline);
    if (r == 0) return io::timed_out;
    if (r < 0) return error = errno, io::failed;
  }
}

// Connects to host:port, trying each address in turn, all within `timeout`.
// Returns the connected non-blocking socket, or -1 with `failure` filled in.
int connect_tcp(const printer_target& t, milliseconds timeout, print_outcome& failure) {
  const auto deadline = steady::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto where = t.host + ":" + std::to_string(t.port);
  if (int e = ::getaddrinfo(t.host.c_str(), std::to_string(t.port).c_str(), &hints, &found); e != 0) {
    failure = outcome("unreachable", "resolve " + where + ": " + ::gai_strerror(e));
    return -1;
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd_guard s(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (s.get() < 0) {
      last_error = errno_text(errno);
      continue;
    }
    int error = 0;
    if (::connect(s.get(), a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = errno_text(errno);
        continue;
      }
      const int r = wait_until(s.get(), POLLOUT, deadline);
      if (r == 0) {
        ::freeaddrinfo(found);
        failure = outcome("timeout", "connect " + where + ": no answer within " + std::to_string(timeout.count()) + " ms");
        return -1;
      }
      socklen_t length = sizeof error;
      if (r < 0) error = errno;
      else if (::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    }
    if (error == 0) {
      ::freeaddrinfo(found);
      return s.release();
    }
    last_error = errno_text(error);
  }
  ::freeaddrinfo(found);
  failure = outcome("unreachable", "connect " + where + ": " + last_error);
  return -1;
}

print_outcome print_tcp(const printer_target& t, std::string_view job, milliseconds timeout) {
  print_outcome failure;
  fd_guard s(connect_tcp(t, timeout, failure));
  if (s.get() < 0) return failure;
  const auto where = t.host + ":" + std::to_string(t.port);

  int error = 0;
  unsigned char answer = 0;
  const io asked = write_all(s.get(), escpos_status_query(), timeout, true, error);
  const io answered = asked == io::done ? read_byte(s.get(), timeout, answer, error) : asked;
  if (answered == io::timed_out)
    return outcome("timeout", "status query to " + where + ": no answer within " + std::to_string(timeout.count()) + " ms");
  if (answered == io::failed)
    return outcome("io_error", "status query to " + where + ": " + (error ? errno_text(error) : "connection closed"));
  const auto status = parse_paper_status(answer);
  if (!status) return outcome("io_error", "status query to " + where + ": not a paper status byte " + std::to_string(answer));
  if (status->paper_out) return outcome("paper_out", "paper end reported by " + where);

  switch (write_all(s.get(), job, timeout, true, error)) {
    case io::timed_out:
      return outcome("timeout", "job to " + where + ": the printer stopped taking data for " + std::to_string(timeout.count()) + " ms");
    case io::failed:
      return outcome("io_error", "job to " + where + ": " + errno_text(error));
    case io::done:
      break;
  }
  // End the job, then read until the printer closes: a real printer answers any DLE EOT byte
  // pattern inside the image data, and closing a socket with unread bytes resets the
  // connection, which can make the printer drop the end of the job.
  ::shutdown(s.get(), SHUT_WR);
  const auto deadline = steady::now() + std::min(timeout, close_wait);
  char sink[256];
  while (wait_until(s.get(), POLLIN, deadline) > 0) {
    const ssize_t n = ::read(s.get(), sink, sizeof sink);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
  }
  auto printed = outcome("printed");
  printed.paper_near_end = status->paper_near_end;
  return printed;
}

print_outcome print_file(const printer_target& t, std::string_view job, milliseconds timeout) {
  struct stat st {};
  if (::stat(t.path.c_str(), &st) != 0) {
    const int e = errno;
    return outcome(e == ENOENT || e == ENOTDIR ? "unreachable" : "io_error", t.path + ": " + errno_text(e));
  }
  const bool device = S_ISCHR(st.st_mode);
  // Non-blocking, so that an offline printer cannot hang the kiosk: every wait goes through poll().
  // A device is opened for reading too when it allows it, for the printer's status answer.
  int fd = device ? ::open(t.path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) : -1;
  const bool can_read = fd >= 0;
  if (fd < 0) fd = ::open(t.path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    const bool absent = e == ENOENT || e == ENXIO || e == ENODEV || e == EBUSY || e == ENOTDIR;
    return outcome(absent ? "unreachable" : "io_error", "open " + t.path + ": " + errno_text(e));
  }
  fd_guard f(fd);
  if (S_ISREG(st.st_mode) && ::ftruncate(f.get(), 0) != 0) return outcome("io_error", "truncate " + t.path + ": " + errno_text(errno));

  bool near_end = false;
  int error = 0;
  if (can_read) {
    const auto wait = std::min(timeout, device_status_wait);
    unsigned char answer = 0;
    if (write_all(f.get(), escpos_status_query(), wait, false, error) == io::done &&
        read_byte(f.get(), wait, answer, error) == io::done) {
      const auto status = parse_paper_status(answer);
      if (status && status->paper_out) return outcome("paper_out", "paper end reported by " + t.path);
      near_end = status && status->paper_near_end;
    }
  }
  switch (write_all(f.get(), job, timeout, false, error)) {
    case io::timed_out:
      return outcome("timeout", "job to " + t.path + ": the printer stopped taking data for " + std::to_string(timeout.count()) + " ms");
    case io::failed:
      return outcome("io_error", "write " + t.path + ": " + errno_text(error));
    case io::done:
      break;
  }
  if (::close(f.release()) != 0) return outcome("io_error", "close " + t.path + ": " + errno_text(errno));
  auto printed = outcome("printed");
  printed.paper_near_end = near_end;
  return printed;
}

bool valid_host(std::string_view host, bool bracketed) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [&](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
           c == '_' || (bracketed && (c == ':' || c == '%'));
  });
}

}  // namespace

std::optional<printer_target> parse_printer_target(std::string_view text) {
  if (text.starts_with("file:")) {
    auto path = text.substr(5);
    if (path.starts_with("///")) path.remove_prefix(2);
    if (path.empty() || path.find('\0') != std::string_view::npos) return std::nullopt;
    printer_target t;
    t.type = printer_target::kind::file;
    t.path = std::string(path);
    return t;
  }
  if (!text.starts_with("tcp://")) return std::nullopt;
  auto rest = text.substr(6);
  if (rest.ends_with('/')) rest.remove_suffix(1);
  std::string_view host = rest, port;
  bool bracketed = false;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = rest.substr(1, close - 1);
    bracketed = true;
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.size() < 2 || after[0] != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return std::nullopt;
  }
  if (!valid_host(host, bracketed)) return std::nullopt;
  printer_target t;
  t.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535) return std::nullopt;
    t.port = static_cast<std::uint16_t>(value);
  }
  return t;
}

print_outcome print_receipt(const std::string& target, const std::string& escpos_bytes, std::chrono::milliseconds timeout) {
  const auto t = parse_printer_target(target);
  if (!t) return outcome("invalid_target", "not a printer target: " + target);
  return t->type == printer_target::kind::tcp ? print_tcp(*t, escpos_bytes, timeout) : print_file(*t, escpos_bytes, timeout);
}

}  // namespace hallpass::kiosk
