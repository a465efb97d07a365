#include "classic_baseline.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <vector>

namespace hallpass::imaging::bench {

std::optional<std::array<cv::Point2d, 4>> classic_find_page(const cv::Mat& bgr) {
  double f = std::min(1.0, 720.0 / std::max(bgr.cols, bgr.rows));
  cv::Mat small, grey, edges;
  cv::resize(bgr, small, cv::Size(), f, f, cv::INTER_AREA);
  cv::cvtColor(small, grey, cv::COLOR_BGR2GRAY);
  cv::GaussianBlur(grey, grey, cv::Size(5, 5), 0);
  cv::Canny(grey, edges, 75, 200);
  cv::dilate(edges, edges, cv::Mat());
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(edges, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
  std::sort(contours.begin(), contours.end(),
            [](const auto& a, const auto& b) { return cv::contourArea(a) > cv::contourArea(b); });
  for (std::size_t i = 0; i < std::min<std::size_t>(contours.size(), 5); ++i) {
    std::vector<cv::Point> approx;
    cv::approxPolyDP(contours[i], approx, 0.02 * cv::arcLength(contours[i], true), true);
    if (approx.size() != 4 || !cv::isContourConvex(approx)) continue;
    if (cv::contourArea(approx) < 0.05 * small.total()) continue;
    // order: TL = smallest x+y, BR = largest, TR = smallest y-x, BL = largest y-x
    std::array<cv::Point2d, 4> q;
    auto by = [&](auto key, bool largest) {
      auto it = largest ? std::max_element(approx.begin(), approx.end(), [&](auto a, auto b) { return key(a) < key(b); })
                        : std::min_element(approx.begin(), approx.end(), [&](auto a, auto b) { return key(a) < key(b); });
      return cv::Point2d((it->x + 0.5) / f - 0.5, (it->y + 0.5) / f - 0.5);
    };
    q[0] = by([](cv::Point p) { return p.x + p.y; }, false);
    q[2] = by([](cv::Point p) { return p.x + p.y; }, true);
    q[1] = by([](cv::Point p) { return p.y - p.x; }, false);
    q[3] = by([](cv::Point p) { return p.y - p.x; }, true);
    return q;
  }
  return std::nullopt;
}

}  // namespace hallpass::imaging::bench
