// True-aspect rectification (focal length recovered from the quadrilateral when possible)
// and residual skew estimation from text lines.
#include "internal.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace hallpass::imaging::detail {

namespace {

struct known_paper {
  const char* name;
  double w_mm, h_mm;
};
constexpr known_paper papers[] = {{"a4", 210, 297}, {"id_card", 54, 85.6}, {"letter", 215.9, 279.4}};

// Aspect (width/height) of the physical rectangle behind a perspective quad, after
// Zhang & He, "Whiteboard scanning and image enhancement" (2007). nullopt if degenerate.
std::optional<double> projective_aspect(const std::array<point, 4>& c, cv::Size photo) {
  double u0 = photo.width / 2.0, v0 = photo.height / 2.0;
  auto h = [&](const point& p) { return cv::Vec3d(p.x - u0, p.y - v0, 1); };
  cv::Vec3d m1 = h(c[0]), m2 = h(c[1]), m3 = h(c[3]), m4 = h(c[2]);  // TL, TR, BL, BR
  double k2 = m1.cross(m4).dot(m3) / m2.cross(m4).dot(m3);
  double k3 = m1.cross(m4).dot(m2) / m3.cross(m4).dot(m2);
  cv::Vec3d n2 = k2 * m2 - m1, n3 = k3 * m3 - m1;
  double diag = std::hypot(photo.width, photo.height);
  double f2 = std::abs(n2[2] * n3[2]) > 1e-9 ? -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2]) : -1;
  double f_lo = 0.35 * diag, f_hi = 3.0 * diag;
  if (!(f2 > f_lo * f_lo && f2 < f_hi * f_hi)) f2 = 0.75 * 0.75 * diag * diag;  // near-frontal: typical phone lens
  double num = (n2[0] * n2[0] + n2[1] * n2[1]) / f2 + n2[2] * n2[2];
  double den = (n3[0] * n3[0] + n3[1] * n3[1]) / f2 + n3[2] * n3[2];
  if (!(num > 0 && den > 0)) return std::nullopt;
  double r = std::sqrt(num / den);
  if (!std::isfinite(r) || r <= 0) return std::nullopt;
  return r;
}

double dist(const point& a, const point& b) { return std::hypot(a.x - b.x, a.y - b.y); }

// ID-1 cards have rounded corners (radius 3.18 mm, 3.7 % of the long side): just inside the
// corner where the sides meet lies the background, while along each side near the corner lies
// the card. Paper has square corners. True when at least three corners that show enough
// contrast between card and background look rounded.
bool has_rounded_corners(const cv::Mat& photo, const std::array<point, 4>& c, double aspect) {
  constexpr double W = 480;
  double H = W / aspect, m = 0.06 * W;
  std::vector<cv::Point2f> src, dst{{float(m), float(m)}, {float(m + W), float(m)}, {float(m + W), float(m + H)},
                                    {float(m), float(m + H)}};
  for (const point& p : c) src.emplace_back(float(p.x + 0.5), float(p.y + 0.5));
  cv::Mat view;
  cv::warpPerspective(photo, view, cv::getPerspectiveTransform(src, dst), cv::Size(int(W + 2 * m), int(H + 2 * m)),
                      cv::INTER_AREA, cv::BORDER_REPLICATE);
  cv::blur(view, view, cv::Size(3, 3));
  auto at = [&](cv::Point2d p) {
    cv::Point q(std::clamp(int(p.x), 0, view.cols - 1), std::clamp(int(p.y), 0, view.rows - 1));
    cv::Vec3b v = view.at<cv::Vec3b>(q);
    return cv::Vec3d(v[0], v[1], v[2]);
  };
  int measurable = 0, rounded = 0;
  for (int k = 0; k < 4; ++k) {
    cv::Point2d corner(dst[k]), ex = k == 0 || k == 3 ? cv::Point2d(1, 0) : cv::Point2d(-1, 0);
    cv::Point2d ey = k < 2 ? cv::Point2d(0, 1) : cv::Point2d(0, -1);
    cv::Vec3d tip = at(corner + (ex + ey) * (0.005 * W));
    cv::Vec3d along = (at(corner + ex * (0.09 * W) + ey * (0.006 * W)) + at(corner + ey * (0.09 * W) + ex * (0.006 * W))) / 2;
    cv::Vec3d outside = at(corner - (ex + ey) * (0.025 * W));
    double contrast = cv::norm(along - outside);
    if (contrast < 30) continue;
    ++measurable;
    rounded += cv::norm(tip - outside) < 0.5 * contrast;
  }
  return measurable >= 3 && rounded >= 3;
}

}  // namespace

