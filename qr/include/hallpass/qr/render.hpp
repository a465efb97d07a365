#pragma once
// Module matrix -> pixels (8-bit grey), PNG bytes or SVG text. Every module is a whole
// number of pixels and the symbol is surrounded by a light quiet zone.

#include "hallpass/qr/encode.hpp"
#include "hallpass/qr/error.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hallpass::qr {

inline constexpr int min_quiet_zone = 4;   // modules, ISO/IEC 18004
inline constexpr int max_module_px = 64;   // per side; larger is never useful for a screen or printer

struct raster_options {
    int module_px = 8;              // pixels (or printer dots) per module side, 1..max_module_px
    int quiet_zone = min_quiet_zone; // modules of light margin on each side, min_quiet_zone..40
};

// An owned 8-bit grey image, row-major without padding: pixels[y * width + x],
// 0 = dark module, 255 = light.
struct gray_image {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
};

// Side of the rendered image in pixels: (size + 2 * quiet_zone) * module_px.
int rendered_side(const module_matrix& m, const raster_options& opt) noexcept;

// Rasterises at exactly opt.module_px pixels per module (for printers: dots per module).
// Errors: invalid_options (empty matrix, module_px or quiet_zone out of range).
result<gray_image> rasterise(const module_matrix& m, const raster_options& opt = {});

// A single-channel 8-bit PNG of rasterise(m, opt).
// Errors: invalid_options, internal (PNG encoder failure).
result<std::vector<std::uint8_t>> render_png(const module_matrix& m, const raster_options& opt = {});

// A standalone SVG document: viewBox in modules ("0 0 S S" with S = size + 2 * quiet_zone),
// width/height attributes S * module_px (px), a white background rectangle and a single
// black <path> made of one "M x y h n v 1 h -n z" rectangle per horizontal run of dark
// modules, with shape-rendering="crispEdges".
// Errors: invalid_options.
result<std::string> render_svg(const module_matrix& m, const raster_options& opt = {});

} // namespace hallpass::qr
