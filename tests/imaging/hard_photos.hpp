// Seeded synthetic photos of the hard conditions phones meet, one condition at a time, with
// known page corners. Every page lies fully in the frame, so every photo should be accepted
// unless it is blurred on purpose. The older generator (synthetic_pages.hpp) stays the
// regression set.
#pragma once

#include "synthetic_pages.hpp"

#include <string_view>
#include <vector>

namespace hallpass::imaging::testing {

enum class condition {
  white_on_white,     // white page on a white or light desk: little contrast at the edge
  card_on_texture,    // ID card on wood, cloth or stone
  steep_perspective,  // 25-30 degrees of pitch or yaw
  shadow,             // a hard-ish shadow across a page edge
  clutter,            // other papers, pens, a phone, notes around the page
  fingers,            // thumbs holding the page over its edges
  small_photos,       // the same scenes from 2 MP to 12 MP
};
std::string_view to_string(condition c);
const std::vector<condition>& all_conditions();

// Photo sizes the small-photos condition cycles through (portrait 3:4, 2 to 12 MP).
const std::vector<cv::Size>& photo_sizes();

struct hard_options {
  cv::Size photo{1500, 2000};  // ignored by small_photos unless `fixed_size`
  bool fixed_size = false;
  // Extra Gaussian blur given as sigma at 12 MP; scaled to the photo size (the same defocus
  // or shake blurs a smaller photo by fewer pixels).
  double blur_sigma_12mp = 0;
};

synthetic_photo make_hard(condition c, std::uint32_t seed, const hard_options& opts = {});

}  // namespace hallpass::imaging::testing
