// cv::Mat entry points of hallpass::imaging, for in-process callers that already hold
// decoded frames (the kiosk camera, the evaluation tools). The server uses imaging.hpp.
// Same contract: no exceptions leave these functions; thread-safe.
#pragma once

#include <hallpass/imaging/imaging.hpp>

#include <opencv2/core.hpp>

namespace hallpass::imaging {

struct detection {
  bool found = false;
  std::array<point, 4> corners{};  // clockwise from top-left, in the given image's pixels
  double confidence = 0;           // 0..1
  bool touches_border = false;     // a side of the page was taken from the image border
};

// Finds the page in a BGR or grey image. `search_long_side` is the resolution of the
// candidate search; corners are then refined on `image` itself.
detection find_page(const cv::Mat& image, int search_long_side = 720);

// Same, but searches on `search` (a reduced copy of `full`) and refines on `full`.
detection find_page(const cv::Mat& search, const cv::Mat& full);

// Runs the whole pipeline on a decoded BGR photo (EXIF orientation already applied).
page_result process_image(const cv::Mat& bgr, const options& opts = {});

}  // namespace hallpass::imaging
