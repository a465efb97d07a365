// Page finder: line segments (LSD) merged into lines, every top/bottom x left/right pairing
// scored as a page candidate (edge support, inside/outside contrast, shape priors), the best
// one refined at full resolution by sub-pixel edge search along each side.
#include "internal.hpp"
#include "geometry.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

namespace hallpass::imaging {

namespace {

using detail::line2;

struct search_view {
  cv::Mat lab;        // CV_32FC3, a/b weighted for colour edges
  cv::Mat region;     // same, median-filtered: text and rules removed, paper vs background kept
  cv::Mat surface;    // same, closed: dark print filled in with the paper around it, edges kept in place
  cv::Mat gx, gy;     // strongest-channel gradient
  cv::Mat mag;
  cv::Size size;
  double diag = 1;
};

search_view make_view(const cv::Mat& bgr) {
  search_view v;
  v.size = bgr.size();
  v.diag = std::hypot(v.size.width, v.size.height);
  cv::Mat blurred, lab8;
  cv::GaussianBlur(bgr, blurred, cv::Size(0, 0), 1.0);
  cv::cvtColor(blurred, lab8, cv::COLOR_BGR2Lab);
  lab8.convertTo(v.lab, CV_32FC3);
  std::vector<cv::Mat> ch;
  cv::split(v.lab, ch);
  ch[1] = (ch[1] - 128) * 2 + 128;  // colour differences count twice: white page vs beige desk
  ch[2] = (ch[2] - 128) * 2 + 128;
  cv::merge(ch, v.lab);
  cv::Mat med;
  cv::medianBlur(lab8, med, 5);
  med.convertTo(v.region, CV_32FC3);
  std::vector<cv::Mat> mch;
  cv::split(v.region, mch);
  mch[1] = (mch[1] - 128) * 2 + 128;
  mch[2] = (mch[2] - 128) * 2 + 128;
  cv::merge(mch, v.region);
  // closing keeps a step edge where it is but fills print thinner than the kernel
  cv::morphologyEx(v.region, v.surface, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {13, 13}));
  v.gx = cv::Mat::zeros(v.size, CV_32F);
  v.gy = cv::Mat::zeros(v.size, CV_32F);
  v.mag = cv::Mat::zeros(v.size, CV_32F);
  for (const cv::Mat& c : ch) {
    cv::Mat gx, gy, m;
    cv::Sobel(c, gx, CV_32F, 1, 0, 3, 0.125);
    cv::Sobel(c, gy, CV_32F, 0, 1, 3, 0.125);
    cv::magnitude(gx, gy, m);
    cv::Mat stronger = m > v.mag;
    gx.copyTo(v.gx, stronger);
    gy.copyTo(v.gy, stronger);
    m.copyTo(v.mag, stronger);
  }
  return v;
}

std::vector<line2> find_lines(const cv::Mat& bgr, const search_view& v) {
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  std::vector<cv::Vec4f> segs;
  cv::Ptr<cv::LineSegmentDetector> lsd = cv::createLineSegmentDetector(cv::LSD_REFINE_STD);
  lsd->detect(grey, segs);
  // the b (blue-yellow) channel separates white paper from warm desks where grey cannot
  cv::Mat lab, b8;
  cv::cvtColor(bgr, lab, cv::COLOR_BGR2Lab);
  cv::extractChannel(lab, b8, 2);
  cv::normalize(b8, b8, 0, 255, cv::NORM_MINMAX);
  cv::resize(b8, b8, cv::Size(), 0.5, 0.5, cv::INTER_AREA);  // colour edges are coarse: half size is enough
  std::vector<cv::Vec4f> segs_b;
  lsd->detect(b8, segs_b);
  for (cv::Vec4f& s : segs_b) segs.push_back(s * 2.0f + cv::Vec4f(0.5f, 0.5f, 0.5f, 0.5f));
  // a white page on a white desk differs by a few grey levels, under LSD's gradient floor:
  // on the print-free surface, with the lighting taken out and the rest amplified, it does not
  std::vector<cv::Mat> surface;
  cv::split(v.surface, surface);
  for (int c : {0, 2}) {
    cv::Mat half, background, faint;
    cv::resize(surface[c], half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    // lighting only: a narrower blur leaves a halo beside every strong edge, a phantom parallel line
    cv::GaussianBlur(half, background, cv::Size(0, 0), 0.05 * v.diag);
    cv::Mat(half - background).convertTo(faint, CV_8U, 5.0, 128);
    std::vector<cv::Vec4f> segs_faint;
    lsd->detect(faint, segs_faint);
    // amplified texture breaks into short pieces; a paper edge on a smooth desk stays long
    for (cv::Vec4f& s : segs_faint)
      if (std::hypot(s[2] - s[0], s[3] - s[1]) * 2 >= 0.08 * v.diag)
        segs.push_back(s * 2.0f + cv::Vec4f(0.5f, 0.5f, 0.5f, 0.5f));
  }

  double min_len = 0.02 * v.diag;
  std::vector<line2> segments;
  for (const cv::Vec4f& s : segs) {
    cv::Point2d a(s[0], s[1]), b(s[2], s[3]);
    double len = cv::norm(b - a);
    if (len >= min_len) segments.push_back(line2::through(a, b));
  }
  std::sort(segments.begin(), segments.end(), [](const line2& a, const line2& b) { return a.length > b.length; });
  return detail::merge_collinear(segments, 2.5, 0.006 * v.diag);
}

// Evidence along one line, sampled once per pixel, so that any stretch of it can be
// scored in O(1) with prefix sums: edge hits (strong gradient perpendicular to the line)
// and colour contrast between the two sides.
struct line_evidence {
  line2 line;
  double t0 = 0;                   // parameter of the first sample
  std::vector<float> hit, contrast, inside;  // prefix sums, size n + 1
  std::vector<float> step_hit;               // prefix sums of steps that hold over a short stretch
};

// Colour step across a line, one side minus the other, a few pixels out: the paper-to-desk
// step of a white page on a white desk is a few units, under the per-pixel noise, but it
// keeps its sign along the whole side while the noise does not. The step measured farther
// out, scaled down, is taken off so that a smooth lighting ramp, which grows with the
// distance, counts for nothing where an edge, which does not, keeps most of its height.
// Text is clipped so that a letter next to the line cannot pass for a side of the page.
cv::Vec3f edge_step(const cv::Vec3f& near_step, const cv::Vec3f& far_step, double near_over_far) {
  constexpr float clip = 20;
  cv::Vec3f d = near_step - far_step * float(near_over_far);
  for (int c = 0; c < 3; ++c) d[c] = std::clamp(d[c], -clip, clip);
  return d;
}

// Marks the samples where the step, averaged over a short stretch of the line, stands
// clear of the noise.
void mark_steps(line_evidence& e, const std::vector<cv::Vec3f>& steps, const std::vector<float>& in) {
  constexpr int half = 8;
  constexpr float least = 1.5f;  // Lab units (a, b doubled); noise of a 17-sample mean is well under 1
  int n = int(steps.size());
  e.step_hit.assign(n + 1, 0);
  for (int i = 0; i < n; ++i) {
    float hit = 0;
    if (in[i] > 0) {
      cv::Vec3f sum(0, 0, 0);
      double power = 0;
      int count = 0;
      for (int j = std::max(0, i - half); j <= std::min(n - 1, i + half); ++j)
        if (in[j] > 0) sum += steps[j], power += steps[j].dot(steps[j]), ++count;
      // the steps must also agree: on cloth or grain they are as large but point every way
      double mean = cv::norm(sum) / std::max(1, count);
      if (count > half && mean >= least && mean * mean >= 0.5 * power / count) hit = 1;
    }
    e.step_hit[i + 1] = e.step_hit[i] + hit;
  }
}

line_evidence gather(const search_view& v, const line2& l) {
  line_evidence e;
  e.line = l;
  double half = v.diag;
  e.t0 = -half;
  int n = int(2 * half);
  e.hit.assign(n + 1, 0);
  e.contrast.assign(n + 1, 0);
  e.inside.assign(n + 1, 0);
  std::vector<cv::Vec3f> steps(n, cv::Vec3f(0, 0, 0));
  std::vector<float> in_at(n, 0);
  cv::Point2d nrm(-l.d.y, l.d.x);
  double off = std::max(3.0, 0.012 * v.diag), near = std::max(3.0, 0.005 * v.diag);
  cv::Rect r(1, 1, v.size.width - 2, v.size.height - 2);
  for (int i = 0; i < n; ++i) {
    cv::Point2d p = l.p + l.d * (e.t0 + i);
    float hit = 0, con = 0, in = 0;
    cv::Vec3f across(0, 0, 0);
    if (r.contains(cv::Point(cvRound(p.x), cvRound(p.y)))) {
      in = 1;
      for (int o = -2; o <= 2 && !hit; ++o) {
        int x = cvRound(p.x + nrm.x * o), y = cvRound(p.y + nrm.y * o);
        if (!r.contains({x, y})) continue;
        float m = v.mag.at<float>(y, x);
        if (m < 2.5f) continue;
        double c = std::abs((v.gx.at<float>(y, x) * nrm.x + v.gy.at<float>(y, x) * nrm.y) / m);
        hit = c > 0.85 ? 1.f : 0.f;
      }
      cv::Point a = p + nrm * off, b = p - nrm * off;
      // on the closed surface: text beside a table rule or a text column is not contrast
      if (r.contains(a) && r.contains(b)) across = v.surface.at<cv::Vec3f>(a) - v.surface.at<cv::Vec3f>(b);
      con = float(std::min(1.0, cv::norm(across) / 25.0));
      cv::Point na = p + nrm * near, nb = p - nrm * near;
      if (r.contains(a) && r.contains(b) && r.contains(na) && r.contains(nb)) {
        cv::Vec3f close_by = v.surface.at<cv::Vec3f>(na) - v.surface.at<cv::Vec3f>(nb);
        steps[i] = edge_step(close_by, across, near / off);
        in_at[i] = 1;
      }
    }
    e.hit[i + 1] = e.hit[i] + hit;
    e.contrast[i + 1] = e.contrast[i] + con;
    e.inside[i + 1] = e.inside[i] + in;
  }
  mark_steps(e, steps, in_at);
  return e;
}

struct side_score {
  double support = 0, contrast = 0;
  bool outside = false;
};

side_score score_side(const line_evidence& e, cv::Point2d a, cv::Point2d b) {
  side_score s;
  if (e.line.is_border) return {0.55, 0.5, false};
  double ta = (a - e.line.p).dot(e.line.d), tb = (b - e.line.p).dot(e.line.d);
  if (ta > tb) std::swap(ta, tb);
  double len = tb - ta;
  int i0 = std::clamp(int(ta + 0.05 * len - e.t0), 0, int(e.hit.size()) - 1);
  int i1 = std::clamp(int(tb - 0.05 * len - e.t0), 0, int(e.hit.size()) - 1);
  if (i1 <= i0) return {0, 0, true};
  double in = e.inside[i1] - e.inside[i0];
  if (in < 0.5 * (i1 - i0)) return {0.4, 0.4, true};  // mostly beyond the photo: unknown
  s.support = std::max((e.hit[i1] - e.hit[i0]) / in, double(e.step_hit[i1] - e.step_hit[i0]) / in);
  s.contrast = (e.contrast[i1] - e.contrast[i0]) / in;
  return s;
}

// Edge evidence just beyond a corner, along the side's own line: a true page corner ends
// its edges, while a corner made by an inner line (table, card stripe) does not.
double continuation(const line_evidence& e, cv::Point2d from, cv::Point2d corner) {
  if (e.line.is_border) return 0;
  double tf = (from - e.line.p).dot(e.line.d), tc = (corner - e.line.p).dot(e.line.d);
  double ext = 0.12 * std::abs(tc - tf), dir = tc > tf ? 1 : -1;
  double a = tc + dir * 0.03 * std::abs(tc - tf), b = a + dir * ext;
  if (a > b) std::swap(a, b);
  int i0 = std::clamp(int(a - e.t0), 0, int(e.hit.size()) - 1), i1 = std::clamp(int(b - e.t0), 0, int(e.hit.size()) - 1);
  double in = e.inside[i1] - e.inside[i0];
  if (i1 <= i0 || in < 0.25 * (i1 - i0) || in < 3) return 0;
  return (e.hit[i1] - e.hit[i0]) / in;
}

struct candidate {
  std::array<cv::Point2d, 4> q;
  std::array<int, 4> side{};  // line index of top, right, bottom, left
  double score = -1;
  int border_sides = 0;
};

double shape_prior(const std::array<cv::Point2d, 4>& q) {
  double top = cv::norm(q[1] - q[0]), right = cv::norm(q[2] - q[1]);
  double bottom = cv::norm(q[3] - q[2]), left = cv::norm(q[0] - q[3]);
  double w = (top + bottom) / 2, h = (left + right) / 2;
  double r = std::max(w, h) / std::max(1.0, std::min(w, h));
  double best = 0.55;
  for (double known : {1.4142, 1.5852, 1.2941})
    if (std::abs(r / known - 1) < 0.10) best = 1.0;
  if (r > 3.0) best = 0.1;
  return best;
}

struct search_space {
  const search_view* v;
  std::vector<line_evidence> lines;
  cv::Rect2d allowed;
};

// Builds and scores the quadrilateral bounded by four lines; score -1 if not a page shape.
candidate make_candidate(const search_space& s, int top, int right, int bottom, int left) {
  candidate c;
  c.side = {top, right, bottom, left};
  const auto& L = s.lines;
  c.border_sides = L[top].line.is_border + L[right].line.is_border + L[bottom].line.is_border + L[left].line.is_border;
  if (c.border_sides > 2) return c;
  bool ok = detail::intersect(L[top].line, L[left].line, c.q[0]) && detail::intersect(L[top].line, L[right].line, c.q[1]) &&
            detail::intersect(L[bottom].line, L[right].line, c.q[2]) && detail::intersect(L[bottom].line, L[left].line, c.q[3]);
  if (!ok || !detail::is_convex(c.q)) return c;
  for (const cv::Point2d& p : c.q)
    if (!s.allowed.contains(p)) return c;
  double support = 0, contrast = 0;
  for (int k = 0; k < 4; ++k) {
    side_score ss = score_side(L[c.side[k]], c.q[k], c.q[(k + 1) % 4]);
    if (L[c.side[k]].line.is_border) {
      // the frame cuts the page only if the neighbouring edges really run into it
      const line_evidence& before = L[c.side[(k + 3) % 4]];
      const line_evidence& after = L[c.side[(k + 1) % 4]];
      cv::Point2d a = c.q[k], b = c.q[(k + 1) % 4];
      double reach = 0;
      if (!before.line.is_border) reach += score_side(before, a, a + (c.q[(k + 3) % 4] - a) * 0.15).support;
      if (!after.line.is_border) reach += score_side(after, b, b + (c.q[(k + 2) % 4] - b) * 0.15).support;
      ss.support = 0.3 + 0.3 * reach;
    }
    support += ss.support;
    contrast += ss.contrast;
  }
  support /= 4;
  contrast /= 4;
  double cont = 0;
  for (int k = 0; k < 4; ++k) {
    const line_evidence& e = L[c.side[k]];
    cont += continuation(e, c.q[(k + 1) % 4], c.q[k]) + continuation(e, c.q[k], c.q[(k + 1) % 4]);
  }
  cont /= 8;
  const cv::Size& sz = s.v->size;
  double area = std::abs((c.q[2] - c.q[0]).cross(c.q[3] - c.q[1])) / 2;
  double area_frac = area / (double(sz.width) * sz.height);
  if (area_frac < 0.04) return c;
  double angle_pen = 0;
  for (int k = 0; k < 4; ++k) {
    cv::Point2d u = c.q[(k + 3) % 4] - c.q[k], w = c.q[(k + 1) % 4] - c.q[k];
    double cosang = std::abs(u.dot(w)) / (cv::norm(u) * cv::norm(w) + 1e-9);
    angle_pen += std::max(0.0, cosang - 0.26) * 0.5;  // beyond ±15° from square
  }
  c.score = 0.42 * support + 0.33 * contrast + 0.2 * std::sqrt(area_frac) +
            0.10 * shape_prior(c.q) - angle_pen - 0.04 * c.border_sides - 0.25 * cont;
  return c;
}

// Position of a line across the page centre, along the side's outward direction.
double outward(const line2& l, cv::Point2d centre, cv::Point2d dir) {
  cv::Point2d foot = l.p + l.d * (centre - l.p).dot(l.d);
  return (foot - centre).dot(dir);
}

std::vector<cv::Point> as_poly(std::initializer_list<cv::Point2d> pts) {
  std::vector<cv::Point> poly;
  for (const cv::Point2d& p : pts) poly.emplace_back(cvRound(p.x), cvRound(p.y));
  return poly;
}

// Mean surface colour inside a convex polygon, less a mask; none if too few pixels are left.
std::optional<cv::Vec3d> mean_in(const search_view& v, const std::vector<cv::Point>& poly, const cv::Mat& not_here = {}) {
  cv::Mat mask = cv::Mat::zeros(v.size, CV_8U);
  cv::fillConvexPoly(mask, poly, 255);
  if (!not_here.empty()) mask &= ~not_here;
  if (cv::countNonZero(mask) < 8) return std::nullopt;
  cv::Scalar m = cv::mean(v.surface, mask);
  return cv::Vec3d(m[0], m[1], m[2]);
}

// Whether the strip that taking an outer line for side k would add is desk rather than page:
// on a striped or grained desk a line of the desk runs beside the page edge, as strong as
// it. The strip is desk when its colour is that of the desk around the other sides and
// unlike the page just inside the edge. A card's stripe or a page margin is neither.
bool strip_is_desk(const search_view& v, const std::array<cv::Point2d, 4>& page, int k,
                   const std::array<cv::Point2d, 4>& wider) {
  cv::Point2d a = page[k], b = page[(k + 1) % 4], centre = (page[0] + page[1] + page[2] + page[3]) / 4;
  auto strip = mean_in(v, as_poly({a, b, wider[(k + 1) % 4], wider[k]}));
  auto inside = mean_in(v, as_poly({a, b, b + (centre - b) * 0.15, a + (centre - a) * 0.15}));
  // the desk: a band around the page, 12 % wider than it, less the part beyond side k
  std::array<cv::Point2d, 4> grown;
  for (int i = 0; i < 4; ++i) grown[i] = centre + (page[i] - centre) * 1.12;
  cv::Mat page_mask = cv::Mat::zeros(v.size, CV_8U);
  cv::fillConvexPoly(page_mask, as_poly({page[0], page[1], page[2], page[3]}), 255);
  cv::fillConvexPoly(page_mask, as_poly({a, b, grown[(k + 1) % 4] + (b - centre), grown[k] + (a - centre)}), 255);
  auto desk = mean_in(v, as_poly({grown[0], grown[1], grown[2], grown[3]}), page_mask);
  if (!strip || !inside || !desk) return false;
  double to_desk = cv::norm(*strip - *desk), to_page = cv::norm(*strip - *inside);
  return to_desk < 0.5 * to_page && to_desk < 0.3 * cv::norm(*inside - *desk);
}

// Whether both neighbouring sides of side k keep their edges over the strip that the
// wider candidate adds: then the strip is bounded by the page's own sides and belongs to
// it, however like the desk it looks (a card's white margin below a barcode on a white
// desk). Beside a desk stripe the page's sides end at the page's corners. A card's rounded
// corner takes part of one side's evidence there, hence the lower bound per side.
bool sides_run_on(const search_space& s, const candidate& page, int k, const candidate& wider) {
  double total = 0;
  for (int side : {(k + 3) % 4, (k + 1) % 4}) {
    int corner = side == (k + 3) % 4 ? k : (k + 1) % 4;
    if (s.lines[page.side[side]].line.is_border || cv::norm(wider.q[corner] - page.q[corner]) < 4) return false;
    double support = score_side(s.lines[page.side[side]], page.q[corner], wider.q[corner]).support;
    if (support < 0.5) return false;
    total += support;
  }
  return total >= 1.3;
}

// A strong inner line (ID-card stripe, table frame) can beat a weaker true edge just
// outside it; take the outer line when the page it makes scores almost as well.
candidate expand(const search_space& s, const std::vector<int>& hs, const std::vector<int>& vs, candidate best) {
  for (int k = 0; k < 4; ++k) {
    cv::Point2d centre = (best.q[0] + best.q[1] + best.q[2] + best.q[3]) / 4;
    const line2& cur = s.lines[best.side[k]].line;
    if (cur.is_border) continue;
    cv::Point2d mid = (best.q[k] + best.q[(k + 1) % 4]) / 2;
    cv::Point2d dir = (mid - centre) / std::max(1e-9, cv::norm(mid - centre));
    double here = outward(cur, centre, dir), extent = 2 * here;
    candidate pick = best;
    double pick_pos = here;
    for (int idx : (k % 2 == 0 ? hs : vs)) {
      const line2& l = s.lines[idx].line;
      if (l.is_border || idx == best.side[k]) continue;
      double pos = outward(l, centre, dir);
      if (pos <= here + 2 || pos > here + 0.2 * extent || pos < pick_pos) continue;
      std::array<int, 4> sd = best.side;
      sd[k] = idx;
      candidate c = make_candidate(s, sd[0], sd[1], sd[2], sd[3]);
      if (c.score < best.score - 0.05) continue;
      side_score was = score_side(s.lines[best.side[k]], best.q[k], best.q[(k + 1) % 4]);
      side_score now = score_side(s.lines[idx], c.q[k], c.q[(k + 1) % 4]);
      bool like_the_edge = now.support >= 0.85 * was.support && now.contrast >= 0.85 * was.contrast &&
                           !strip_is_desk(*s.v, best.q, k, c.q);
      if (like_the_edge || (now.support >= was.support && sides_run_on(s, best, k, c))) pick = c, pick_pos = pos;
    }
    best = pick;
  }
  return best;
}

}  // namespace

detection find_page(const cv::Mat& search_in, const cv::Mat& full_in) {
  detection out;
  try {
    if (search_in.empty() || search_in.cols < 16 || search_in.rows < 16) return out;
    cv::Mat search = search_in;
    if (search.channels() == 1) cv::cvtColor(search_in, search, cv::COLOR_GRAY2BGR);
    search_view v = make_view(search);
    std::vector<line2> lines = find_lines(search, v);
    search_space space;
    space.v = &v;
    double W = v.size.width - 1, H = v.size.height - 1;
    space.allowed = cv::Rect2d(-0.15 * W, -0.15 * H, 1.3 * W, 1.3 * H);
    std::vector<int> hs, vs;
    constexpr std::size_t keep = 18;
    auto is_horizontal = [](const line2& l) { return std::abs(l.d.x) >= std::abs(l.d.y); };
    auto across = [&](const line2& l) { return is_horizontal(l) ? l.y_at(W / 2) : l.x_at(H / 2); };
    for (const line2& l : lines) {
      std::vector<int>& group = is_horizontal(l) ? hs : vs;
      if (group.size() >= keep) continue;
      group.push_back(int(space.lines.size()));
      space.lines.push_back(gather(v, l));
    }
    // A printed table or form gives more long lines than are kept, all inside the page, and can
    // crowd out a faint page edge found only in pieces. The page's edges lie beyond every inner
    // line: the two longest lines beyond the outermost kept ones, on each side, are kept too, when
    // they are not mere fragments.
    for (std::vector<int>* group : {&hs, &vs}) {
      double lo = 1e9, hi = -1e9;
      for (int i : *group) lo = std::min(lo, across(space.lines[i].line)), hi = std::max(hi, across(space.lines[i].line));
      int before = 0, after = 0;
      for (const line2& l : lines) {
        if (is_horizontal(l) != (group == &hs) || l.length < 0.03 * v.diag) continue;
        double at = across(l);
        int& count = at < lo ? before : after;
        if ((at >= lo && at <= hi) || count >= 2) continue;
        ++count;
        group->push_back(int(space.lines.size()));
        space.lines.push_back(gather(v, l));
      }
    }
    auto add_border = [&](std::vector<int>& group, cv::Point2d a, cv::Point2d b) {
      group.push_back(int(space.lines.size()));
      line_evidence e;
      e.line = line2::border(a, b);
      space.lines.push_back(e);
    };
    add_border(hs, {0, 0}, {W, 0});
    add_border(hs, {0, H}, {W, H});
    add_border(vs, {0, 0}, {0, H});
    add_border(vs, {W, 0}, {W, H});

    auto y_mid = [&](int i) { return space.lines[i].line.y_at(W / 2); };
    auto x_mid = [&](int i) { return space.lines[i].line.x_at(H / 2); };
    candidate best;
    for (std::size_t i = 0; i < hs.size(); ++i)
      for (std::size_t j = i + 1; j < hs.size(); ++j) {
        int top = hs[i], bottom = hs[j];
        if (y_mid(top) > y_mid(bottom)) std::swap(top, bottom);
        if (y_mid(bottom) - y_mid(top) < 0.12 * H) continue;
        for (std::size_t k = 0; k < vs.size(); ++k)
          for (std::size_t m = k + 1; m < vs.size(); ++m) {
            int left = vs[k], right = vs[m];
            if (x_mid(left) > x_mid(right)) std::swap(left, right);
            if (x_mid(right) - x_mid(left) < 0.12 * W) continue;
            candidate c = make_candidate(space, top, right, bottom, left);
            if (c.score > best.score) best = c;

          }
      }
    if (best.score > 0) best = expand(space, hs, vs, best);
    if (best.score < 0.3) return out;
    double sx = double(full_in.cols) / search.cols, sy = double(full_in.rows) / search.rows;
    std::array<cv::Point2d, 4> q;
    for (int k = 0; k < 4; ++k) q[k] = {(best.q[k].x + 0.5) * sx - 0.5, (best.q[k].y + 0.5) * sy - 0.5};
    q = detail::refine_quad(full_in, q, std::max(sx, sy));
    for (int k = 0; k < 4; ++k) out.corners[k] = {q[k].x, q[k].y};
    out.found = true;
    out.touches_border = best.border_sides > 0;
    out.confidence = std::clamp((best.score - 0.35) / 0.45, 0.0, 1.0);
  } catch (const cv::Exception&) {
    out.found = false;
  }
  return out;
}

detection find_page(const cv::Mat& image, int search_long_side) {
  if (image.empty()) return {};
  double f = double(search_long_side) / std::max(image.cols, image.rows);
  if (f >= 1) return find_page(image, image);
  cv::Mat small;
  cv::resize(image, small, cv::Size(), f, f, cv::INTER_AREA);
  return find_page(small, image);
}

}  // namespace hallpass::imaging
