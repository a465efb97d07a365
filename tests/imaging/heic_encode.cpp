#include "heic_encode.hpp"

#include <libheif/heif.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>
#include <stdexcept>

namespace hallpass::imaging::testing {

namespace {

// An HEVC encoder, or nullopt when this libheif build has none; `fill` makes the image to code
// and sets the encoder's parameters. Returns the file.
std::optional<std::string> encode_with(const std::function<heif_image*(heif_encoder*)>& fill) {
  heif_context* ctx = heif_context_alloc();
  heif_encoder* enc = nullptr;
  if (heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &enc).code != heif_error_Ok) {
    heif_context_free(ctx);
    return std::nullopt;
  }
  heif_image* img = fill(enc);
  std::string bytes;
  heif_writer writer{1, [](heif_context*, const void* data, size_t size, void* user) {
                       static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
                       return heif_error{heif_error_Ok, heif_suberror_Unspecified, ""};
                     }};
  bool ok = heif_context_encode_image(ctx, img, enc, nullptr, nullptr).code == heif_error_Ok &&
            heif_context_write(ctx, &writer, &bytes).code == heif_error_Ok;
  heif_image_release(img);
  heif_encoder_release(enc);
  heif_context_free(ctx);
  if (!ok) throw std::runtime_error("libheif could not encode the test image");
  return bytes;
}

}  // namespace

