#include "escpos_listener.hpp"

#include <arpa/inet.h>
#include <iconv.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace hallpass::kiosk::test {

namespace {

constexpr unsigned char ESC = 0x1b, GS = 0x1d, FS = 0x1c, DLE = 0x10, EOT = 0x04, LF = 0x0a;
constexpr int poll_step_ms = 50;  // how often the threads look at the stop flag

std::string hex(unsigned char b) {
  char s[8];
  std::snprintf(s, sizeof s, "%02X", b);
  return s;
}

// GB18030 -> UTF-8 with glibc's iconv; false on bytes that are not GB18030.
bool gb18030_to_utf8(std::string_view gb, std::string& utf8) {
  iconv_t cd = ::iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  utf8.assign(gb.size() * 2 + 4, '\0');  // UTF-8 needs at most 2 bytes per GB18030 byte
  char* in = const_cast<char*>(gb.data());
  std::size_t in_left = gb.size();
  char* out = utf8.data();
  std::size_t out_left = utf8.size();
  const bool ok = ::iconv(cd, &in, &in_left, &out, &out_left) != static_cast<std::size_t>(-1);
  ::iconv_close(cd);
  utf8.resize(utf8.size() - out_left);
  return ok;
}

// The printer's state while it reads one job.
struct decoder {
  std::string_view b;
  printed_job job;
  std::size_t i = 0;
  int align = 0;
  bool bold = false;
  int width_scale = 1, height_scale = 1;
  bool chinese = false;
  std::string pending;  // GB18030 bytes of the line being built
  int pending_columns = 0;
  printed_line line_format;  // the modes in force when the line's first character came

  bool need(std::size_t n) {
    if (i + n <= b.size()) return true;
    job.errors.push_back("truncated command at byte " + std::to_string(i));
    return false;
  }
  unsigned char at(std::size_t k) const { return static_cast<unsigned char>(b[i + k]); }
  void error(const std::string& what) { job.errors.push_back(what + " at byte " + std::to_string(i)); }

  void print_line() {
    printed_line l = pending.empty() ? current_format() : line_format;
    if (!gb18030_to_utf8(pending, l.text)) error("text that is not GB18030");
    l.columns = pending_columns;
    l.rasters_before = static_cast<int>(job.rasters.size());
    job.lines.push_back(std::move(l));
    pending.clear();
    pending_columns = 0;
  }
  printed_line current_format() const {
    printed_line f;
    f.align = align;
    f.bold = bold;
    f.width_scale = width_scale;
    f.height_scale = height_scale;
    return f;
  }
  void add_text(std::size_t length) {
    if (pending.empty()) line_format = current_format();
    pending.append(b.substr(i, length));
    pending_columns += (length == 1 ? 1 : 2) * width_scale;
    i += length;
  }

  // GS v 0 m xL xH yL yH d1..dk: rows top to bottom, MSB the leftmost dot, 1 black; m scales
  // (1 double width, 2 double height, 3 both).
  bool raster() {
    if (!need(8)) return false;
    const int m = at(3) >= '0' ? at(3) - '0' : at(3);
    const int width_bytes = at(4) + at(5) * 256, height = at(6) + at(7) * 256;
    if (at(2) != '0' || m > 3 || width_bytes == 0 || height == 0) {
      error("bad GS v 0 header");
      return false;
    }
    if (!need(8 + static_cast<std::size_t>(width_bytes) * height)) return false;
    if (!pending.empty()) error("GS v 0 with text in the print buffer (a printer ignores it)");
    const int sx = m & 1 ? 2 : 1, sy = m & 2 ? 2 : 1;
    cv::Mat image(height * sy, width_bytes * 8 * sx, CV_8UC1, cv::Scalar(255));
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width_bytes * 8; ++x)
        if (at(8 + static_cast<std::size_t>(y) * width_bytes + x / 8) & (0x80 >> (x % 8)))
          image(cv::Rect(x * sx, y * sy, sx, sy)).setTo(0);
    job.rasters.push_back({image, align, static_cast<int>(job.lines.size())});
    i += 8 + static_cast<std::size_t>(width_bytes) * height;
    return true;
  }

