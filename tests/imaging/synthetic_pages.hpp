// Seeded, deterministic synthetic document photos with known page corners: rendered pages
// (text, tables, ID-card layouts) warped onto varied backgrounds with lighting, shadows,
// noise, blur, finger occlusion and pages cut by the frame.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace hallpass::imaging::testing {

struct synthetic_options {
  cv::Size photo{1200, 1600};  // portrait phone photo
  double extra_blur_sigma = 0;   // applied to the whole photo after rendering (photo pixels)
  bool allow_cut = true;         // some pages run off the frame
  bool allow_glare = false;
};

struct synthetic_photo {
  cv::Mat bgr;
  std::array<cv::Point2d, 4> corners;  // TL, TR, BR, BL of the page, photo pixels
  bool expect_accept = true;           // false when the page is cut by the frame
  std::string kind;                    // "a4", "id_card", "letter"
  std::string background;
};

synthetic_photo make_synthetic(std::uint32_t seed, const synthetic_options& opts = {});

}  // namespace hallpass::imaging::testing
