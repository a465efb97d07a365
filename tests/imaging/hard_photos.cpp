#include "hard_photos.hpp"
#include "synthetic_render.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace hallpass::imaging::testing {

std::string_view to_string(condition c) {
  switch (c) {
    case condition::white_on_white: return "white-on-white";
    case condition::card_on_texture: return "card-on-texture";
    case condition::steep_perspective: return "steep-perspective";
    case condition::shadow: return "shadow";
    case condition::clutter: return "clutter";
    case condition::fingers: return "fingers";
    case condition::small_photos: return "small-photos";
  }
  return "?";
}

const std::vector<condition>& all_conditions() {
  static const std::vector<condition> all{condition::white_on_white, condition::card_on_texture,
                                          condition::steep_perspective, condition::shadow, condition::clutter,
                                          condition::fingers, condition::small_photos};
  return all;
}

const std::vector<cv::Size>& photo_sizes() {
  static const std::vector<cv::Size> sizes{{1224, 1632}, {1500, 2000}, {1944, 2592}, {2448, 3264}, {3000, 4000}};
  return sizes;
}

namespace {

// Smooth noise: sum of octaves from 1/64 of the size down to `finest`.
cv::Mat octave_noise(rng_t& r, cv::Size size, int finest) {
  cv::Mat sum(size, CV_32F, cv::Scalar(0));
  cv::RNG cvr(r());
  double amp = 1;
  for (int cell = 64; cell >= finest; cell /= 4, amp *= 0.55) {
    cv::Mat n(std::max(2, size.height / cell), std::max(2, size.width / cell), CV_32F);
    cvr.fill(n, cv::RNG::NORMAL, 0, amp);
    cv::resize(n, n, size, 0, 0, cv::INTER_CUBIC);
    sum += n;
  }
  return sum;
}

cv::Mat grey_to_colour(const cv::Mat& g, cv::Scalar tint) {
  cv::Mat g8, bgr;
  g.convertTo(g8, CV_8U);
  cv::cvtColor(g8, bgr, cv::COLOR_GRAY2BGR);
  cv::Mat f;
  bgr.convertTo(f, CV_32FC3);
  f = f.mul(cv::Scalar(tint[0], tint[1], tint[2]));
  f.convertTo(bgr, CV_8UC3);
  return bgr;
}

cv::Mat light_desk(rng_t& r, cv::Size size, double level) {
  cv::Mat g = octave_noise(r, size, 4) * 3 + level;
  return grey_to_colour(g, {uni(r, 0.96, 1.0), uni(r, 0.98, 1.0), uni(r, 0.98, 1.02)});
}

cv::Mat wood(rng_t& r, cv::Size size) {
  cv::Mat g(size, CV_32F);
  double f = uni(r, 0.02, 0.06), phase = uni(r, 0, 6.28), drift = uni(r, 0.005, 0.02);
  cv::Mat warp = octave_noise(r, size, 16) * uni(r, 4, 10);
  for (int y = 0; y < size.height; ++y) {
    float* row = g.ptr<float>(y);
    const float* w = warp.ptr<float>(y);
    for (int x = 0; x < size.width; ++x) row[x] = float(std::sin((x + drift * y + w[x]) * f + phase) * 20);
  }
  g += octave_noise(r, size, 1) * 6 + uni(r, 80, 160);
  return grey_to_colour(g, {0.62, 0.8, 1.0});
}

cv::Mat cloth(rng_t& r, cv::Size size) {
  cv::Mat g(size, CV_32F);
  double p = uni(r, 3, 7), a = uni(r, 8, 20);
  for (int y = 0; y < size.height; ++y) {
    float* row = g.ptr<float>(y);
    for (int x = 0; x < size.width; ++x)
      row[x] = float(a * std::sin(2 * CV_PI * x / p) * std::sin(2 * CV_PI * y / p));
  }
  g += octave_noise(r, size, 16) * 12 + uni(r, 70, 190);  // folds
  return grey_to_colour(g, {uni(r, 0.5, 1.1), uni(r, 0.5, 1.1), uni(r, 0.5, 1.1)});
}

cv::Mat stone(rng_t& r, cv::Size size) {
  cv::Mat g = octave_noise(r, size, 1) * uni(r, 10, 22) + uni(r, 90, 190);
  cv::Mat speck(size, CV_32F);
  cv::RNG cvr(r());
  cvr.fill(speck, cv::RNG::UNIFORM, 0, 1);
  cv::Mat grains;
  cv::Mat(speck > 0.97).convertTo(grains, CV_32F, uni(r, 40, 80) / 255);
  g -= grains;  // dark grains
  cv::Mat out = grey_to_colour(g, {uni(r, 0.85, 1.0), uni(r, 0.9, 1.0), 1.0});
  cv::GaussianBlur(out, out, cv::Size(0, 0), 0.7);
  return out;
}

cv::Mat dark_desk(rng_t& r, cv::Size size) {
  return grey_to_colour(octave_noise(r, size, 4) * 8 + uni(r, 25, 80), {1.0, uni(r, 0.9, 1.0), uni(r, 0.85, 1.05)});
}

// Other papers, pens, a phone and notes spread over a desk (all under the page).
void add_clutter(rng_t& r, cv::Mat& bg) {
  cv::Size s = bg.size();
  int items = uni_i(r, 6, 11);
  for (int i = 0; i < items; ++i) {
    cv::Point2f c(float(uni(r, 0, s.width)), float(uni(r, 0, s.height)));
    int what = uni_i(r, 0, 3);
    if (what == 0) {  // another sheet, with lines of print
      cv::RotatedRect rr(c, cv::Size2f(float(uni(r, 0.2, 0.5) * s.width), float(uni(r, 0.2, 0.45) * s.height)),
                         float(uni(r, -40, 40)));
      cv::Point2f v[4];
      rr.points(v);
      std::vector<cv::Point> poly(v, v + 4);
      int level = uni_i(r, 200, 245);
      cv::fillConvexPoly(bg, poly, cv::Scalar(level, level, level), cv::LINE_AA);
      for (float t = 0.15f; t < 0.85f; t += 0.09f)
        cv::line(bg, v[1] + (v[2] - v[1]) * t + (v[0] - v[1]) * 0.1f, v[1] + (v[2] - v[1]) * t + (v[0] - v[1]) * 0.8f,
                 cv::Scalar(70, 70, 70), 2, cv::LINE_AA);
    } else if (what == 1) {  // pen
      cv::Point2f d(float(uni(r, -1, 1)), float(uni(r, -1, 1)));
      d *= float(uni(r, 0.15, 0.3) * s.width / std::max(0.1, cv::norm(d)));
      cv::line(bg, c, c + d, cv::Scalar(uni(r, 0, 200), uni(r, 0, 200), uni(r, 0, 200)), uni_i(r, 8, 18), cv::LINE_AA);
    } else if (what == 2) {  // phone
      cv::RotatedRect rr(c, cv::Size2f(float(0.2 * s.width), float(0.4 * s.width)), float(uni(r, -30, 30)));
      cv::Point2f v[4];
      rr.points(v);
      std::vector<cv::Point> poly(v, v + 4);
      cv::fillConvexPoly(bg, poly, cv::Scalar(20, 20, 25), cv::LINE_AA);
    } else {  // sticky note
      int side = int(uni(r, 0.08, 0.14) * s.width);
      cv::rectangle(bg, cv::Rect(cv::Point(c), cv::Size(side, side)), cv::Scalar(90, 230, 245), cv::FILLED);
    }
  }
}

// A thumb from outside the page over the edge a..b, with the hand behind it.
void add_thumb(rng_t& r, cv::Mat& img, cv::Point2d a, cv::Point2d b, cv::Point2d inward, double scale) {
  cv::Point2d at = a + (b - a) * uni(r, 0.2, 0.8);
  cv::Scalar skin(uni(r, 110, 170), uni(r, 140, 185), uni(r, 190, 235));
  double len = scale * uni(r, 0.14, 0.2), width = scale * uni(r, 0.045, 0.06);
  double angle = std::atan2(inward.y, inward.x) * 180 / CV_PI + uni(r, -25, 25);
  cv::Point2d centre = at + inward * (len * uni(r, 0.05, 0.3));
  cv::Point2d palm = at - inward * (len * 0.9);
  cv::ellipse(img, cv::Point(palm), cv::Size(int(len * 0.9), int(len * 0.6)), angle, 0, 360, skin * 0.85, cv::FILLED,
              cv::LINE_AA);
  cv::ellipse(img, cv::Point(centre), cv::Size(int(len / 2), int(width / 2)), angle, 0, 360, skin, cv::FILLED,
              cv::LINE_AA);
  cv::Point2d tip = centre + cv::Point2d(std::cos(angle * CV_PI / 180), std::sin(angle * CV_PI / 180)) * (len * 0.32);
  cv::ellipse(img, cv::Point(tip), cv::Size(int(len * 0.12), int(width * 0.3)), angle, 0, 360,
              skin + cv::Scalar(25, 25, 15), cv::FILLED, cv::LINE_AA);
}

}  // namespace

