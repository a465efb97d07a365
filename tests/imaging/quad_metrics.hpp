// Accuracy measures for page quadrilaterals (shared by the tests and the evaluation tool).
#pragma once

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace hallpass::imaging::testing {

using quad = std::array<cv::Point2d, 4>;

// Jaccard index (intersection over union) of two convex quadrilaterals.
inline double quad_iou(const quad& a, const quad& b) {
  std::vector<cv::Point2f> pa(a.begin(), a.end()), pb(b.begin(), b.end()), inter;
  if (cv::contourArea(pa, true) < 0) std::reverse(pa.begin(), pa.end());
  if (cv::contourArea(pb, true) < 0) std::reverse(pb.begin(), pb.end());
  if (!cv::isContourConvex(pa) || !cv::isContourConvex(pb)) return 0;
  double ia = cv::intersectConvexConvex(pa, pb, inter, true);
  double ua = cv::contourArea(pa) + cv::contourArea(pb) - ia;
  return ua > 0 ? ia / ua : 0;
}

// Mean distance between corresponding corners, as a percentage of the photo diagonal.
inline double corner_error_pct(const quad& a, const quad& b, cv::Size photo) {
  double sum = 0;
  for (int k = 0; k < 4; ++k) sum += cv::norm(a[k] - b[k]);
  return 100.0 * sum / 4 / std::hypot(photo.width, photo.height);
}

}  // namespace hallpass::imaging::testing