std::optional<std::string> encode_heic(const cv::Mat& image, int quality) {
  return encode_with([&](heif_encoder* enc) {
    const bool alpha = image.channels() == 4;
    cv::Mat rgb;
    cv::cvtColor(image, rgb, alpha ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
    heif_image* img = nullptr;
    heif_image_create(rgb.cols, rgb.rows, heif_colorspace_RGB,
                      alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, &img);
    heif_image_add_plane(img, heif_channel_interleaved, rgb.cols, rgb.rows, 8);
    int stride = 0;
    std::uint8_t* plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
    for (int y = 0; y < rgb.rows; ++y) std::memcpy(plane + y * stride, rgb.ptr(y), rgb.cols * rgb.elemSize());
    heif_encoder_set_lossy_quality(enc, quality);
    return img;
  });
}

std::optional<std::string> encode_heic_as(const cv::Mat& image, int bits, const std::string& chroma) {
  return encode_with([&](heif_encoder* enc) {
    const bool grey = image.channels() == 1;
    heif_image* img = nullptr;
    heif_image_create(image.cols, image.rows, grey ? heif_colorspace_monochrome : heif_colorspace_RGB,
                      grey ? heif_chroma_monochrome : heif_chroma_444, &img);
    std::vector<cv::Mat> bgr;
    cv::split(image, bgr);
    const std::vector<std::pair<heif_channel, int>> planes =
        grey ? std::vector<std::pair<heif_channel, int>>{{heif_channel_Y, 0}}
             : std::vector<std::pair<heif_channel, int>>{{heif_channel_R, 2}, {heif_channel_G, 1}, {heif_channel_B, 0}};
    for (auto [channel, index] : planes) {
      heif_image_add_plane(img, channel, image.cols, image.rows, bits);
      int stride = 0;
      std::uint8_t* p = heif_image_get_plane(img, channel, &stride);
      for (int y = 0; y < image.rows; ++y)
        for (int x = 0; x < image.cols; ++x) {
          int v = bgr[index].at<std::uint8_t>(y, x);
          if (bits > 8) reinterpret_cast<std::uint16_t*>(p + y * stride)[x] = std::uint16_t(v << (bits - 8) | v >> (16 - bits));
          else p[y * stride + x] = std::uint8_t(v);
        }
    }
    heif_encoder_set_lossy_quality(enc, 70);
    if (!grey) heif_encoder_set_parameter_string(enc, "chroma", chroma.c_str());
    return img;
  });
}

namespace {

std::string be(std::uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s += char((v >> (8 * i)) & 0xFF);
  return s;
}
std::string box(const std::string& type, const std::string& body) { return be(8 + body.size(), 4) + type + body; }
std::string full_box(const std::string& type, int version, std::uint32_t flags, const std::string& body) {
  return box(type, be(version, 1) + be(flags, 3) + body);
}

// The payload of the first box of `type` found in `file` (a plain search: enough for the
// files libheif writes for one image).
std::string find_box(const std::string& file, const std::string& type, bool with_header) {
  std::size_t at = file.find(type);
  if (at == std::string::npos || at < 4) throw std::runtime_error("no " + type + " box in the encoded tile");
  std::size_t size = 0;
  for (int i = 0; i < 4; ++i) size = size << 8 | std::uint8_t(file[at - 4 + i]);
  return with_header ? file.substr(at - 4, size) : file.substr(at + 4, size - 8);
}

}  // namespace

std::optional<std::string> encode_heic_grid(const cv::Mat& bgr, int tile, int quality, std::optional<nclx> tile_colour) {
  int cols = (bgr.cols + tile - 1) / tile, rows = (bgr.rows + tile - 1) / tile;
  cv::Mat padded;
  cv::copyMakeBorder(bgr, padded, 0, rows * tile - bgr.rows, 0, cols * tile - bgr.cols, cv::BORDER_REPLICATE);
  std::vector<std::string> configs, streams;  // distinct hvcC boxes; one coded stream per tile
  std::vector<int> config_of;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      auto one = encode_heic(padded(cv::Rect(c * tile, r * tile, tile, tile)).clone(), quality);
      if (!one) return std::nullopt;
      std::string hvcc = find_box(*one, "hvcC", true);
      auto it = std::find(configs.begin(), configs.end(), hvcc);
      config_of.push_back(int(it - configs.begin()));
      if (it == configs.end()) configs.push_back(hvcc);
      streams.push_back(find_box(*one, "mdat", false));
    }
  int tiles = rows * cols;
  if (configs.size() + 2 > 127) throw std::runtime_error("too many distinct tile configurations");
  std::uint32_t grid_id = 1;  // tiles are items 2 .. tiles + 1
  std::string grid = be(0, 1) + be(0, 1) + be(rows - 1, 1) + be(cols - 1, 1) + be(bgr.cols, 2) + be(bgr.rows, 2);

  std::string infe = full_box("infe", 2, 0, be(grid_id, 2) + be(0, 2) + "grid" + std::string(1, '\0'));
  for (int i = 0; i < tiles; ++i) infe += full_box("infe", 2, 1, be(2 + i, 2) + be(0, 2) + "hvc1" + std::string(1, '\0'));
  std::string iinf = full_box("iinf", 0, 0, be(tiles + 1, 2) + infe);
  std::string dimg = be(grid_id, 2) + be(tiles, 2);
  for (int i = 0; i < tiles; ++i) dimg += be(2 + i, 2);
  std::string iref = full_box("iref", 0, 0, box("dimg", dimg));
  std::string ipco;
  for (const std::string& c : configs) ipco += c;
  ipco += full_box("ispe", 0, 0, be(tile, 4) + be(tile, 4));
  ipco += full_box("ispe", 0, 0, be(bgr.cols, 4) + be(bgr.rows, 4));
  int tile_ispe = int(configs.size()) + 1, grid_ispe = tile_ispe + 1, colr = grid_ispe + 1;
  if (tile_colour)  // BT.709 primaries and transfer: they play no part in the conversion
    ipco += box("colr", "nclx" + be(1, 2) + be(1, 2) + be(tile_colour->matrix, 2) + be(tile_colour->full_range ? 0x80 : 0, 1));
  std::string ipma = be(tiles + 1, 4) + be(grid_id, 2) + be(1, 1) + be(grid_ispe, 1);
  for (int i = 0; i < tiles; ++i) {
    ipma += be(2 + i, 2) + be(tile_colour ? 3 : 2, 1) + be(0x80 | (config_of[i] + 1), 1) + be(tile_ispe, 1);
    if (tile_colour) ipma += be(colr, 1);
  }
  std::string iprp = box("iprp", box("ipco", ipco) + full_box("ipma", 0, 0, ipma));
  std::string hdlr = full_box("hdlr", 0, 0, be(0, 4) + "pict" + be(0, 12) + std::string(1, '\0'));
  std::string pitm = full_box("pitm", 0, 0, be(grid_id, 2));
  std::string ftyp = box("ftyp", "heic" + be(0, 4) + "mif1heic");

  // iloc needs absolute offsets into mdat: build it once with placeholders to learn its size
  auto make_iloc = [&](std::uint64_t mdat_data) {
    std::string body = be(0x44, 1) + be(0x00, 1) + be(tiles + 1, 2);
    std::uint64_t at = mdat_data;
    body += be(grid_id, 2) + be(0, 2) + be(1, 2) + be(at, 4) + be(grid.size(), 4);
    at += grid.size();
    for (int i = 0; i < tiles; ++i) {
      body += be(2 + i, 2) + be(0, 2) + be(1, 2) + be(at, 4) + be(streams[i].size(), 4);
      at += streams[i].size();
    }
    return full_box("iloc", 0, 0, body);
  };
  auto make_meta = [&](std::uint64_t mdat_data) {
    return full_box("meta", 0, 0, hdlr + pitm + make_iloc(mdat_data) + iinf + iref + iprp);
  };
  std::uint64_t mdat_data = ftyp.size() + make_meta(0).size() + 8;
  std::string data = grid;
  for (const std::string& s : streams) data += s;
  return ftyp + make_meta(mdat_data) + box("mdat", data);
}

}  // namespace hallpass::imaging::testing