synthetic_photo make_hard(condition cond, std::uint32_t seed, const hard_options& o) {
  rng_t r(seed * 2246822519u + 97u + 1000003u * std::uint32_t(cond));
  synthetic_photo out;
  cv::Size photo = o.photo;
  if (cond == condition::small_photos && !o.fixed_size) photo = photo_sizes()[seed % photo_sizes().size()];
  double mp_scale = std::sqrt(double(photo.area()) / 12e6);

  double pick = uni(r, 0, 1);
  if (cond == condition::card_on_texture) out.kind = "id_card";
  else if (cond == condition::white_on_white || cond == condition::shadow) out.kind = pick < 0.85 ? "a4" : "letter";
  else out.kind = pick < 0.7 ? "a4" : "id_card";
  bool card = out.kind == "id_card";
  double aspect = out.kind == "a4" ? 210.0 / 297 : (card ? 85.6 / 54 : 215.9 / 279.4);

  // background
  cv::Mat bg;
  double paper_level = uni(r, 236, 252);
  switch (cond) {
    case condition::white_on_white: bg = light_desk(r, photo, paper_level - uni(r, 6, 28)); break;
    case condition::card_on_texture: {
      int t = int(seed % 3);
      bg = t == 0 ? wood(r, photo) : t == 1 ? cloth(r, photo) : stone(r, photo);
      out.background = t == 0 ? "wood" : t == 1 ? "cloth" : "stone";
      break;
    }
    case condition::clutter:
      bg = uni(r, 0, 1) < 0.5 ? dark_desk(r, photo) : wood(r, photo);
      add_clutter(r, bg);
      break;
    default: {
      int t = uni_i(r, 0, 3);
      bg = t == 0 ? dark_desk(r, photo) : t == 1 ? wood(r, photo) : t == 2 ? stone(r, photo)
                                                                  : light_desk(r, photo, uni(r, 150, 200));
    }
  }
  if (out.background.empty()) out.background = std::string(to_string(cond));

  // the page, rendered finer than it will appear so that perspective does not soften it
  double fill = card ? uni(r, 0.5, 0.8) : uni(r, 0.6, 0.85);
  double pw = card ? photo.width * fill : std::min(photo.width * fill, photo.height * fill * aspect);
  double ph = pw / aspect;
  constexpr double oversample = 1.4;
  cv::Size page_size{int(pw * oversample), int(ph * oversample)};
  cv::Mat mask;
  cv::Mat page = card ? render_card(r, page_size, mask) : render_a4(r, page_size);
  if (mask.empty()) mask = cv::Mat(page_size, CV_8U, cv::Scalar(255));
  if (!card) page = page * (paper_level / 250.0);

  // camera pose: pitch, yaw, roll; a pinhole camera with focal length 0.75 x diagonal
  double pitch = uni(r, -15, 15), yaw = uni(r, -10, 10), roll = uni(r, -12, 12);
  if (cond == condition::steep_perspective) {
    double steep = uni(r, 25, 30) * (uni(r, 0, 1) < 0.5 ? -1 : 1);
    if (uni(r, 0, 1) < 0.5) pitch = steep, yaw = uni(r, -5, 5);
    else yaw = steep, pitch = uni(r, -5, 5);
  }
  double ax = pitch * CV_PI / 180, ay = yaw * CV_PI / 180, az = roll * CV_PI / 180;
  cv::Matx33d rx(1, 0, 0, 0, std::cos(ax), -std::sin(ax), 0, std::sin(ax), std::cos(ax));
  cv::Matx33d ry(std::cos(ay), 0, std::sin(ay), 0, 1, 0, -std::sin(ay), 0, std::cos(ay));
  cv::Matx33d rz(std::cos(az), -std::sin(az), 0, std::sin(az), std::cos(az), 0, 0, 0, 1);
  cv::Matx33d rot = rz * ry * rx;
  double f = 0.75 * std::hypot(photo.width, photo.height);
  cv::Point2d centre(photo.width / 2.0, photo.height / 2.0);
  std::vector<cv::Point2f> dst;
  for (cv::Point2d l : {cv::Point2d(-pw / 2, -ph / 2), cv::Point2d(pw / 2, -ph / 2), cv::Point2d(pw / 2, ph / 2),
                        cv::Point2d(-pw / 2, ph / 2)}) {
    cv::Vec3d p = rot * cv::Vec3d(l.x, l.y, 0) + cv::Vec3d(0, 0, f);
    dst.emplace_back(float(f * p[0] / p[2] + centre.x), float(f * p[1] / p[2] + centre.y));
  }
  // keep the whole page in the frame with a margin, then move it off-centre by what room is left
  cv::Rect2f box = cv::boundingRect(dst);
  double room = 0.92, s = std::min({1.0, room * photo.width / box.width, room * photo.height / box.height});
  for (auto& p : dst) p = cv::Point2f(centre) + (p - cv::Point2f(centre)) * float(s);
  box = cv::boundingRect(dst);
  double margin_x = 0.03 * photo.width, margin_y = 0.03 * photo.height;
  double lo_x = margin_x - box.x, hi_x = photo.width - margin_x - (box.x + box.width);
  double lo_y = margin_y - box.y, hi_y = photo.height - margin_y - (box.y + box.height);
  cv::Point2f shift(float(lo_x < hi_x ? uni(r, lo_x, hi_x) : 0), float(lo_y < hi_y ? uni(r, lo_y, hi_y) : 0));
  for (auto& p : dst) p += shift;
  for (int k = 0; k < 4; ++k) out.corners[k] = dst[k];
  out.expect_accept = true;

  std::vector<cv::Point2f> src{{-0.5f, -0.5f}, {page_size.width - 0.5f, -0.5f},
                               {page_size.width - 0.5f, page_size.height - 0.5f}, {-0.5f, page_size.height - 0.5f}};
  cv::Mat h = cv::getPerspectiveTransform(src, dst);
  cv::Mat warped, wmask, alpha, a3, bgf, wf;
  cv::warpPerspective(page, warped, h, photo, cv::INTER_AREA, cv::BORDER_CONSTANT);
  cv::warpPerspective(mask, wmask, h, photo, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  wmask.convertTo(alpha, CV_32F, 1 / 255.0);
  cv::cvtColor(alpha, a3, cv::COLOR_GRAY2BGR);
  bg.convertTo(bgf, CV_32FC3);
  warped.convertTo(wf, CV_32FC3);
  cv::Mat img = wf.mul(a3) + bgf.mul(cv::Scalar(1, 1, 1) - a3);

  // lighting: a smooth gradient, and for the shadow condition a shadow line crossing a page edge
  cv::Mat light(64, 64, CV_32F);
  double gx = uni(r, -0.15, 0.15), gy = uni(r, -0.15, 0.15), lb = uni(r, 0.8, 0.97);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) light.at<float>(y, x) = float(lb + gx * (x / 63.0 - 0.5) + gy * (y / 63.0 - 0.5));
  cv::resize(light, light, photo, 0, 0, cv::INTER_LINEAR);
  if (cond == condition::shadow) {
    int side = uni_i(r, 0, 3);
    cv::Point2d a = out.corners[side], b = out.corners[(side + 1) % 4];
    cv::Point2d at = a + (b - a) * uni(r, 0.3, 0.7);
    double edge_angle = std::atan2(b.y - a.y, b.x - a.x), cross = edge_angle + uni(r, 35, 80) * CV_PI / 180;
    cv::Point2d d(std::cos(cross), std::sin(cross)), n(-d.y, d.x);
    double far = 3.0 * std::hypot(photo.width, photo.height);
    std::vector<cv::Point> poly{cv::Point(at - d * far), cv::Point(at + d * far), cv::Point(at + d * far + n * far),
                                cv::Point(at - d * far + n * far)};
    cv::Mat shade(photo, CV_32F, cv::Scalar(1));
    cv::fillConvexPoly(shade, poly, cv::Scalar(uni(r, 0.45, 0.7)));
    cv::GaussianBlur(shade, shade, cv::Size(0, 0), photo.width * uni(r, 0.003, 0.015));
    light = light.mul(shade);
  }
  cv::Mat l3;
  cv::cvtColor(light, l3, cv::COLOR_GRAY2BGR);
  img = img.mul(l3);

  if (cond == condition::fingers) {
    cv::Point2d c = (out.corners[0] + out.corners[1] + out.corners[2] + out.corners[3]) / 4;
    int thumbs = uni_i(r, 1, 2), first = uni_i(r, 0, 3);
    for (int t = 0; t < thumbs; ++t) {
      int side = (first + 2 * t) % 4;  // two thumbs hold opposite sides
      cv::Point2d a = out.corners[side], b = out.corners[(side + 1) % 4], mid = (a + b) / 2;
      cv::Point2d inward = (c - mid) / cv::norm(c - mid);
      add_thumb(r, img, a, b, inward, photo.width);
    }
  }

  cv::Mat noise(photo, CV_32FC3);
  cv::RNG cvr(r());
  cvr.fill(noise, cv::RNG::NORMAL, 0, uni(r, 1.5, 3.5));
  img += noise;
  cv::Mat out8;
  img.convertTo(out8, CV_8UC3);
  // lens softness of a sharp photo; small photos are downscaled captures and soften less
  double lens = uni(r, 0.4, 0.9) * std::clamp(mp_scale, 0.6, 1.0);
  double extra = o.blur_sigma_12mp * mp_scale;
  cv::GaussianBlur(out8, out8, cv::Size(0, 0), std::sqrt(lens * lens + extra * extra));
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", out8, jpeg, {cv::IMWRITE_JPEG_QUALITY, uni_i(r, 80, 93)});
  out.bgr = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  return out;
}

}  // namespace hallpass::imaging::testing
