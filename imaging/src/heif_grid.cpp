// HEIC photos as phones save them, a grid of 8-bit HEVC tiles, decoded straight into one BGR image.
// libheif 1.15 turns every tile into planar RGB on its own (a float conversion, a quarter of the
// decode), pastes the tiles into a full-size planar image, and leaves the interleaving to us: three
// passes over 12 MP. Here each tile is decoded and converted into its place in the BGR image, the
// tiles in parallel. The conversion is libheif's: the tile's own nclx colour description, or
// libheif's default (BT.601 full range) when it has none, with nearest chroma samples.
//
// libheif has read and checked the container before this is tried. Anything this does not read
// the way libheif does (transformations, alpha, other depths and colour matrices, odd layouts,
// damaged tiles) makes it give up, and the photo is decoded by libheif as before.
#include "heif_boxes.hpp"
#include "internal.hpp"

#include <opencv2/core.hpp>
#include <opencv2/core/hal/intrin.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <vector>

namespace hallpass::imaging::detail {

namespace {

using bytes = std::span<const std::uint8_t>;

// The nclx colour description of an item as libheif's YCbCr to RGB conversion reads it; libheif
// assumes matrix 2 (unspecified) and full range when an item has none.
struct colour {
  int matrix = 2;
  bool full_range = true;
};

struct extent {
  int construction_method = 0;  // 0: file offset, 1: offset into 'idat'
  std::uint64_t offset = 0, length = 0;
};

struct item {
  std::uint32_t type = 0;
  std::vector<extent> extents;
  bytes hvcc;
  std::uint32_t width = 0, height = 0;  // 'ispe'; 0 when absent
  colour nclx;
  bool transformed = false;     // rotated, mirrored or cropped by libheif after decoding
  bool not_8_bit_pixi = false;  // a 'pixi' that declares other than 8 bits a channel
};

struct file_boxes {
  std::uint32_t primary = 0;
  std::map<std::uint32_t, item> items;
  std::vector<std::uint32_t> tiles;  // the primary's 'dimg' references, in order
  std::vector<std::pair<std::uint32_t, std::uint32_t>> auxl;  // (auxiliary, image)
  bytes idat;
};

bool read_iinf(bytes body, file_boxes& f) {
  box_reader r{body};
  int version = int(r.read(1));
  r.read(3);
  std::uint64_t count = r.read(version == 0 ? 2 : 4);
  for (std::uint64_t i = 0; i < count && r.ok; ++i) {
    std::uint32_t type = 0;
    box_reader infe{r.box(type)};
    if (!r.ok || type != fourcc("infe")) return false;
    int infe_version = int(infe.read(1));
    infe.read(3);
    if (infe_version < 2) return false;
    std::uint32_t id = std::uint32_t(infe.read(infe_version == 2 ? 2 : 4));
    infe.read(2);  // protection index
    f.items[id].type = std::uint32_t(infe.read(4));
    if (!infe.ok) return false;
  }
  return r.ok;
}

bool read_iloc(bytes body, file_boxes& f) {
  box_reader r{body};
  int version = int(r.read(1));
  r.read(3);
  int sizes = int(r.read(1)), more_sizes = int(r.read(1));
  int offset_size = sizes >> 4, length_size = sizes & 15, base_offset_size = more_sizes >> 4;
  int index_size = version >= 1 ? more_sizes & 15 : 0;
  auto valid = [](int size) { return size == 0 || size == 4 || size == 8; };
  if (version > 2 || !valid(offset_size) || !valid(length_size) || !valid(base_offset_size) || index_size != 0) return false;
  std::uint64_t count = r.read(version < 2 ? 2 : 4);
  for (std::uint64_t i = 0; i < count && r.ok; ++i) {
    std::uint32_t id = std::uint32_t(r.read(version < 2 ? 2 : 4));
    int method = version >= 1 ? int(r.read(2) & 15) : 0;
    if (r.read(2) != 0 || method > 1) return false;  // data in another file, or in another item
    std::uint64_t base = r.read(base_offset_size);
    std::uint64_t extents = r.read(2);
    std::vector<extent>& out = f.items[id].extents;
    for (std::uint64_t e = 0; e < extents && r.ok; ++e) {
      extent x{method, base + r.read(offset_size), r.read(length_size)};
      if (x.length == 0 || x.offset < base) return false;  // "to the end of the file", or an overflow
      out.push_back(x);
    }
  }
  return r.ok;
}

bool read_iref(bytes body, file_boxes& f) {
  auto references = read_item_references(body);
  if (!references) return false;
  for (const item_reference& ref : *references) {
    if (ref.type == fourcc("dimg") && ref.from == f.primary) {
      if (ref.to.empty()) return false;
      f.tiles.insert(f.tiles.end(), ref.to.begin(), ref.to.end());
    }
    if (ref.type == fourcc("auxl"))
      for (std::uint32_t to : ref.to) f.auxl.emplace_back(ref.from, to);
  }
  return true;
}

// Applies one property to the item it is associated with, as libheif reads it.
bool apply_property(std::uint32_t type, bytes body, item& it) {
  box_reader r{body};
  if (type == fourcc("hvcC")) it.hvcc = body;
  else if (type == fourcc("ispe")) {
    r.read(4);
    it.width = std::uint32_t(r.read(4));
    it.height = std::uint32_t(r.read(4));
  } else if (type == fourcc("colr")) {
    if (r.read(4) == fourcc("nclx")) {  // a later nclx replaces an earlier one; ICC profiles play no part
      r.read(4);                        // colour primaries, transfer characteristics
      it.nclx.matrix = int(r.read(2));
      it.nclx.full_range = (r.read(1) & 0x80) != 0;
    }
  } else if (type == fourcc("irot") || type == fourcc("imir") || type == fourcc("clap")) {
    it.transformed = true;
  } else if (type == fourcc("pixi")) {
    r.read(4);
    int channels = int(r.read(1));
    for (int c = 0; c < channels; ++c) it.not_8_bit_pixi |= r.read(1) != 8;
  }
  return r.ok;
}

bool read_iprp(bytes body, file_boxes& f) {
  box_reader r{body};
  std::vector<std::pair<std::uint32_t, bytes>> properties;  // 'ipco', indexed from 1
  bool ipma_read = false;
  while (!r.done()) {
    std::uint32_t type = 0;
    bytes child = r.box(type);
    if (type == fourcc("ipco")) {
      box_reader ipco{child};
      while (!ipco.done()) {
        std::uint32_t property = 0;
        bytes property_body = ipco.box(property);
        properties.emplace_back(property, property_body);
      }
      if (!ipco.ok) return false;
    } else if (type == fourcc("ipma")) {
      if (ipma_read || properties.empty()) return false;  // libheif reads the first; the order is fixed
      ipma_read = true;
      box_reader ipma{child};
      int version = int(ipma.read(1));
      bool wide = (ipma.read(3) & 1) != 0;
      std::uint64_t entries = ipma.read(4);
      for (std::uint64_t e = 0; e < entries && ipma.ok; ++e) {
        std::uint32_t id = std::uint32_t(ipma.read(version < 1 ? 2 : 4));
        int associations = int(ipma.read(1));
        for (int a = 0; a < associations && ipma.ok; ++a) {
          std::size_t index = wide ? ipma.read(2) & 0x7FFF : ipma.read(1) & 0x7F;
          if (index == 0) continue;
          if (index > properties.size()) return false;
          auto [property, property_body] = properties[index - 1];
          if (!apply_property(property, property_body, f.items[id])) return false;
        }
      }
      if (!ipma.ok) return false;
    }
  }
  return r.ok && ipma_read;
}

std::optional<file_boxes> read_boxes(bytes file) {
  file_boxes f;
  box_reader top{file};
  bytes meta_body;
  while (!top.done()) {
    std::uint32_t type = 0;
    bytes body = top.box(type);
    if (type == fourcc("meta")) {
      if (!meta_body.empty()) return std::nullopt;
      meta_body = body;
    }
  }
  if (!top.ok || meta_body.size() < 4) return std::nullopt;
  std::map<std::uint32_t, bytes> children;
  box_reader meta{meta_body.subspan(4)};
  while (!meta.done()) {
    std::uint32_t type = 0;
    bytes body = meta.box(type);
    if (!meta.ok || !children.emplace(type, body).second) return std::nullopt;  // each box once
  }
  if (!meta.ok) return std::nullopt;
  for (std::uint32_t needed : {fourcc("pitm"), fourcc("iinf"), fourcc("iloc"), fourcc("iref"), fourcc("iprp")})
    if (!children.count(needed)) return std::nullopt;
  box_reader pitm{children[fourcc("pitm")]};
  int pitm_version = int(pitm.read(1));
  pitm.read(3);
  f.primary = std::uint32_t(pitm.read(pitm_version == 0 ? 2 : 4));
  if (auto idat = children.find(fourcc("idat")); idat != children.end()) f.idat = idat->second;
  // pitm before iref: the references kept are the primary's
  if (!pitm.ok || !read_iinf(children[fourcc("iinf")], f) || !read_iloc(children[fourcc("iloc")], f) ||
      !read_iref(children[fourcc("iref")], f) || !read_iprp(children[fourcc("iprp")], f))
    return std::nullopt;
  return f;
}

// The data of an item: its extents, one after the other.
std::optional<std::vector<std::uint8_t>> item_data(const item& it, const file_boxes& f, bytes file) {
  std::vector<std::uint8_t> out;
  for (const extent& e : it.extents) {
    bytes source = e.construction_method == 0 ? file : f.idat;
    if (e.offset > source.size() || e.length > source.size() - e.offset) return std::nullopt;
    out.insert(out.end(), source.begin() + std::ptrdiff_t(e.offset), source.begin() + std::ptrdiff_t(e.offset + e.length));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// The parameter sets of an 8-bit YCbCr 'hvcC' as an Annex B stream; nullopt for anything else.
std::optional<std::vector<std::uint8_t>> parameter_sets(bytes hvcc) {
  box_reader r{hvcc};
  r.read(16);
  int chroma_format = int(r.read(1) & 3), luma_bits = int(r.read(1) & 7) + 8, chroma_bits = int(r.read(1) & 7) + 8;
  r.read(2);
  int length_size = int(r.read(1) & 3) + 1;
  // libheif hands tiles over assuming 4-byte NAL unit lengths: it agrees with this only then
  if (!r.ok || chroma_format == 0 || luma_bits != 8 || chroma_bits != 8 || length_size != 4) return std::nullopt;
  std::vector<std::uint8_t> out;
  int arrays = int(r.read(1));
  for (int a = 0; a < arrays && r.ok; ++a) {
    r.read(1);  // NAL unit type
    int units = int(r.read(2));
    for (int u = 0; u < units && r.ok; ++u) {
      std::size_t length = r.read(2);
      if (!r.ok || length > hvcc.size() - r.at) return std::nullopt;
      append_nal_unit(out, hvcc.subspan(r.at, length));
      r.at += length;
    }
  }
  if (!r.ok) return std::nullopt;
  return out;
}

struct tile {
  std::vector<std::uint8_t> annex_b;
  colour nclx;
};

struct grid_layout {
  int width = 0, height = 0, columns = 0, tile_width = 0, tile_height = 0;
  std::vector<tile> tiles;  // row by row
};

bool is_8_bit_hevc_tile(const item& it) {
  return it.type == fourcc("hvc1") && !it.hvcc.empty() && it.width > 0 && it.height > 0 && !it.transformed;
}

// The primary image's grid, when it is one this can decode as libheif would.
std::optional<grid_layout> read_grid(bytes file, std::uint64_t max_pixels, int side_limit) {
  std::optional<file_boxes> f = read_boxes(file);
  if (!f) return std::nullopt;
  const item& grid = f->items[f->primary];
  if (grid.type != fourcc("grid") || grid.transformed || grid.not_8_bit_pixi || f->tiles.empty()) return std::nullopt;
  for (auto [aux, image] : f->auxl)  // alpha planes and depth maps are libheif's to attach
    if (image == f->primary || std::count(f->tiles.begin(), f->tiles.end(), image)) return std::nullopt;
  std::optional<std::vector<std::uint8_t>> descriptor = item_data(grid, *f, file);
  if (!descriptor) return std::nullopt;
  box_reader g{*descriptor};
  int version = int(g.read(1));
  int size_bytes = (g.read(1) & 1) ? 4 : 2;
  int rows = int(g.read(1)) + 1, columns = int(g.read(1)) + 1;
  std::uint64_t width = g.read(size_bytes), height = g.read(size_bytes);
  if (!g.ok || version != 0 || std::size_t(rows * columns) != f->tiles.size() || width == 0 || height == 0 ||
      width >= std::uint64_t(side_limit) || height >= std::uint64_t(side_limit) || width * height > max_pixels)
    return std::nullopt;

  grid_layout layout;
  layout.width = int(width);
  layout.height = int(height);
  layout.columns = columns;
  const item& first = f->items[f->tiles.front()];
  layout.tile_width = int(first.width);
  layout.tile_height = int(first.height);
  // Every tile of one size, together covering the image, each of them at least in part.
  if (std::uint64_t(columns) * first.width < width || std::uint64_t(columns - 1) * first.width >= width ||
      std::uint64_t(rows) * first.height < height || std::uint64_t(rows - 1) * first.height >= height)
    return std::nullopt;
  for (std::uint32_t id : f->tiles) {
    const item& it = f->items[id];
    if (!is_8_bit_hevc_tile(it) || it.width != first.width || it.height != first.height) return std::nullopt;
    std::optional<std::vector<std::uint8_t>> annex_b = parameter_sets(it.hvcc);
    std::optional<std::vector<std::uint8_t>> data = item_data(it, *f, file);
    if (!annex_b || !data || !append_annex_b(*annex_b, *data)) return std::nullopt;
    layout.tiles.push_back({std::move(*annex_b), it.nclx});
  }
  return layout;
}

// libheif's YCbCr to RGB conversion (Op_YCbCr_to_RGB, 8 bits) in 16-bit fixed point, by tables:
// R = Y' + r_cr Cr', G = Y' + g_cb Cb' + g_cr Cr', B = Y' + b_cb Cb', rounded half up, where limited
// range stretches Y' = (Y - 16) 1.1689 and the chroma by 1.1429.
struct conversion {
  std::int32_t y[256], r_cr[256], g_cb[256], g_cr[256], b_cb[256];
  // the same in 13-bit fixed point for 16 bits lanes: Y' = (ys Y + offset) >> 13, the chroma centred
  std::int16_t ys, rcr, gcb, gcr, bcb;
  std::int32_t offset;
};

// Kr and Kb of the matrices libheif knows by number; nullopt for those it treats differently
// (0: GBR, 8: YCgCo, 12 and 13: from the colour primaries), which this leaves to libheif.
std::optional<std::pair<float, float>> kr_kb(int matrix) {
  switch (matrix) {
    case 0: case 8: case 12: case 13: return std::nullopt;
    case 1: return std::pair{0.2126f, 0.0722f};
    case 4: return std::pair{0.30f, 0.11f};
    case 5: case 6: return std::pair{0.299f, 0.114f};
    case 7: return std::pair{0.212f, 0.087f};
    case 9: case 10: return std::pair{0.2627f, 0.0593f};
    default: return std::pair{0.299f, 0.114f};  // unspecified and others: libheif's default, BT.601
  }
}

std::optional<conversion> conversion_for(colour nclx) {
  std::optional<std::pair<float, float>> k = kr_kb(nclx.matrix);
  if (!k) return std::nullopt;
  auto [kr, kb] = *k;
  const double r_cr = 2 * (1 - kr), b_cb = 2 * (1 - kb);
  const double g_cb = 2 * kb * (1 - kb) / (kb + kr - 1), g_cr = 2 * kr * (1 - kr) / (kb + kr - 1);
  const double y_scale = nclx.full_range ? 1 : 1.1689, c_scale = nclx.full_range ? 1 : 1.1429;
  const double y_offset = nclx.full_range ? 0 : 16;
  auto fixed = [](double v) { return std::int32_t(std::lround(v * 65536)); };
  auto fixed13 = [](double v) { return std::int16_t(std::lround(v * 8192)); };
  conversion c;
  c.ys = fixed13(y_scale);
  c.rcr = fixed13(r_cr * c_scale);
  c.gcb = fixed13(g_cb * c_scale);
  c.gcr = fixed13(g_cr * c_scale);
  c.bcb = fixed13(b_cb * c_scale);
  c.offset = std::int32_t(std::lround((0.5 - y_offset * y_scale) * 8192));
  for (int v = 0; v < 256; ++v) {
    c.y[v] = fixed((v - y_offset) * y_scale + 0.5);  // the rounding rides on the luma term
    c.r_cr[v] = fixed(r_cr * c_scale * (v - 128));
    c.g_cb[v] = fixed(g_cb * c_scale * (v - 128));
    c.g_cr[v] = fixed(g_cr * c_scale * (v - 128));
    c.b_cb[v] = fixed(b_cb * c_scale * (v - 128));
  }
  return c;
}

std::uint8_t clip(std::int32_t fixed) { return std::uint8_t(std::clamp(fixed >> 16, 0, 255)); }

void put_pixel(std::uint8_t* __restrict bgr, std::int32_t luma, std::int32_t b, std::int32_t g, std::int32_t r) {
  bgr[0] = clip(luma + b);
  bgr[1] = clip(luma + g);
  bgr[2] = clip(luma + r);
}

// The chroma terms of each sample are worked out once for the luma samples that share it. The
// samples are read into locals first: stores to `bgr` might otherwise alias them and force reloads.
#if CV_SIMD128
// 8 pixels of one colour: (Y ys + chroma_1 c_1 + chroma_2 c_2 + offset) >> 13, the first products
// summed in pairs (pmaddwd).
cv::v_int16x8 channel(const cv::v_int16x8& luma, const cv::v_int16x8& chroma_1, const cv::v_int16x8& coefficients_1,
                      const cv::v_int16x8& chroma_2, const cv::v_int16x8& coefficient_2, const cv::v_int32x4& offset) {
  cv::v_int16x8 pairs_lo, pairs_hi;
  cv::v_zip(luma, chroma_1, pairs_lo, pairs_hi);
  cv::v_int32x4 lo = cv::v_dotprod(pairs_lo, coefficients_1) + offset, hi = cv::v_dotprod(pairs_hi, coefficients_1) + offset;
  cv::v_int32x4 second_lo, second_hi;
  cv::v_mul_expand(chroma_2, coefficient_2, second_lo, second_hi);
  return cv::v_pack((lo + second_lo) >> 13, (hi + second_hi) >> 13);
}

// 16 pixels whose chroma is subsampled horizontally; returns how many were converted.
int convert_row_simd(const conversion& c, const std::uint8_t* y, const std::uint8_t* cb, const std::uint8_t* cr,
                     std::uint8_t* bgr, int width) {
  const cv::v_int16x8 yr = cv::v_int16x8(c.ys, c.rcr, c.ys, c.rcr, c.ys, c.rcr, c.ys, c.rcr);
  const cv::v_int16x8 yg = cv::v_int16x8(c.ys, c.gcb, c.ys, c.gcb, c.ys, c.gcb, c.ys, c.gcb);
  const cv::v_int16x8 yb = cv::v_int16x8(c.ys, c.bcb, c.ys, c.bcb, c.ys, c.bcb, c.ys, c.bcb);
  const cv::v_int16x8 gcr = cv::v_setall_s16(c.gcr), zero = cv::v_setzero_s16(), centre = cv::v_setall_s16(128);
  const cv::v_int32x4 offset = cv::v_setall_s32(c.offset);
  int x = 0;
  for (; x + 16 <= width; x += 16) {
    cv::v_uint8x16 cb_pairs, cr_pairs, unused;
    cv::v_zip(cv::v_load_low(cb + x / 2), cv::v_load_low(cb + x / 2), cb_pairs, unused);
    cv::v_zip(cv::v_load_low(cr + x / 2), cv::v_load_low(cr + x / 2), cr_pairs, unused);
    cv::v_uint16x8 l[2], b_[2], r_[2];
    cv::v_expand(cv::v_load(y + x), l[0], l[1]);
    cv::v_expand(cb_pairs, b_[0], b_[1]);
    cv::v_expand(cr_pairs, r_[0], r_[1]);
    cv::v_int16x8 out_b[2], out_g[2], out_r[2];
    for (int h = 0; h < 2; ++h) {
      cv::v_int16x8 luma = cv::v_reinterpret_as_s16(l[h]);
      cv::v_int16x8 cb_c = cv::v_reinterpret_as_s16(b_[h]) - centre, cr_c = cv::v_reinterpret_as_s16(r_[h]) - centre;
      out_b[h] = channel(luma, cb_c, yb, zero, zero, offset);
      out_g[h] = channel(luma, cb_c, yg, cr_c, gcr, offset);
      out_r[h] = channel(luma, cr_c, yr, zero, zero, offset);
    }
    cv::v_store_interleave(bgr + 3 * x, cv::v_pack_u(out_b[0], out_b[1]), cv::v_pack_u(out_g[0], out_g[1]),
                           cv::v_pack_u(out_r[0], out_r[1]));
  }
  return x;
}
#endif

template <int shift_x>
void convert_row(const conversion& c, const std::uint8_t* __restrict y, const std::uint8_t* __restrict cb,
                 const std::uint8_t* __restrict cr, std::uint8_t* __restrict bgr, int width) {
  constexpr int step = 1 << shift_x;
  int x = 0;
#if CV_SIMD128
  if (shift_x == 1) x = convert_row_simd(c, y, cb, cr, bgr, width);
#endif
  for (; x + step <= width; x += step) {
    const int cb_sample = cb[x >> shift_x], cr_sample = cr[x >> shift_x];
    const std::int32_t b = c.b_cb[cb_sample], g = c.g_cb[cb_sample] + c.g_cr[cr_sample], r = c.r_cr[cr_sample];
    for (int i = 0; i < step; ++i) put_pixel(bgr + 3 * (x + i), c.y[y[x + i]], b, g, r);
  }
  for (; x < width; ++x) {  // the last column of an odd width
    const int cb_sample = cb[x >> shift_x], cr_sample = cr[x >> shift_x];
    put_pixel(bgr + 3 * x, c.y[y[x]], c.b_cb[cb_sample], c.g_cb[cb_sample] + c.g_cr[cr_sample], c.r_cr[cr_sample]);
  }
}

// Converts the top left of `picture` into `out` (of at most its size).
void convert(const ycbcr_picture& picture, const conversion& c, cv::Mat out) {
  for (int row = 0; row < out.rows; ++row) {
    const int chroma_row = row >> picture.chroma_shift_y;
    const std::uint8_t* y = picture.planes[0] + row * picture.strides[0];
    const std::uint8_t* cb = picture.planes[1] + chroma_row * picture.strides[1];
    const std::uint8_t* cr = picture.planes[2] + chroma_row * picture.strides[2];
    if (picture.chroma_shift_x) convert_row<1>(c, y, cb, cr, out.ptr(row), out.cols);
    else convert_row<0>(c, y, cb, cr, out.ptr(row), out.cols);
  }
}

// Decodes tile `index` into its place in `bgr`; false when it cannot be decoded as expected.
bool decode_tile(grid_layout& layout, int index, hevc_decoders& decoders, cv::Mat& bgr) {
  tile& t = layout.tiles[std::size_t(index)];
  std::optional<conversion> c = conversion_for(t.nclx);
  if (!c) return false;
  const int x0 = index % layout.columns * layout.tile_width, y0 = index / layout.columns * layout.tile_height;
  cv::Mat place = bgr(cv::Rect(x0, y0, std::min(layout.tile_width, layout.width - x0),
                               std::min(layout.tile_height, layout.height - y0)));
  bool as_expected = false;
  bool decoded = decoders.decode_ycbcr8(t.annex_b, [&](const ycbcr_picture& picture) {
    // libheif places tiles by their declared size, so a tile of another size would leave gaps or overlap
    as_expected = picture.width == layout.tile_width && picture.height == layout.tile_height;
    if (as_expected) convert(picture, *c, place);
  });
  return decoded && as_expected;
}

}  // namespace

std::optional<cv::Mat> decode_heif_grid(std::span<const std::uint8_t> file, std::uint64_t max_pixels, int side_limit) {
  std::optional<grid_layout> layout = read_grid(file, max_pixels, side_limit);
  if (!layout) return std::nullopt;
  cv::Mat bgr(layout->height, layout->width, CV_8UC3);
  hevc_decoders decoders;
  std::atomic<bool> failed{false};
  cv::parallel_for_(cv::Range(0, int(layout->tiles.size())), [&](const cv::Range& range) {
    for (int i = range.start; i < range.end && !failed; ++i)
      if (!decode_tile(*layout, i, decoders, bgr)) failed = true;
  });
  if (failed) return std::nullopt;
  return bgr;
}

}  // namespace hallpass::imaging::detail
