// Quality measurements on the flattened page. Each returns a number compared with a
// threshold by the pipeline; nothing here decides.
#include "internal.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace hallpass::imaging::detail {

namespace {

double percentile(const cv::Mat& grey8, double q, const cv::Mat& mask = {}) {
  int hist[256] = {};
  long total = 0;
  for (int y = 0; y < grey8.rows; ++y) {
    const std::uint8_t* r = grey8.ptr<std::uint8_t>(y);
    const std::uint8_t* m = mask.empty() ? nullptr : mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < grey8.cols; ++x)
      if (!m || m[x]) ++hist[r[x]], ++total;
  }
  long want = long(q * total), run = 0;
  for (int v = 0; v < 256; ++v)
    if ((run += hist[v]) > want) return v;
  return 255;
}

}  // namespace

double photo_sharpness(const cv::Mat& photo, const cv::Mat& search, const std::array<point, 4>& quad) {
  // Tiles are ranked by edge energy on the small search copy (text-rich first), then the blur
  // of a step edge is measured at full size: for contrast C the steepest gradient is
  // C / (sigma * sqrt(2 pi)). Measuring in the photo keeps the unit independent of output dpi.
  double f = double(search.cols) / photo.cols;
  cv::Mat sg, gx, gy, energy;
  cv::cvtColor(search, sg, cv::COLOR_BGR2GRAY);
  cv::Sobel(sg, gx, CV_32F, 1, 0);
  cv::Sobel(sg, gy, CV_32F, 0, 1);
  energy = cv::abs(gx) + cv::abs(gy);
  std::vector<cv::Point2f> poly;
  cv::Point2f c(0, 0);
  for (const point& p : quad) c += cv::Point2f(float(p.x * f), float(p.y * f)) * 0.25f;
  for (const point& p : quad) poly.push_back(c + (cv::Point2f(float(p.x * f), float(p.y * f)) - c) * 0.85f);
  int full_tile = std::max(48, std::max(photo.cols, photo.rows) / 40);
  int ts = std::max(4, int(full_tile * f));
  struct ranked {
    double energy;
    cv::Rect r;
  };
  std::vector<ranked> tiles;
  for (int y = 0; y + ts <= sg.rows; y += ts)
    for (int x = 0; x + ts <= sg.cols; x += ts) {
      cv::Rect r(x, y, ts, ts);
      if (cv::pointPolygonTest(poly, cv::Point2f(x + ts / 2.f, y + ts / 2.f), false) < 0) continue;
      tiles.push_back({cv::mean(energy(r))[0], r});
    }
  std::sort(tiles.begin(), tiles.end(), [](const ranked& a, const ranked& b) { return a.energy > b.energy; });
  std::vector<double> sigmas;
  for (std::size_t i = 0; i < std::min<std::size_t>(tiles.size(), 24); ++i) {
    cv::Rect r(int(tiles[i].r.x / f), int(tiles[i].r.y / f), full_tile, full_tile);
    r &= cv::Rect(0, 0, photo.cols, photo.rows);
    if (r.width < 16 || r.height < 16) continue;
    cv::Mat t, tx, ty, mag;
    cv::cvtColor(photo(r), t, cv::COLOR_BGR2GRAY);
    double lo = percentile(t, 0.03), hi = percentile(t, 0.97);
    if (hi - lo < 60) continue;  // no text here
    cv::Sobel(t, tx, CV_32F, 1, 0, 3, 0.125);
    cv::Sobel(t, ty, CV_32F, 0, 1, 3, 0.125);
    cv::magnitude(tx, ty, mag);
    double g = 0;
    cv::minMaxLoc(mag(cv::Rect(1, 1, mag.cols - 2, mag.rows - 2)), nullptr, &g);
    if (g > 0) sigmas.push_back((hi - lo) / (g * std::sqrt(2 * CV_PI)));
  }
  if (sigmas.size() < 3) return -1;
  std::sort(sigmas.begin(), sigmas.end());
  return 1.0 / sigmas[sigmas.size() / 4];  // sharpest quarter: depth of field may blur a part
}

measurements measure_page(const cv::Mat& bgr) {
  measurements m;
  cv::Mat grey, small;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  double f = std::min(1.0, 600.0 / std::max(grey.cols, grey.rows));
  cv::resize(grey, small, cv::Size(), f, f, cv::INTER_AREA);

  // exposure on the small copy: fractions do not need full resolution
  m.paper_brightness = percentile(small, 0.90);
  long n = long(small.total());
  m.clipped_shadows = double(cv::countNonZero(small <= 8)) / n;
  m.clipped_highlights = double(cv::countNonZero(small >= 252)) / n;

  // glare: the paper itself (text removed) is clipped in a blob while the page as a whole
  // is not: a reflection, not an exposure choice
  cv::Mat paper;
  cv::dilate(small, paper, cv::getStructuringElement(cv::MORPH_RECT, {9, 9}));
  cv::erode(paper, paper, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
  if (percentile(paper, 0.5) < 228) {
    cv::Mat glare = paper >= 250, labels, stats, centroids, gx, gy, soft;
    cv::Sobel(paper, gx, CV_32F, 1, 0, 3, 0.125);
    cv::Sobel(paper, gy, CV_32F, 0, 1, 3, 0.125);
    cv::magnitude(gx, gy, gx);
    cv::dilate(gx, gx, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
    gx.convertTo(soft, CV_8U);
    int count = cv::connectedComponentsWithStats(glare, labels, stats, centroids, 8, CV_32S);
    for (int i = 1; i < count; ++i) {
      int area = stats.at<int>(i, cv::CC_STAT_AREA);
      if (area < 0.0005 * paper.total() || double(area) / paper.total() <= m.glare) continue;
      // a reflection stands out of the paper around it; white print on white card does not
      cv::Mat blob = labels == i, ring, edge;
      cv::erode(blob, edge, cv::Mat());
      edge = blob & ~edge;
      if (percentile(soft, 0.5, edge) > 12) continue;  // a sharp printed boundary, not a reflection
      int grow = std::max(3, int(std::sqrt(double(area)) * 0.5));
      cv::dilate(blob, ring, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * grow + 1, 2 * grow + 1}));
      ring &= ~blob;
      if (cv::countNonZero(ring) == 0 || percentile(paper, 0.5, ring) > 232) continue;
      m.glare = double(area) / paper.total();
    }
  }

  // ink: pixels clearly darker than the local paper level
  cv::Mat diff;
  cv::subtract(paper, small, diff);
  cv::Rect inner(small.cols / 20, small.rows / 20, small.cols * 9 / 10, small.rows * 9 / 10);
  m.ink = double(cv::countNonZero(diff(inner) > 40)) / inner.area();
  return m;
}

}  // namespace hallpass::imaging::detail
