// Internal interfaces between the pipeline stages (not installed, not used outside imaging/).
#pragma once

#include <hallpass/imaging/cv_pipeline.hpp>

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hallpass::imaging::detail {

struct dimensions {
  std::uint64_t width = 0, height = 0;
};

// Image size read from the container header without decoding pixels; nullopt if unknown.
std::optional<dimensions> read_dimensions(std::span<const std::uint8_t> bytes, file_type type);

// False when the item references of a HEIF container ('dimg', 'auxl') form a cycle, nest too deeply,
// or are damaged: libheif would follow them without end while decoding.
bool heif_references_are_safe(std::span<const std::uint8_t> bytes);

// Makes libheif decode HEVC images with libavcodec rather than libde265 (the same pixels, faster),
// for the whole process; call before decoding. Thread-safe.
void prefer_libavcodec_for_hevc();

// Appends one NAL unit to an Annex B stream (behind a start code).
void append_nal_unit(std::vector<std::uint8_t>& annex_b, std::span<const std::uint8_t> nal_unit);

// Appends NAL units stored behind 4-byte big-endian lengths, as HEIF stores them, to an Annex B
// stream; false when a length runs past the data.
bool append_annex_b(std::vector<std::uint8_t>& annex_b, std::span<const std::uint8_t> length_prefixed);

// One decoded 8-bit YCbCr picture; its planes live as long as the call it is passed to.
struct ycbcr_picture {
  int width = 0, height = 0;
  int chroma_shift_x = 0, chroma_shift_y = 0;  // log2 of the chroma subsampling: 1, 1 for 4:2:0
  const std::uint8_t* planes[3] = {};           // Y, Cb, Cr
  std::ptrdiff_t strides[3] = {};
};

// HEVC decoders (libavcodec) for the tiles of one image, from any threads. Each is opened once and
// reused for tile after tile (opening one for each of a photo's 48 or more tiles costs more than
// converting their colours); one that fails is closed, and all are closed with the image's.
class hevc_decoders {
 public:
  hevc_decoders();
  ~hevc_decoders();
  // Decodes the one HEVC image of an Annex B stream (padded in place for the decoder) and passes
  // it to `use`; false when it cannot be decoded or is not 8-bit YCbCr.
  bool decode_ycbcr8(std::vector<std::uint8_t>& annex_b, const std::function<void(const ycbcr_picture&)>& use);

 private:
  struct idle_decoders;
  std::unique_ptr<idle_decoders> idle_;
};

// The primary image of a HEIF file as 8-bit BGR when it is a grid of 8-bit HEVC tiles that
// libheif would only put side by side and convert (no transformation, no alpha plane): each tile
// decoded and converted as libheif does it, straight into its place, the tiles in parallel. nullopt
// for any other file, and for any this could not decode: libheif is then to decode it. Call only
// once libheif has read the container, with its image side limit.
std::optional<cv::Mat> decode_heif_grid(std::span<const std::uint8_t> file, std::uint64_t max_pixels, int side_limit);

struct decoded {
  cv::Mat bgr;             // empty on failure
  std::string error_code;  // unreadable_image | too_many_pixels | unsupported_type
  std::string detail_en;
};
decoded decode_image(std::span<const std::uint8_t> bytes, std::uint64_t max_pixels);

// Page aspect and output geometry chosen for a detected quadrilateral.
struct page_geometry {
  double width_mm = 0, height_mm = 0;  // 0 when the paper size is unknown
  double aspect = 1;                   // width / height of the flattened page
  std::string paper;                   // a4 | id_card | letter | measured
  double photo_long_px = 0;            // long side of the page as captured, photo pixels
};
// `kind` auto_detect: an ID-1 card is recognised by its rounded corners before the aspect is
// snapped to A4, ID-1 or Letter; an unknown paper is measured (and judged as A4-sized).
page_geometry choose_geometry(const cv::Mat& photo, const std::array<point, 4>& corners, paper_kind kind);

// Homography photo -> page for an output of `out` pixels.
cv::Matx33d page_homography(const std::array<point, 4>& corners, cv::Size out);

// Residual text-line skew of a flattened grey page in degrees (positive = counter-clockwise).
double estimate_skew_degrees(const cv::Mat& grey_page);

// Quality measurements on a flattened page.
struct measurements {
  double sharpness = 0, paper_brightness = 0, clipped_shadows = 0, clipped_highlights = 0;
  double glare = 0, ink = 0;
};
// Exposure, glare and ink on the flattened page (sharpness is left at 0).
measurements measure_page(const cv::Mat& bgr_page);
// 1 / blur sigma of the text strokes in pixels of the photo scaled to 12 MP, from the
// text-richest tiles inside the page; -1 if the page has too little text to tell. `search` is
// a reduced copy of `photo`.
double photo_sharpness(const cv::Mat& photo, const cv::Mat& search, const std::array<point, 4>& quad);

// Illumination normalisation + colour mode. Returns BGR for colour, 1 channel otherwise.
cv::Mat enhance_page(const cv::Mat& bgr_page, colour_mode mode);
// True when the enhanced colour page carries no meaningful colour.
bool is_effectively_grey(const cv::Mat& bgr_page);

struct encoded {
  std::string bytes;
  int width = 0, height = 0;
  double dpi = 0;
};
// Encodes the page, shrinking quality then resolution until `budget` fits (not below min_dpi).
encoded encode_to_budget(const cv::Mat& page, double dpi, output_format format, std::size_t budget,
                         double min_dpi);
std::string make_thumbnail(const cv::Mat& page, int long_side = 320);

}  // namespace hallpass::imaging::detail
