// Makes HEIC test files with libheif's own encoder.
#pragma once

#include <opencv2/core.hpp>

#include <optional>
#include <string>

namespace hallpass::imaging::testing {

// The image (8-bit BGR, or BGRA for a photo with an alpha plane) as a HEIC file at libheif's
// quality 0-100; nullopt when this libheif build has no HEVC encoder.
std::optional<std::string> encode_heic(const cv::Mat& image, int quality = 80);

// The image (8-bit grey or BGR) as a HEIC of `bits` (8 to 12) per sample, chroma subsampled as
// `chroma` says ("420", "422", "444"; grey is coded as grey); nullopt without an HEVC encoder.
std::optional<std::string> encode_heic_as(const cv::Mat& image, int bits, const std::string& chroma);

// An nclx colour description ('colr' property): how the YCbCr samples are to be turned into RGB.
struct nclx {
  int matrix = 6;  // matrix_coefficients: 1 BT.709, 6 BT.601
  bool full_range = true;
};

// The image (8-bit BGR) as phones save it: a grid item of `tile` x `tile` HEVC tiles (the
// right and bottom tiles padded), each tile coded on its own, and each given `tile_colour` when
// set. nullopt without an HEVC encoder.
std::optional<std::string> encode_heic_grid(const cv::Mat& bgr, int tile = 512, int quality = 80,
                                            std::optional<nclx> tile_colour = std::nullopt);

}  // namespace hallpass::imaging::testing
