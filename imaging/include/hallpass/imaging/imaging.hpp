// hallpass::imaging — turns one photo of a paper document into an upload-ready page.
//
// Contract (all functions):
//  * Value types in, value results out. No exception ever leaves these functions; every
//    expected failure (unreadable bytes, decompression bomb, blurred photo, …) is reported
//    in the result with a stable machine code and a Chinese + English message.
//  * Thread-safe: no shared mutable state. Calls may run concurrently from a worker pool.
//  * OpenCV's own thread pool is NOT configured here: the caller decides
//    (`cv::setNumThreads(1)` per worker is recommended for a pool of N workers on N cores,
//    the default (all cores) suits the single-photo CLI).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hallpass::imaging {

// Real container type of a byte buffer, judged from its magic bytes only.
enum class file_type { jpeg, png, webp, heic, tiff, pdf, mp4, unknown };  // mp4: any ISO-BMFF video (MP4, MOV, 3GP)

// Cheap (reads ≤ 32 bytes) classification for the upload endpoint.
file_type sniff(std::span<const std::uint8_t> bytes);
std::string_view to_string(file_type);

enum class colour_mode { colour, grey, black_white };
enum class paper_kind { auto_detect, a4, id_card };
enum class output_format { jpeg, png };

// Every threshold of the quality checks, in one place. Units are given per field.
struct thresholds {
  double min_sharpness = 0.68;        // 1 / (blur sigma of the text in pixels of the photo scaled to 12 MP);
                                      // higher is sharper. Shake and defocus are angles, so the same blur
                                      // covers fewer pixels of a smaller photo: 0.68 = sigma 1.47 px at
                                      // 12 MP, 0.60 px at 2 MP
  double min_paper_brightness = 90;   // 0..255, 90th percentile of the page's grey level
  double max_clipped_shadows = 0.25;  // fraction of page pixels at ≤ 8
  double max_clipped_highlights = 0.60; // fraction of page pixels at ≥ 252
  double max_glare = 0.004;           // largest soft-edged clipped blob standing out of darker paper, fraction of page
  double min_dpi = 150;               // effective resolution of the page in the photo
  double min_frame_margin = 0.0;      // smallest corner distance to the photo border, fraction of diagonal;
                                      // a page side lying on the photo border always fails
  double min_ink = 0.002;             // fraction of page pixels that are clearly darker than paper
  double min_confidence = 0.55;       // page-finder confidence, 0..1
};

// Reads a JSON object whose keys are the field names above (all optional; unknown keys are an
// error). Returns the error text on failure.
struct thresholds_result {
  std::optional<thresholds> value;
  std::string error;
};
thresholds_result load_thresholds(const std::string& json_text, const thresholds& defaults = {});
thresholds_result load_thresholds_file(const std::string& path, const thresholds& defaults = {});

struct options {
  colour_mode mode = colour_mode::colour;
  paper_kind paper = paper_kind::auto_detect;
  output_format format = output_format::jpeg;
  std::size_t size_budget_bytes = 500 * 1024;  // per A4 page; scaled by page area for other papers
  double max_dpi = 200;                         // output ceiling; never more than the photo captured
  double min_output_dpi = 150;                  // lowest dpi the size budget may push to
  std::uint64_t max_pixels = 50'000'000;        // refused before decoding
  thresholds limits;
  bool produce_output = true;                   // false: detection + checks only (faster)
};

struct point {
  double x = 0, y = 0;
};

// A measured value against its threshold. `ok` already accounts for the direction.
struct check {
  double value = 0;
  double threshold = 0;
  bool ok = true;
};

// code ∈ unreadable_image, too_many_pixels, unsupported_type, no_document, low_confidence,
//        blurred, too_dark, overexposed, glare, cut_off, low_resolution, blank_page
struct reason {
  std::string code, message, message_en;
};

struct page_result {
  bool accepted = false;
  // Page corners in the decoded photo (after EXIF orientation), clockwise from top-left.
  std::optional<std::array<point, 4>> corners;
  double confidence = 0;
  // confidence, in_frame, resolution_dpi, sharpness, paper_brightness, clipped_shadows,
  // clipped_highlights, glare, ink (blank page); skew_corrected_deg is informational (always ok).
  // Checks after a failed stage are absent (no page found: only what was measured).
  std::map<std::string, check> checks;
  std::vector<reason> reasons;          // empty iff accepted
  std::string output;                   // encoded page (empty if rejected or not requested)
  std::string output_format;            // "jpeg" | "png"
  int width = 0, height = 0;            // of the output page, pixels
  double dpi = 0;                       // of the output page
  double captured_dpi = 0;              // effective resolution found in the photo
  std::string paper;                    // "a4", "id_card", "letter", "measured"
  std::string thumbnail_jpeg;           // ≤ 320 px long side
  int photo_width = 0, photo_height = 0;
  std::map<std::string, double> timings_ms;
};

page_result process(std::span<const std::uint8_t> bytes, const options& opts = {});

// One accepted page for a PDF: its encoded bytes (JPEG or PNG) and its resolution.
struct page_for_pdf {
  std::string bytes;
  std::string format;  // "jpeg" | "png"
  int width = 0, height = 0;
  double dpi = 200;
};
struct pdf_result {
  std::optional<std::string> pdf;  // the document, when it could be made
  std::string error;
};
// Assembles pages in order, each page sized to its physical size (pixels / dpi).
pdf_result make_pdf(const std::vector<page_for_pdf>& pages, const std::string& title = {});

// Chinese + English text of a reason code (message texts may change; codes do not).
reason make_reason(std::string_view code, std::string_view detail_zh = {},
                   std::string_view detail_en = {});

}  // namespace hallpass::imaging
