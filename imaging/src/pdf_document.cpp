// A PDF uploaded as a material: opened with poppler, refused when it cannot be used as it is,
// page 1 rendered to a thumbnail at a resolution that bounds its pixel count.
#include <hallpass/imaging/pdf_document.hpp>

#include "internal.hpp"

#include <opencv2/imgproc.hpp>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>

namespace hallpass::imaging {

namespace {

constexpr double mm_per_point = 25.4 / 72;
constexpr int thumbnail_long_side = 320;
// A page outside these bounds is refused rather than rendered (PDF's own limit is 200 inches).
constexpr double min_side_mm = 1, max_side_mm = 5080, max_aspect = 100;

// Poppler reports damaged files on stderr; its messages are of no use to the caller.
void silence_poppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

// A complete PDF ends with %%EOF (readers look for it in the last 1024 bytes). Poppler rebuilds
// a truncated file silently, keeping whatever pages survived.
bool has_end_marker(std::span<const std::uint8_t> b) {
  std::string_view tail(reinterpret_cast<const char*>(b.data()), b.size());
  if (tail.size() > 1024) tail.remove_prefix(tail.size() - 1024);
  return tail.find("%%EOF") != std::string_view::npos;
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

  silence_poppler();
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(reinterpret_cast<const char*>(bytes.data()), int(bytes.size())));
  if (!doc) return refused(d, "pdf_broken");
  if (doc->is_locked() || doc->is_encrypted()) return refused(d, "pdf_encrypted");
  d.pages = doc->pages();
  if (d.pages <= 0) return refused(d, "pdf_broken", "没有页面", "it has no pages");
  if (d.pages > limits.max_pages)
    return refused(d, "pdf_too_many_pages", "共 " + std::to_string(d.pages) + " 页，最多 " + std::to_string(limits.max_pages) + " 页",
                   std::to_string(d.pages) + " pages, at most " + std::to_string(limits.max_pages));
  for (int i = 1; i < d.pages; ++i)
    if (!std::unique_ptr<poppler::page>(doc->create_page(i)))
      return refused(d, "pdf_broken", "第 " + std::to_string(i + 1) + " 页无法读取",
                     "page " + std::to_string(i + 1) + " cannot be read");

  std::unique_ptr<poppler::page> first(doc->create_page(0));
  if (!first) return refused(d, "pdf_broken", "第 1 页无法读取", "page 1 cannot be read");
  poppler::rectf box = first->page_rect();
  double w = box.width() * mm_per_point, h = box.height() * mm_per_point;
  if (first->orientation() == poppler::page::landscape || first->orientation() == poppler::page::seascape) std::swap(w, h);
  double shorter = std::min(w, h), longer = std::max(w, h);
  if (!(shorter >= min_side_mm && longer <= max_side_mm && longer / shorter <= max_aspect))
    return refused(d, "pdf_broken", "页面尺寸异常", "page 1 has an absurd size");
  d.page_width_mm = w, d.page_height_mm = h;

  // The resolution that makes the long side 320 px: the rendering is at most 320 x 320 pixels.
  double dpi = thumbnail_long_side / (longer / 25.4);
  poppler::page_renderer renderer;
  renderer.set_paper_color(0xffffffff);
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  renderer.set_image_format(poppler::image::format_argb32);
  poppler::image img = renderer.render_page(first.get(), dpi, dpi);
  if (!img.is_valid() || img.width() <= 0 || img.height() <= 0)
    return refused(d, "pdf_broken", "第 1 页无法显示", "page 1 cannot be rendered");
  cv::Mat bgra(img.height(), img.width(), CV_8UC4, const_cast<char*>(img.const_data()), std::size_t(img.bytes_per_row()));
  cv::Mat bgr;
  cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
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
