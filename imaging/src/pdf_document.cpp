// A PDF uploaded as a material: opened with poppler, refused when it cannot be used as it is,
// page 1 rendered to a thumbnail at a resolution that bounds its pixel count.
//
// Poppler runs in a child process (fork) with a time limit: a page can be made arbitrarily slow
// to draw within a few hundred bytes (an image that declares 100000 x 100000 pixels), and a crash
// in poppler on a hostile file must not take the server with it. The child only runs poppler and
// writes what it found and the thumbnail's pixels to a pipe; the parent encodes the JPEG.
#include <hallpass/imaging/pdf_document.hpp>

#include "internal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <opencv2/imgproc.hpp>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <memory>
#include <string_view>

namespace hallpass::imaging {

namespace {

constexpr double mm_per_point = 25.4 / 72;
constexpr int thumbnail_long_side = 320;
// A page outside these bounds is refused rather than rendered (PDF's own limit is 200 inches).
constexpr double min_side_mm = 1, max_side_mm = 5080, max_aspect = 100;

// A complete PDF ends with %%EOF (readers look for it in the last 1024 bytes). Poppler rebuilds
// a truncated file silently, keeping whatever pages survived.
bool has_end_marker(std::span<const std::uint8_t> b) {
  std::string_view tail(reinterpret_cast<const char*>(b.data()), b.size());
  if (tail.size() > 1024) tail.remove_prefix(tail.size() - 1024);
  return tail.find("%%EOF") != std::string_view::npos;
}

enum class outcome : std::int32_t { ok, cannot_open, encrypted, no_pages, too_many_pages, page_unreadable, absurd_size, cannot_render };

// What the child reports, followed by width x height x 4 bytes of BGRA pixels when ok.
struct report {
  outcome result = outcome::cannot_open;
  std::int32_t pages = 0, page = 0;  // page: the one that could not be read (1-based)
  double width_mm = 0, height_mm = 0;
  std::int32_t width = 0, height = 0;
};

// Poppler's part (run in the child).
report read_document(std::span<const std::uint8_t> bytes, int max_pages, std::vector<std::uint8_t>& bgra) {
  report r;
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(reinterpret_cast<const char*>(bytes.data()), int(bytes.size())));
  if (!doc) return r;
  if (doc->is_locked() || doc->is_encrypted()) return r.result = outcome::encrypted, r;
  r.pages = doc->pages();
  if (r.pages <= 0) return r.result = outcome::no_pages, r;
  if (r.pages > max_pages) return r.result = outcome::too_many_pages, r;
  for (int i = 1; i < r.pages; ++i)
    if (!std::unique_ptr<poppler::page>(doc->create_page(i))) return r.result = outcome::page_unreadable, r.page = i + 1, r;
  std::unique_ptr<poppler::page> first(doc->create_page(0));
  if (!first) return r.result = outcome::page_unreadable, r.page = 1, r;

  poppler::rectf box = first->page_rect();
  double w = box.width() * mm_per_point, h = box.height() * mm_per_point;
  if (first->orientation() == poppler::page::landscape || first->orientation() == poppler::page::seascape) std::swap(w, h);
  double shorter = std::min(w, h), longer = std::max(w, h);
  if (!(shorter >= min_side_mm && longer <= max_side_mm && longer / shorter <= max_aspect))
    return r.result = outcome::absurd_size, r;
  r.width_mm = w, r.height_mm = h;

  // The resolution that makes the long side 320 px: the rendering is at most about 320 x 320.
  double dpi = thumbnail_long_side / (longer / 25.4);
  poppler::page_renderer renderer;
  renderer.set_paper_color(0xffffffff);
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  renderer.set_image_format(poppler::image::format_argb32);
  poppler::image img = renderer.render_page(first.get(), dpi, dpi);
  if (!img.is_valid() || img.width() <= 0 || img.height() <= 0 || img.width() > 2 * thumbnail_long_side ||
      img.height() > 2 * thumbnail_long_side)
    return r.result = outcome::cannot_render, r;
  r.width = img.width(), r.height = img.height();
  for (int y = 0; y < r.height; ++y) {
    auto row = reinterpret_cast<const std::uint8_t*>(img.const_data()) + std::size_t(y) * img.bytes_per_row();
    bgra.insert(bgra.end(), row, row + 4 * r.width);
  }
  r.result = outcome::ok;
  return r;
}

bool write_all(int fd, const void* data, std::size_t n) {
  auto p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k, n -= std::size_t(k);
  }
  return true;
}

[[noreturn]] void run_child(std::span<const std::uint8_t> bytes, int max_pages, int out) {
  // Only the answer's pipe stays open: the server's sockets and other readers' pipes are closed.
  constexpr int answer_fd = 3;
  if (out != answer_fd && ::dup2(out, answer_fd) < 0) ::_exit(1);
  ::close_range(answer_fd + 1, ~0U, 0);
  int null = ::open("/dev/null", O_WRONLY);  // poppler also prints some messages directly
  if (null >= 0) ::dup2(null, STDERR_FILENO);
  poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
  try {
    std::vector<std::uint8_t> bgra;
    report r = read_document(bytes, max_pages, bgra);
    if (write_all(answer_fd, &r, sizeof r) && write_all(answer_fd, bgra.data(), bgra.size())) ::_exit(0);
  } catch (...) {
  }
  ::_exit(1);
}

