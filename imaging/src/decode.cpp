// Container sniffing, header-only size reading and decoding (with EXIF orientation).
#include "internal.hpp"

#include <libheif/heif.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

namespace hallpass::imaging {

namespace {

bool starts_with(std::span<const std::uint8_t> b, std::size_t at, std::string_view magic) {
  return b.size() >= at + magic.size() && std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le16(const std::uint8_t* p) { return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8); }
std::uint32_t le24(const std::uint8_t* p) { return le16(p) | (std::uint32_t(p[2]) << 16); }
std::uint32_t le32(const std::uint8_t* p) { return le16(p) | (le16(p + 2) << 16); }

}  // namespace

file_type sniff(std::span<const std::uint8_t> b) {
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return file_type::jpeg;
  if (starts_with(b, 0, "\x89PNG\r\n\x1a\n")) return file_type::png;
  if (starts_with(b, 0, "RIFF") && starts_with(b, 8, "WEBP")) return file_type::webp;
  if (starts_with(b, 0, "%PDF-")) return file_type::pdf;
  if (starts_with(b, 0, std::string_view("II*\0", 4)) || starts_with(b, 0, std::string_view("MM\0*", 4)))
    return file_type::tiff;
  if (starts_with(b, 4, "ftyp")) {  // ISO base media file: the major brand tells a HEIF image from a video
    for (std::string_view brand : {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"})
      if (starts_with(b, 8, brand)) return file_type::heic;
    for (std::string_view brand : {"isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "M4VH",
                                   "M4VP", "qt  ", "3gp4", "3gp5", "3gp6", "3g2a", "dash", "mmp4", "MSNV", "f4v "})
      if (starts_with(b, 8, brand)) return file_type::mp4;
  }
  return file_type::unknown;
}

std::string_view to_string(file_type t) {
  switch (t) {
    case file_type::jpeg: return "jpeg";
    case file_type::png: return "png";
    case file_type::webp: return "webp";
    case file_type::heic: return "heic";
    case file_type::tiff: return "tiff";
    case file_type::pdf: return "pdf";
    case file_type::mp4: return "mp4";
    case file_type::unknown: break;
  }
  return "unknown";
}

namespace detail {

namespace {

std::optional<dimensions> jpeg_dimensions(std::span<const std::uint8_t> b) {
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return std::nullopt;
    std::uint8_t marker = b[i + 1];
    if (marker == 0xFF) { ++i; continue; }  // fill byte
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { i += 2; continue; }
    std::uint32_t len = be16(&b[i + 2]);
    bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (i + 9 > b.size()) return std::nullopt;
      return dimensions{be16(&b[i + 7]), be16(&b[i + 5])};
    }
    if (marker == 0xDA || len < 2) return std::nullopt;  // scan before any frame header
    i += 2 + len;
  }
  return std::nullopt;
}

std::optional<dimensions> webp_dimensions(std::span<const std::uint8_t> b) {
  if (b.size() < 30) return std::nullopt;
  if (starts_with(b, 12, "VP8X")) return dimensions{le24(&b[24]) + 1ull, le24(&b[27]) + 1ull};
  if (starts_with(b, 12, "VP8L")) {
    std::uint32_t v = le32(&b[21]);
    return dimensions{(v & 0x3FFF) + 1ull, ((v >> 14) & 0x3FFF) + 1ull};
  }
  if (starts_with(b, 12, "VP8 ")) return dimensions{le16(&b[26]) & 0x3FFFu, le16(&b[28]) & 0x3FFFu};
  return std::nullopt;
}

std::optional<dimensions> tiff_dimensions(std::span<const std::uint8_t> b) {
  if (b.size() < 8) return std::nullopt;
  bool le = b[0] == 'I';
  auto u16 = [&](std::size_t at) { return le ? le16(&b[at]) : be16(&b[at]); };
  auto u32 = [&](std::size_t at) { return le ? le32(&b[at]) : be32(&b[at]); };
  std::size_t ifd = u32(4);
  if (ifd + 2 > b.size()) return std::nullopt;
  std::size_t n = u16(ifd);
  dimensions d;
  bool width_seen = false, height_seen = false;
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t e = ifd + 2 + 12 * k;
    if (e + 12 > b.size()) return std::nullopt;
    std::uint32_t tag = u16(e), type = u16(e + 2);
    std::uint64_t v = type == 3 ? u16(e + 8) : u32(e + 8);
    // A second width or height: the decoder keeps the first, so no size can be trusted.
    if ((tag == 256 && std::exchange(width_seen, true)) || (tag == 257 && std::exchange(height_seen, true)))
      return std::nullopt;
    if (tag == 256) d.width = v;
    if (tag == 257) d.height = v;
  }
  if (d.width == 0 || d.height == 0) return std::nullopt;
  return d;
}

struct heif_ctx_deleter {
  void operator()(heif_context* c) const { heif_context_free(c); }
};
struct heif_handle_deleter {
  void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct heif_image_deleter {
  void operator()(heif_image* i) const { heif_image_release(i); }
};
using heif_ctx_ptr = std::unique_ptr<heif_context, heif_ctx_deleter>;
using heif_handle_ptr = std::unique_ptr<heif_image_handle, heif_handle_deleter>;

// The longest side libheif may allocate for an image of at most `max_pixels`. A grid image is
// allocated at the size its grid descriptor declares, not at the size its 'ispe' box declares
// (which is what the pixel limit sees): a 515-byte file whose grid declared 26725x12899 made it
// allocate 1 GB. Photos are no more than 4 times longer than wide: 2 * sqrt(max_pixels).
int heif_side_limit(std::uint64_t max_pixels) {
  double side = 2 * std::sqrt(double(max_pixels));
  return side >= 32768 ? 32768 : std::max(1, int(side));
}

// Opens the primary image of a HEIF container; parses boxes only, decodes nothing.
heif_handle_ptr open_heif(std::span<const std::uint8_t> b, heif_ctx_ptr& ctx, std::uint64_t max_pixels) {
  ctx.reset(heif_context_alloc());
  if (!ctx) return nullptr;
  heif_context_set_maximum_image_size_limit(ctx.get(), heif_side_limit(max_pixels));
  heif_error err = heif_context_read_from_memory_without_copy(ctx.get(), b.data(), b.size(), nullptr);
  if (err.code != heif_error_Ok) return nullptr;
  heif_image_handle* h = nullptr;
  err = heif_context_get_primary_image_handle(ctx.get(), &h);
  if (err.code != heif_error_Ok) return nullptr;
  return heif_handle_ptr(h);
}

decoded decode_heif(std::span<const std::uint8_t> b, std::uint64_t max_pixels) {
  if (!heif_references_are_safe(b))
    return {{}, "unreadable_image", "the HEIC item references are damaged, circular or nested too deeply"};
  prefer_libavcodec_for_hevc();
  heif_ctx_ptr ctx;
  heif_handle_ptr h = open_heif(b, ctx, max_pixels);
  if (!h) return {{}, "unreadable_image", "the HEIC container could not be read"};
  std::uint64_t w = heif_image_handle_get_width(h.get()), hh = heif_image_handle_get_height(h.get());
  if (w * hh > max_pixels) return {{}, "too_many_pixels", std::to_string(w) + "x" + std::to_string(hh)};
  if (std::optional<cv::Mat> bgr = decode_heif_grid(b, max_pixels, heif_side_limit(max_pixels))) {
    decoded out;
    out.bgr = std::move(*bgr);
    return out;
  }
  heif_image* raw = nullptr;
  // Planar RGB is what libheif makes first (a grid's tiles are put together in it): asking for it
  // saves libheif a pass that interleaves the planes and this function one that swaps R and B.
  heif_error err = heif_decode_image(h.get(), &raw, heif_colorspace_RGB, heif_chroma_444, nullptr);
  std::unique_ptr<heif_image, heif_image_deleter> img(raw);
  if (err.code != heif_error_Ok || !img) return {{}, "unreadable_image", err.message ? err.message : "HEIC decode failed"};
  int iw = heif_image_get_width(img.get(), heif_channel_R);
  int ih = heif_image_get_height(img.get(), heif_channel_R);
  int bits = heif_image_get_bits_per_pixel_range(img.get(), heif_channel_R);
  std::vector<cv::Mat> bgr;
  for (heif_channel channel : {heif_channel_B, heif_channel_G, heif_channel_R}) {
    int stride = 0;
    const std::uint8_t* data = heif_image_get_plane_readonly(img.get(), channel, &stride);
    if (!data || iw <= 0 || ih <= 0 || bits < 8 || bits > 16 || heif_image_get_width(img.get(), channel) != iw ||
        heif_image_get_height(img.get(), channel) != ih || heif_image_get_bits_per_pixel_range(img.get(), channel) != bits)
      return {{}, "unreadable_image", "HEIC image has no pixels"};
    bgr.emplace_back(ih, iw, bits > 8 ? CV_16UC1 : CV_8UC1, const_cast<std::uint8_t*>(data), static_cast<std::size_t>(stride));
  }
  // The HEVC stream may be larger than the container said: the limit holds for what was decoded.
  if (std::uint64_t(iw) * std::uint64_t(ih) > max_pixels)
    return {{}, "too_many_pixels", std::to_string(iw) + "x" + std::to_string(ih)};
  decoded out;
  cv::merge(bgr, out.bgr);  // copies out of libheif's buffer
  if (bits > 8) out.bgr.convertTo(out.bgr, CV_8U, 1.0 / (1 << (bits - 8)));  // 10-bit (HDR) photos
  return out;
}

// libjpeg fills a truncated image with grey and only warns; an absent EOI marker tells.
bool jpeg_has_end(std::span<const std::uint8_t> b) {
  std::size_t from = b.size() > 65536 ? b.size() - 65536 : 2;
  for (std::size_t i = b.size() - 1; i > from; --i)
    if (b[i - 1] == 0xFF && b[i] == 0xD9) return true;
  return false;
}

}  // namespace

std::optional<dimensions> read_dimensions(std::span<const std::uint8_t> b, file_type type) {
  switch (type) {
    case file_type::jpeg: return jpeg_dimensions(b);
    case file_type::png:
      if (b.size() < 24 || !starts_with(b, 12, "IHDR")) return std::nullopt;
      return dimensions{be32(&b[16]), be32(&b[20])};
    case file_type::webp: return webp_dimensions(b);
    case file_type::tiff: return tiff_dimensions(b);
    case file_type::heic: {
      heif_ctx_ptr ctx;
      heif_handle_ptr h = open_heif(b, ctx, std::numeric_limits<std::uint64_t>::max());  // nothing is decoded
      if (!h) return std::nullopt;
      return dimensions{std::uint64_t(heif_image_handle_get_width(h.get())),
                        std::uint64_t(heif_image_handle_get_height(h.get()))};
    }
    default: return std::nullopt;
  }
}

decoded decode_image(std::span<const std::uint8_t> b, std::uint64_t max_pixels) {
  if (b.empty()) return {{}, "unreadable_image", "the file is empty"};
  file_type type = sniff(b);
  if (type == file_type::pdf) return {{}, "unsupported_type", "PDF is not a photo"};
  if (type == file_type::unknown) return {{}, "unreadable_image", "not an image (unknown format)"};
  std::optional<dimensions> d = read_dimensions(b, type);
  if (!d || d->width == 0 || d->height == 0)
    return {{}, "unreadable_image", "image header is missing or damaged"};
  if (d->width * d->height > max_pixels)
    return {{}, "too_many_pixels", std::to_string(d->width) + "x" + std::to_string(d->height)};
  if (type == file_type::heic) return decode_heif(b, max_pixels);
  if (type == file_type::jpeg && !jpeg_has_end(b)) return {{}, "unreadable_image", "the JPEG file is truncated"};
  decoded out;
  try {
    cv::Mat raw(1, static_cast<int>(b.size()), CV_8U, const_cast<std::uint8_t*>(b.data()));
    out.bgr = cv::imdecode(raw, cv::IMREAD_COLOR);  // applies EXIF orientation
  } catch (const cv::Exception& e) {
    return {{}, "unreadable_image", e.what()};
  }
  if (out.bgr.empty()) return {{}, "unreadable_image", "the image data is damaged or truncated"};
  if (out.bgr.total() > max_pixels)  // a decoder that read another size than the header's
    return {{}, "too_many_pixels", std::to_string(out.bgr.cols) + "x" + std::to_string(out.bgr.rows)};
  return out;
}

}  // namespace detail
}  // namespace hallpass::imaging
