#pragma once
// A thermal receipt printer on loopback, for the ESC/POS tests. It listens on 127.0.0.1 (a port
// of the system's choosing), answers the real-time status query DLE EOT n as a printer does, the
// moment the bytes arrive (DLE EOT 4 with a paper status the test sets), and decodes each
// connection's bytes the way a printer would print them: text lines (GB18030 back to UTF-8) with
// their alignment, weight and size, raster images dot for dot, feeds and cuts. Anything it does
// not understand, or a command a printer would ignore where it stands, is recorded as an error.
#include <opencv2/core.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hallpass::kiosk::test {

struct printed_line {
  std::string text;         // UTF-8
  int columns = 0;          // width in Font A columns: 1 per single-byte, 2 per Chinese character, times width_scale
  int align = 0;            // ESC a: 0 left, 1 centre, 2 right
  bool bold = false;        // ESC E
  int width_scale = 1;      // GS !
  int height_scale = 1;     // GS !
  int rasters_before = 0;   // images printed above this line in the job
};

struct printed_raster {
  cv::Mat image;  // CV_8UC1, one pixel per printer dot: 0 = black, 255 = white
  int align = 0;  // ESC a in force when it was printed
  int lines_before = 0;
};

struct printed_job {
  std::string bytes;  // everything received, status queries included
  int status_queries = 0;
  bool chinese_mode = false;  // FS & in force when the last multibyte character came
  std::vector<printed_line> lines;
  std::vector<printed_raster> rasters;
  int feed_lines = 0;  // ESC d
  int cuts = 0;        // GS V
  std::vector<std::string> errors;  // unknown or misplaced commands; empty for a good job
};

// Decodes one job as a printer in standard mode would print it.
printed_job decode_escpos(std::string_view bytes);

// DLE EOT 4 answers (Epson): bits 1 and 4 always set; 0x0c paper near end, 0x60 paper end.
inline constexpr unsigned char paper_present = 0x12;
inline constexpr unsigned char paper_near_end = 0x1e;
inline constexpr unsigned char paper_end = 0x72;

class escpos_listener {
 public:
  escpos_listener();  // listening when it returns; throws std::runtime_error if it cannot
  ~escpos_listener();
  escpos_listener(const escpos_listener&) = delete;
  escpos_listener& operator=(const escpos_listener&) = delete;

  int port() const { return port_; }
  // The answer to DLE EOT 4 (paper_present unless set).
  void set_paper_status(unsigned char byte) { status_ = byte; }
  // Read everything but never answer a status query (a printer that hangs).
  void set_silent(bool silent) { silent_ = silent; }

  // One job per connection, decoded once the client has closed it.
  std::vector<printed_job> jobs() const;
  // Waits until at least `count` jobs have ended; false when `timeout` passes first.
  bool wait_for_jobs(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<unsigned char> status_{paper_present};
  std::atomic<bool> silent_{false};
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable job_ended_;
  std::vector<printed_job> jobs_;
  std::vector<std::thread> connections_;  // guarded by mutex_
  std::thread acceptor_;
};

}  // namespace hallpass::kiosk::test
