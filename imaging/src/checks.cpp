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

// A dark stroke crossed by a row: its darkness profile D(x) = paper - grey(x) between the
// paper on either side. For a stroke of width w and ink contrast C blurred by a Gaussian of
// sigma, the area is C w and the second moment about the centre is sigma^2 + w^2 / 12 (plus
// 1/12 from sampling). Unlike the steepest gradient, this stays accurate well below one pixel
// and for strokes thinner than the blur, which is all a 2 MP photo of a page has.
struct stroke {
  double moment2, area, depth, paper;
};

// Strokes crossed by the rows of `t` (grey, CV_32F) whose paper lies within `reach` pixels on
// both sides. Only strokes within about 17 degrees of the column direction: a slanted stroke
// looks wider and softer along a row.
void strokes_along_rows(const cv::Mat& t, int reach, double min_depth, std::vector<stroke>& out) {
  cv::Mat s;  // smoothed along the stroke against noise
  cv::Mat_<float> along = (cv::Mat_<float>(3, 1) << 0.25f, 0.5f, 0.25f);
  cv::filter2D(t, s, CV_32F, along, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
  for (int y = 1; y + 1 < t.rows; ++y) {
    const float *p = s.ptr<float>(y), *row = t.ptr<float>(y), *up = t.ptr<float>(y - 1), *down = t.ptr<float>(y + 1);
    for (int x0 = reach; x0 + reach < t.cols; ++x0) {
      if (!(p[x0] < p[x0 - 1] && p[x0] <= p[x0 + 1])) continue;
      int l = x0 - 1, r = x0 + 1;  // the paper: the brightest point within reach on each side
      for (int x = x0 - reach; x < x0; ++x) l = p[x] > p[l] ? x : l;
      for (int x = x0 + 1; x <= x0 + reach; ++x) r = p[x] > p[r] ? x : r;
      double paper = std::min(p[l], p[r]), depth = paper - p[x0];
      if (depth < min_depth || std::abs(p[l] - p[r]) > 0.2 * depth) continue;
      double tol = 0.1 * depth + 1;  // one stroke, not two: the profile falls, then rises
      bool single = true;
      for (int x = l + 1; x <= x0 && single; ++x) single = p[x] <= p[x - 1] + tol;
      for (int x = x0; x < r && single; ++x) single = p[x + 1] >= p[x] - tol;
      if (!single) continue;
      auto upright = [&](int a, int b) {  // at the steepest point of a flank
        int at = a;
        for (int x = a; x <= b; ++x) at = std::abs(row[x + 1] - row[x - 1]) > std::abs(row[at + 1] - row[at - 1]) ? x : at;
        return std::abs(down[at] - up[at]) <= 0.6 * std::abs(row[at + 1] - row[at - 1]);
      };
      if (!upright(std::max(l, 1), x0) || !upright(x0, std::min(r, t.cols - 2))) continue;
      double a = 0, m1 = 0, m2 = 0;
      for (int x = l; x <= r; ++x) {
        double d = std::max(0.0, paper - p[x]);
        a += d, m1 += d * x, m2 += d * x * x;
      }
      out.push_back({m2 / a - (m1 / a) * (m1 / a), a, depth, paper});
    }
  }
}

}  // namespace

double photo_sharpness(const cv::Mat& photo, const cv::Mat& search, const std::array<point, 4>& quad) {
  // Tiles are ranked by edge energy on the small search copy (text-rich first), then the blur
  // of the text strokes is measured at full size on the few best tiles.
  double f = double(search.cols) / photo.cols;
  double scale12 = std::sqrt(double(photo.total()) / 12e6);  // photo pixels per 12 MP pixel
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
  // wide enough for a stroke blurred to the threshold (about 1.5 px at 12 MP) and its paper
  int reach = std::max(4, int(std::ceil(8 * scale12)));
  std::vector<double> tile_var;
  for (std::size_t i = 0; i < std::min<std::size_t>(tiles.size(), 24); ++i) {
    cv::Rect r(int(tiles[i].r.x / f), int(tiles[i].r.y / f), full_tile, full_tile);
    r &= cv::Rect(0, 0, photo.cols, photo.rows);
    if (r.width < 16 || r.height < 16) continue;
    cv::Mat t8, t;
    cv::cvtColor(photo(r), t8, cv::COLOR_BGR2GRAY);
    double lo = percentile(t8, 0.03), hi = percentile(t8, 0.97);
    if (hi - lo < 60) continue;  // no text here
    t8.convertTo(t, CV_32F);
    std::vector<stroke> strokes;
    double min_depth = std::max(30.0, 0.3 * (hi - lo));
    strokes_along_rows(t, reach, min_depth, strokes);
    strokes_along_rows(t.t(), reach, min_depth, strokes);
    if (strokes.size() < 5) continue;
    // The ink contrast C gives each stroke's width (area / C). The darkest strokes show it
    // when they are flat-bottomed (area / (depth * spread) near sqrt(12), a box; a Gaussian
    // gives 2.5): then the ink, whatever its colour, is reached. When even the darkest strokes
    // are rounded, thin strokes blurred lost depth, and ink is taken as at least 0.8 x paper
    // (black print), or the blurred strokes would pass as thinner ones, sharp.
    std::vector<double> depths, shapes;
    for (const stroke& s : strokes) depths.push_back(s.depth);
    std::sort(depths.begin(), depths.end());
    double ink = depths[depths.size() * 9 / 10];
    for (const stroke& s : strokes)
      if (s.depth >= ink) shapes.push_back(s.area / (s.depth * std::sqrt(std::max(s.moment2 - 1.0 / 12, 0.01))));
    std::nth_element(shapes.begin(), shapes.begin() + shapes.size() / 2, shapes.end());
    bool ink_reached = shapes[shapes.size() / 2] >= 2.95;
    std::vector<double> var;
    for (const stroke& s : strokes) {
      double w = s.area / std::max({ink, s.depth, ink_reached ? 0.0 : 0.8 * s.paper});
      var.push_back(s.moment2 - w * w / 12 - 1.0 / 12);
    }
    // the sharper strokes: printing or a soft font only widens a stroke's edges, blur all of them
    std::nth_element(var.begin(), var.begin() + var.size() / 5, var.end());
    tile_var.push_back(var[var.size() / 5]);
  }
  if (tile_var.size() < 3) return -1;
  std::sort(tile_var.begin(), tile_var.end());
  // sharpest quarter of the tiles: depth of field may blur a part of the page
  double sigma = std::sqrt(std::max(tile_var[tile_var.size() / 4], 0.01));
  return scale12 / sigma;
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
