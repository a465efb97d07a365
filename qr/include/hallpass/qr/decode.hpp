#pragma once
// Image -> QR text. Works on a borrowed 8-bit grey view (camera frames, screenshots) or on
// encoded image bytes (PNG, JPEG, WebP, BMP, ...). No image-library type appears here.

#include "hallpass/qr/error.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hallpass::qr {

// Borrowed 8-bit grey pixels: pixel (x, y) is data[y * stride + x]. stride 0 means width.
// The caller keeps the pixels alive for the duration of the call; nothing is retained.
struct gray_view {
    const std::uint8_t* data = nullptr;
    int width = 0;
    int height = 0;
    int stride = 0;
};

struct point {
    int x = 0;
    int y = 0;
    friend bool operator==(const point&, const point&) = default;
};

// One decoded symbol.
struct decoded {
    std::string text;                // content as UTF-8 (ECI honoured, otherwise guessed charset)
    std::vector<std::uint8_t> bytes; // content bytes exactly as stored in the symbol
    // Corners of the symbol in input-image pixels, in symbol order: top-left, top-right,
    // bottom-right, bottom-left of the upright symbol (so they rotate with it).
    std::array<point, 4> corners{};
    std::string ec_level;            // "L", "M", "Q", "H"; empty when not known (merged sequences)
    // Structured append: position and count in the sequence, and its id (parity);
    // -1 / -1 / "" for an ordinary symbol.
    int sequence_index = -1;
    int sequence_size = -1;
    std::string sequence_id;
};

struct decode_options {
    // On by default. Off: one pass of the decoder's own try-harder search on the image as
    // given (fast enough for every camera frame). On: if that finds nothing, retry on a few
    // cheap variants of the image - inverted (light on dark), half size, blurred with a
    // global threshold, enlarged (small images only), contrast-equalised - and stop at the
    // first that reads. An image without a symbol then costs up to 7 passes.
    bool try_harder = true;
    // decode_all: stop after this many symbols (1..255).
    int max_symbols = 16;
};

// The first (most prominent) symbol found.
// Errors: invalid_image, not_found, internal.
result<decoded> decode(gray_view image, const decode_options& opt = {});

// Every symbol found in the first image variant that yields any (see try_harder), up to
// opt.max_symbols. An image without a symbol gives an empty vector, not an error.
// Errors: invalid_image, internal.
result<std::vector<decoded>> decode_all(gray_view image, const decode_options& opt = {});

// Largest encoded image accepted by the *_image_bytes functions, and largest decoded image.
inline constexpr std::size_t max_image_bytes = 64u << 20;
inline constexpr long long max_image_pixels = 50'000'000;

// Reads encoded image bytes (PNG, JPEG, WebP, BMP, TIFF; alpha is composed over white,
// colour converted to grey; EXIF orientation is not applied, corners refer to stored pixels)
// and decodes as decode().
// Errors: image_unreadable, image_too_large, not_found, internal.
result<decoded> decode_image_bytes(std::span<const std::uint8_t> bytes, const decode_options& opt = {});

// As decode_all(), over encoded image bytes. Errors: image_unreadable, image_too_large, internal.
result<std::vector<decoded>> decode_all_image_bytes(std::span<const std::uint8_t> bytes,
                                                    const decode_options& opt = {});

// Structured append: decodes every image (each may hold one or more symbols of the
// sequence), and joins the symbols of one complete sequence, in sequence order, into a
// single result (text decoded over the joined bytes, so characters split between symbols
// survive). corners are those of the first symbol; sequence_index is -1.
// Errors: invalid_image, not_found (no symbol at all), sequence_incomplete (symbols
// missing, or symbols of different sequences / no sequence), internal.
result<decoded> decode_sequence(std::span<const gray_view> images, const decode_options& opt = {});

} // namespace hallpass::qr