bool valid_size(const report& r) {
  return r.width > 0 && r.height > 0 && r.width <= 2 * thumbnail_long_side && r.height <= 2 * thumbnail_long_side;
}

// Bytes of the whole answer, as far as its beginning tells.
std::size_t answer_size(const std::string& a) {
  report r;
  if (a.size() < sizeof r) return sizeof r;
  std::memcpy(&r, a.data(), sizeof r);
  if (r.result != outcome::ok || !valid_size(r)) return sizeof r;
  return sizeof r + 4u * std::size_t(r.width) * std::size_t(r.height);
}

// Reads the child's answer until it is whole or the pipe closes (false: the deadline passed).
// The end of the answer is known from its header: another thread's child may hold a copy of the
// pipe's writing end for a while, so its closing cannot be awaited.
bool read_answer(int fd, std::chrono::steady_clock::time_point deadline, std::string& into) {
  char buf[65536];
  while (into.size() < answer_size(into)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, int(std::min<long long>(left.count(), INT_MAX))) <= 0) continue;  // EINTR, or time is up
    ssize_t k = ::read(fd, buf, std::min(sizeof buf, answer_size(into) - into.size()));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return true;  // closed early: the child failed
    into.append(buf, std::size_t(k));
  }
  return true;
}

pdf_document refused(pdf_document d, std::string_view code, std::string_view zh = {}, std::string_view en = {}) {
  d.accepted = false;
  d.reasons.push_back(make_reason(code, zh, en));
  return d;
}

std::string mb(std::size_t bytes) { return std::to_string((bytes + 1024 * 1024 - 1) / (1024 * 1024)) + " MB"; }

pdf_document inspect(std::span<const std::uint8_t> bytes, const pdf_limits& limits) {
  pdf_document d;
  if (bytes.size() > limits.max_bytes || bytes.size() > std::size_t(INT_MAX))
    return refused(d, "pdf_too_large", "不超过 " + mb(limits.max_bytes), "at most " + mb(limits.max_bytes));
  if (sniff(bytes) != file_type::pdf) {  // make_reason's text asks for a photo
    d.reasons.push_back({"unsupported_type", "不支持的文件类型，请上传 PDF 文件", "Unsupported file type; upload a PDF file"});
    return d;
  }
  if (!has_end_marker(bytes)) return refused(d, "pdf_broken", "文件不完整", "the file is truncated");

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return refused(d, "internal_error", {}, "no pipe for the PDF reader");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                         std::chrono::duration<double>(limits.max_seconds));
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    run_child(bytes, limits.max_pages, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  if (child < 0) {
    ::close(pipe_fds[0]);
    return refused(d, "internal_error", {}, "no process for the PDF reader");
  }
  std::string answer;
  bool in_time = read_answer(pipe_fds[0], deadline, answer);
  ::close(pipe_fds[0]);
  ::kill(child, SIGKILL);  // done or out of time: it has nothing more to say
  while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (!in_time) return refused(d, "pdf_too_complex");

  report r;
  if (answer.size() < sizeof r) return refused(d, "pdf_broken");  // the reader crashed
  std::memcpy(&r, answer.data(), sizeof r);
  d.pages = r.pages;
  std::string page = std::to_string(r.page);
  switch (r.result) {
    case outcome::ok: break;
    case outcome::cannot_open: return refused(d, "pdf_broken");
    case outcome::encrypted: return refused(d, "pdf_encrypted");
    case outcome::no_pages: return refused(d, "pdf_broken", "没有页面", "it has no pages");
    case outcome::too_many_pages:
      return refused(d, "pdf_too_many_pages", "共 " + std::to_string(r.pages) + " 页，最多 " + std::to_string(limits.max_pages) + " 页",
                     std::to_string(r.pages) + " pages, at most " + std::to_string(limits.max_pages));
    case outcome::page_unreadable: return refused(d, "pdf_broken", "第 " + page + " 页无法读取", "page " + page + " cannot be read");
    case outcome::absurd_size: return refused(d, "pdf_broken", "页面尺寸异常", "page 1 has an absurd size");
    case outcome::cannot_render: return refused(d, "pdf_broken", "第 1 页无法显示", "page 1 cannot be rendered");
  }
  if (!valid_size(r) || answer.size() != answer_size(answer)) return refused(d, "pdf_broken");
  cv::Mat bgra(r.height, r.width, CV_8UC4, answer.data() + sizeof r), bgr;
  cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
  d.page_width_mm = r.width_mm, d.page_height_mm = r.height_mm;
  d.thumbnail_jpeg = detail::make_thumbnail(bgr, thumbnail_long_side);
  d.accepted = true;
  return d;
}

}  // namespace

pdf_document inspect_pdf(std::span<const std::uint8_t> bytes, const pdf_limits& limits) {
  try {
    return inspect(bytes, limits);
  } catch (const std::exception& e) {
    return refused({}, "internal_error", {}, e.what());
  }
}

}  // namespace hallpass::imaging
