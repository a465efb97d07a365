// Plane geometry shared by the page finder, the baseline and the flattening step.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <vector>

namespace hallpass::imaging::detail {

// An infinite line with the extent and total length of the evidence that supports it.
struct line2 {
  cv::Point2d p, d;  // a point on the line, unit direction
  double length = 0;
  bool is_border = false;

  static line2 through(cv::Point2d a, cv::Point2d b);
  static line2 border(cv::Point2d a, cv::Point2d b);
  double y_at(double x) const;
  double x_at(double y) const;
  double distance(cv::Point2d q) const;
};

// Greedy merge of segments (longest first) lying on one line within the tolerances.
std::vector<line2> merge_collinear(const std::vector<line2>& segments, double angle_deg, double dist_px);
bool intersect(const line2& a, const line2& b, cv::Point2d& out);
bool is_convex(const std::array<cv::Point2d, 4>& q);

// Moves each side onto the strongest nearby edge of `image` (sub-pixel), then re-intersects.
// `search_scale` is the size of one search-image pixel in `image` pixels.
std::array<cv::Point2d, 4> refine_quad(const cv::Mat& image, std::array<cv::Point2d, 4> q, double search_scale);

}  // namespace hallpass::imaging::detail