page_geometry choose_geometry(const cv::Mat& photo, const std::array<point, 4>& c, paper_kind kind) {
  page_geometry g;
  double w = std::max(dist(c[0], c[1]), dist(c[3], c[2]));
  double h = std::max(dist(c[0], c[3]), dist(c[1], c[2]));
  g.photo_long_px = std::max(w, h);
  double simple = w / std::max(1.0, h);
  g.aspect = projective_aspect(c, photo.size()).value_or(simple);
  if (std::abs(std::log(g.aspect / simple)) > std::log(1.6)) g.aspect = simple;  // unstable estimate
  bool landscape = g.aspect > 1;
  double ratio = landscape ? g.aspect : 1 / g.aspect;  // long / short
  const known_paper* chosen = nullptr;
  if (kind == paper_kind::a4) chosen = &papers[0];
  if (kind == paper_kind::id_card) chosen = &papers[1];
  if (kind == paper_kind::auto_detect) {
    // a card first: perspective can make its measured aspect anything from A4's to beyond
    // ID-1's, so its rounded corners decide
    double card_error = std::abs(std::log(ratio / (papers[1].h_mm / papers[1].w_mm)));
    if (card_error < 0.25 && has_rounded_corners(photo, c, g.aspect)) chosen = &papers[1];
    double best = 0.07;  // else snap only when the measured aspect is this close
    for (const known_paper& p : papers) {
      double e = std::abs(std::log(ratio / (p.h_mm / p.w_mm)));
      if (!chosen && e < best) best = e, chosen = &p;
    }
  }
  if (chosen) {
    g.paper = chosen->name;
    g.width_mm = landscape ? chosen->h_mm : chosen->w_mm;
    g.height_mm = landscape ? chosen->w_mm : chosen->h_mm;
    g.aspect = g.width_mm / g.height_mm;
  } else {
    g.paper = "measured";  // judged as A4-sized by the resolution check
  }
  return g;
}

cv::Matx33d page_homography(const std::array<point, 4>& c, cv::Size out) {
  std::vector<cv::Point2f> src, dst{{0, 0}, {float(out.width), 0}, {float(out.width), float(out.height)},
                                    {0, float(out.height)}};
  for (const point& p : c) src.emplace_back(float(p.x + 0.5), float(p.y + 0.5));
  cv::Mat h = cv::getPerspectiveTransform(src, dst);
  cv::Matx33d m;
  h.convertTo(cv::Mat(3, 3, CV_64F, m.val), CV_64F);
  return m;
}

double estimate_skew_degrees(const cv::Mat& grey) {
  if (grey.empty()) return 0;
  cv::Mat ink;
  cv::adaptiveThreshold(grey, ink, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, 25, 15);
  int mx = grey.cols / 12, my = grey.rows / 12;  // page borders and shadows are not text
  std::vector<cv::Point2f> pts;
  for (int y = my; y < grey.rows - my; ++y) {
    const std::uint8_t* r = ink.ptr<std::uint8_t>(y);
    for (int x = mx; x < grey.cols - mx; ++x)
      if (r[x]) pts.emplace_back(float(x - grey.cols / 2), float(y - grey.rows / 2));
  }
  if (pts.size() < 500) return 0;
  int bins = grey.rows * 2;
  std::vector<float> hist(bins);
  auto energy = [&](double deg) {
    std::fill(hist.begin(), hist.end(), 0.f);
    double a = deg * CV_PI / 180, s = std::sin(a), c = std::cos(a);
    for (const cv::Point2f& p : pts) {
      int b = int(p.y * c + p.x * s + bins / 2);
      if (b >= 0 && b < bins) hist[b] += 1;
    }
    double e = 0;
    for (float h : hist) e += double(h) * h;
    return e;
  };
  double best = 0, best_e = energy(0), e0 = best_e;
  for (double d = -3; d <= 3.001; d += 0.25) {
    double e = energy(d);
    if (e > best_e) best_e = e, best = d;
  }
  double centre = best;
  for (double d = centre - 0.25; d <= centre + 0.25; d += 0.05) {
    double e = energy(d);
    if (e > best_e) best_e = e, best = d;
  }
  if (best_e < e0 * 1.02) return 0;  // no clear text lines: leave the page as flattened
  return best;
}

}  // namespace hallpass::imaging::detail