  // One command or character; false when decoding cannot go on (command length unknown).
  bool step() {
    const unsigned char c = at(0);
    if (c == LF) {
      print_line();
      ++i;
    } else if (c == ESC) {
      if (!need(2)) return false;
      const unsigned char cmd = at(1);
      if (cmd == '@') {  // initialise
        *this = decoder{b, std::move(job), i + 2};
        return true;
      }
      if (!need(3)) return false;
      const unsigned char n = at(2);
      if (cmd == 'a') {
        if (!pending.empty()) error("ESC a in the middle of a line (a printer ignores it)");
        if (n <= 2 || (n >= '0' && n <= '2')) align = n % 48;
        else error("ESC a " + hex(n));
      } else if (cmd == 'E') {
        bold = n & 1;
      } else if (cmd == 'd') {
        if (!pending.empty()) print_line();
        job.feed_lines += n;
      } else {
        error("unknown command ESC " + hex(cmd));
        return false;
      }
      i += 3;
    } else if (c == GS) {
      if (!need(2)) return false;
      const unsigned char cmd = at(1);
      if (cmd == 'v') return raster();
      if (!need(3)) return false;
      const unsigned char n = at(2);
      if (cmd == '!') {
        if ((n & 0x88) != 0) error("GS ! " + hex(n));
        width_scale = (n >> 4) + 1;
        height_scale = (n & 0x0f) + 1;
        i += 3;
      } else if (cmd == 'V') {
        if (!pending.empty()) error("GS V in the middle of a line (a printer ignores it)");
        if (n == 0 || n == 1 || n == '0' || n == '1') {
          i += 3;
        } else if (n == 65 || n == 66) {
          if (!need(4)) return false;
          i += 4;
        } else {
          error("GS V " + hex(n));
          return false;
        }
        ++job.cuts;
      } else {
        error("unknown command GS " + hex(cmd));
        return false;
      }
    } else if (c == FS) {
      if (!need(2)) return false;
      if (at(1) == '&') chinese = true;
      else if (at(1) == '.') chinese = false;
      else {
        error("unknown command FS " + hex(at(1)));
        return false;
      }
      i += 2;
    } else if (c == DLE) {
      if (!need(3)) return false;
      if (at(1) != EOT || at(2) < 1 || at(2) > 4) {
        error("unknown command DLE " + hex(at(1)) + " " + hex(at(2)));
        return false;
      }
      ++job.status_queries;
      i += 3;
    } else if (c < 0x20 || c == 0x7f) {
      error("unexpected control byte " + hex(c));
      ++i;
    } else if (c < 0x80) {
      add_text(1);
    } else {
      // GB18030: a digit as second byte makes a four-byte character, otherwise two bytes.
      const std::size_t length = i + 1 < b.size() && at(1) >= 0x30 && at(1) <= 0x39 ? 4 : 2;
      if (!need(length)) return false;
      if (!chinese) error("multibyte text outside Chinese mode (FS &)");
      job.chinese_mode = chinese;
      add_text(length);
    }
    return true;
  }
};

}  // namespace

printed_job decode_escpos(std::string_view bytes) {
  decoder d{bytes, {}};
  while (d.i < bytes.size() && d.step()) {
  }
  if (!d.pending.empty()) d.error("text never printed (no LF)");
  d.job.bytes = std::string(bytes);
  return std::move(d.job);
}

escpos_listener::escpos_listener() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("escpos_listener: socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 8) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("escpos_listener: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

escpos_listener::~escpos_listener() {
  stop_ = true;
  acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(mutex_);
    connections.swap(connections_);
  }
  for (auto& t : connections) t.join();
  ::close(listen_fd_);
}

void escpos_listener::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, poll_step_ms) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    connections_.emplace_back([this, fd] { serve(fd); });
  }
}

// Reads until the client closes. Real-time commands are answered on the raw bytes as they come,
// before and regardless of any decoding, as a printer does (even inside image data).
void escpos_listener::serve(int fd) {
  std::string received;
  std::size_t scanned = 0;
  char buffer[4096];
  while (!stop_) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, poll_step_ms) <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
    for (; scanned + 2 < received.size(); ++scanned) {
      const auto q = static_cast<unsigned char>(received[scanned + 2]);
      if (received[scanned] != DLE || received[scanned + 1] != EOT || q < 1 || q > 4) continue;
      // n = 1..3 (printer, offline and error status): online, no error. n = 4: the paper.
      const char answer = static_cast<char>(q == 4 ? status_.load() : paper_present);
      if (!silent_) ::send(fd, &answer, 1, MSG_NOSIGNAL);
      scanned += 2;
    }
  }
  ::close(fd);
  auto job = decode_escpos(received);
  std::lock_guard lock(mutex_);
  jobs_.push_back(std::move(job));
  job_ended_.notify_all();
}

std::vector<printed_job> escpos_listener::jobs() const {
  std::lock_guard lock(mutex_);
  return jobs_;
}

bool escpos_listener::wait_for_jobs(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return job_ended_.wait_for(lock, timeout, [&] { return jobs_.size() >= count; });
}

}  // namespace hallpass::kiosk::test
