#include "geometry.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace hallpass::imaging::detail {

line2 line2::through(cv::Point2d a, cv::Point2d b) {
  line2 l;
  l.length = cv::norm(b - a);
  l.p = (a + b) * 0.5;
  l.d = l.length > 0 ? (b - a) / l.length : cv::Point2d(1, 0);
  return l;
}

line2 line2::border(cv::Point2d a, cv::Point2d b) {
  line2 l = through(a, b);
  l.is_border = true;
  return l;
}

double line2::y_at(double x) const { return std::abs(d.x) < 1e-9 ? p.y : p.y + (x - p.x) * d.y / d.x; }
double line2::x_at(double y) const { return std::abs(d.y) < 1e-9 ? p.x : p.x + (y - p.y) * d.x / d.y; }
double line2::distance(cv::Point2d q) const { return std::abs((q - p).cross(d)); }

std::vector<line2> merge_collinear(const std::vector<line2>& segments, double angle_deg, double dist_px) {
  struct acc {
    line2 line;
    double w = 0;
    cv::Point2d sum;
    cv::Matx22d moment;  // length-weighted second moments of the member segments
  };
  std::vector<acc> groups;
  double cos_tol = std::cos(angle_deg * CV_PI / 180);
  for (const line2& s : segments) {
    cv::Point2d a = s.p - s.d * (s.length / 2), b = s.p + s.d * (s.length / 2);
    acc* target = nullptr;
    for (acc& g : groups) {
      if (std::abs(g.line.d.dot(s.d)) < cos_tol) continue;
      if (g.line.distance(a) > dist_px || g.line.distance(b) > dist_px) continue;
      target = &g;
      break;
    }
    if (!target) {
      groups.push_back({s, 0, {0, 0}, cv::Matx22d::zeros()});
      target = &groups.back();
      target->line.length = 0;
    }
    cv::Point2d m = s.p, e = b - a;
    target->w += s.length;
    target->sum += m * s.length;
    target->moment += s.length * (cv::Matx22d(m.x * m.x, m.x * m.y, m.x * m.y, m.y * m.y) +
                                  cv::Matx22d(e.x * e.x, e.x * e.y, e.x * e.y, e.y * e.y) * (1.0 / 12));
    target->line.length += s.length;
  }
  std::vector<line2> out;
  for (acc& g : groups) {
    cv::Point2d c = g.sum / g.w;
    cv::Matx22d cov = g.moment * (1.0 / g.w) - cv::Matx22d(c.x * c.x, c.x * c.y, c.x * c.y, c.y * c.y);
    double angle = 0.5 * std::atan2(2 * cov(0, 1), cov(0, 0) - cov(1, 1));  // principal axis
    g.line.p = c;
    g.line.d = {std::cos(angle), std::sin(angle)};
    out.push_back(g.line);
  }
  std::sort(out.begin(), out.end(), [](const line2& x, const line2& y) { return x.length > y.length; });
  return out;
}

bool intersect(const line2& a, const line2& b, cv::Point2d& out) {
  double den = a.d.cross(b.d);
  if (std::abs(den) < 1e-6) return false;
  double t = (b.p - a.p).cross(b.d) / den;
  out = a.p + a.d * t;
  return true;
}

bool is_convex(const std::array<cv::Point2d, 4>& q) {
  int sign = 0;
  for (int k = 0; k < 4; ++k) {
    double c = (q[(k + 1) % 4] - q[k]).cross(q[(k + 2) % 4] - q[(k + 1) % 4]);
    int s = c > 0 ? 1 : (c < 0 ? -1 : 0);
    if (s == 0 || (sign != 0 && s != sign)) return false;
    sign = s;
  }
  return true;
}

