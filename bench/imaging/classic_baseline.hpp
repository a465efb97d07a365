// The classic page finder every document scanner tutorial uses, kept as the yardstick:
// grey -> blur -> Canny -> findContours -> largest 4-point approxPolyDP.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <optional>

namespace hallpass::imaging::bench {

std::optional<std::array<cv::Point2d, 4>> classic_find_page(const cv::Mat& bgr);

}  // namespace hallpass::imaging::bench