namespace {

// Bilinear sample of channel c of an 8-bit image; false outside.
bool sample(const cv::Mat& img, double x, double y, int c, double& v) {
  if (x < 0 || y < 0 || x >= img.cols - 1 || y >= img.rows - 1) return false;
  int x0 = int(x), y0 = int(y);
  double fx = x - x0, fy = y - y0;
  int ch = img.channels();
  const std::uint8_t* r0 = img.ptr<std::uint8_t>(y0) + x0 * ch + c;
  const std::uint8_t* r1 = img.ptr<std::uint8_t>(y0 + 1) + x0 * ch + c;
  v = (r0[0] * (1 - fx) + r0[ch] * fx) * (1 - fy) + (r1[0] * (1 - fx) + r1[ch] * fx) * fy;
  return true;
}

// Best edge position along the normal of each sample point of one side; fits a line.
bool refine_side(const cv::Mat& img, cv::Point2d a, cv::Point2d b, double radius, line2& out) {
  cv::Point2d d = b - a;
  double len = cv::norm(d);
  if (len < 8) return false;
  cv::Point2d n(-d.y / len, d.x / len);
  constexpr int samples = 64;
  constexpr double step = 0.5;
  int steps = int(radius / step);
  std::vector<cv::Point2f> pts;
  std::vector<int> signs;
  std::vector<double> prof(2 * steps + 1);
  for (int i = 0; i < samples; ++i) {
    cv::Point2d p = a + d * (0.08 + 0.84 * i / (samples - 1));
    double best = 0, best_off = 0;
    int best_sign = 0;
    for (int c = 0; c < img.channels(); ++c) {
      bool ok = true;
      for (int k = -steps; k <= steps && ok; ++k)
        ok = sample(img, p.x + n.x * k * step, p.y + n.y * k * step, c, prof[k + steps]);
      if (!ok) break;
      for (int k = 2; k + 2 < int(prof.size()); ++k) {
        double g = (prof[k + 2] + prof[k + 1] - prof[k - 1] - prof[k - 2]) / (6 * step);
        if (std::abs(g) > best) {
          best = std::abs(g);
          best_off = (k - steps) * step;
          best_sign = g > 0 ? 1 : -1;
        }
      }
    }
    if (best < 2.0) continue;
    pts.emplace_back(p + n * best_off);
    signs.push_back(best_sign);
  }
  if (pts.size() < 10) return false;
  int vote = 0;
  for (int s : signs) vote += s;
  std::vector<cv::Point2f> kept;
  for (std::size_t i = 0; i < pts.size(); ++i)
    if ((signs[i] > 0) == (vote > 0)) kept.push_back(pts[i]);
  if (kept.size() < 10) return false;
  cv::Vec4f l;
  cv::fitLine(kept, l, cv::DIST_HUBER, 0, 0.01, 0.01);
  out.d = {l[0], l[1]};
  out.p = {l[2], l[3]};
  // a fitted line that turned far from the first guess is a different edge: keep the guess
  return std::abs(out.d.dot(d / len)) > std::cos(4 * CV_PI / 180);
}

}  // namespace

std::array<cv::Point2d, 4> refine_quad(const cv::Mat& image, std::array<cv::Point2d, 4> q, double search_scale) {
  double radius = std::max(4.0, 2.5 * search_scale);
  for (int pass = 0; pass < 2; ++pass, radius = std::max(3.0, radius / 2.5)) {
    std::array<line2, 4> sides;
    for (int s = 0; s < 4; ++s) {
      cv::Point2d a = q[s], b = q[(s + 1) % 4];
      sides[s] = line2::through(a, b);
      bool on_border = (std::abs(a.x - b.x) < 3 && (a.x < 3 || a.x > image.cols - 4)) ||
                       (std::abs(a.y - b.y) < 3 && (a.y < 3 || a.y > image.rows - 4));
      line2 fitted;
      if (!on_border && refine_side(image, a, b, radius, fitted)) sides[s] = fitted;
    }
    std::array<cv::Point2d, 4> next;
    bool ok = true;
    for (int k = 0; k < 4 && ok; ++k) ok = intersect(sides[(k + 3) % 4], sides[k], next[k]);
    if (!ok || !is_convex(next)) break;
    for (int k = 0; k < 4; ++k)
      if (cv::norm(next[k] - q[k]) > 4 * radius) ok = false;  // a corner ran away: keep the old one
    if (!ok) break;
    q = next;
  }
  return q;
}

}  // namespace hallpass::imaging::detail
