#include "synthetic_pages.hpp"
#include "synthetic_render.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace hallpass::imaging::testing {

double uni(rng_t& r, double a, double b) { return std::uniform_real_distribution<double>(a, b)(r); }
int uni_i(rng_t& r, int a, int b) { return std::uniform_int_distribution<int>(a, b)(r); }

namespace {

std::string random_word(rng_t& r) {
  static const char* letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string w(uni_i(r, 2, 9), 'a');
  for (char& c : w) c = letters[uni_i(r, 0, 61)];
  return w;
}

void draw_text_block(cv::Mat& page, rng_t& r, cv::Rect area, double scale) {
  int line_h = std::max(8, int(28 * scale));
  for (int y = area.y + line_h; y < area.y + area.height; y += int(line_h * uni(r, 1.2, 1.6))) {
    int x = area.x;
    while (x < area.x + area.width * uni(r, 0.7, 1.0)) {
      std::string w = random_word(r);
      int base = 0;
      cv::Size ts = cv::getTextSize(w, cv::FONT_HERSHEY_SIMPLEX, 0.8 * scale, std::max(1, int(2 * scale)), &base);
      if (x + ts.width > area.x + area.width) break;
      int ink = uni_i(r, 10, 60);
      cv::putText(page, w, {x, y}, cv::FONT_HERSHEY_SIMPLEX, 0.8 * scale, cv::Scalar(ink, ink, ink),
                  std::max(1, int(2 * scale)), cv::LINE_AA);
      x += ts.width + int(12 * scale);
    }
  }
}

void draw_table(cv::Mat& page, rng_t& r, cv::Rect area, double scale) {
  int rows = uni_i(r, 3, 7), cols = uni_i(r, 3, 6);
  int t = std::max(1, int(2 * scale));
  cv::rectangle(page, area, cv::Scalar(40, 40, 40), t);
  for (int i = 1; i < rows; ++i) {
    int y = area.y + area.height * i / rows;
    cv::line(page, {area.x, y}, {area.x + area.width, y}, cv::Scalar(50, 50, 50), t);
  }
  for (int j = 1; j < cols; ++j) {
    int x = area.x + area.width * j / cols;
    cv::line(page, {x, area.y}, {x, area.y + area.height}, cv::Scalar(50, 50, 50), t);
  }
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      cv::Rect cell(area.x + area.width * j / cols + int(8 * scale), area.y + area.height * i / rows,
                    area.width / cols - int(16 * scale), area.height / rows);
      if (uni(r, 0, 1) < 0.7) draw_text_block(page, r, cell, scale * 0.8);
    }
}

}  // namespace

cv::Mat render_a4(rng_t& r, cv::Size size) {
  double scale = size.width / 1200.0;
  cv::Scalar paper(uni(r, 232, 252), uni(r, 235, 252), uni(r, 235, 252));
  cv::Mat page(size, CV_8UC3, paper);
  int m = size.width / 10;
  int y = m;
  cv::putText(page, random_word(r) + " " + random_word(r), {m * 2, y + int(40 * scale)}, cv::FONT_HERSHEY_DUPLEX,
              1.6 * scale, cv::Scalar(20, 20, 20), std::max(1, int(3 * scale)), cv::LINE_AA);
  y += int(90 * scale);
  while (y < size.height - m * 2) {
    int h = int(size.height * uni(r, 0.1, 0.25));
    h = std::min(h, size.height - m - y);
    cv::Rect area(m, y, size.width - 2 * m, h);
    if (uni(r, 0, 1) < 0.35) draw_table(page, r, area, scale);
    else draw_text_block(page, r, area, scale);
    y += h + int(30 * scale);
  }
  return page;
}

cv::Mat render_card(rng_t& r, cv::Size size, cv::Mat& mask) {
  double scale = size.width / 856.0;
  cv::Scalar base(uni(r, 180, 250), uni(r, 180, 250), uni(r, 180, 250));
  cv::Mat card(size, CV_8UC3, base);
  if (uni(r, 0, 1) < 0.5)  // magnetic stripe / coloured band: the inner-rectangle trap
    cv::rectangle(card, cv::Rect(0, int(size.height * 0.1), size.width, int(size.height * 0.18)),
                  cv::Scalar(uni(r, 10, 60), uni(r, 10, 60), uni(r, 10, 60)), cv::FILLED);
  else
    cv::rectangle(card, cv::Rect(0, 0, size.width, int(size.height * 0.2)),
                  cv::Scalar(uni(r, 60, 200), uni(r, 60, 200), uni(r, 60, 200)), cv::FILLED);
  cv::rectangle(card, cv::Rect(int(40 * scale), int(170 * scale), int(200 * scale), int(250 * scale)),
                cv::Scalar(uni(r, 80, 160), uni(r, 80, 160), uni(r, 80, 160)), cv::FILLED);
  draw_text_block(card, r, cv::Rect(int(280 * scale), int(170 * scale), int(520 * scale), int(330 * scale)), scale);
  mask = cv::Mat(size, CV_8U, cv::Scalar(0));
  int rad = int(size.width * 0.04);  // ID-1 corner radius ≈ 3.2 mm
  cv::rectangle(mask, cv::Rect(rad, 0, size.width - 2 * rad, size.height), 255, cv::FILLED);
  cv::rectangle(mask, cv::Rect(0, rad, size.width, size.height - 2 * rad), 255, cv::FILLED);
  for (cv::Point c : {cv::Point(rad, rad), cv::Point(size.width - rad - 1, rad), cv::Point(rad, size.height - rad - 1),
                      cv::Point(size.width - rad - 1, size.height - rad - 1)})
    cv::circle(mask, c, rad, 255, cv::FILLED, cv::LINE_AA);
  return card;
}

namespace {

cv::Mat render_background(rng_t& r, cv::Size size, std::string& name) {
  int kind = uni_i(r, 0, 3);
  cv::Mat bg(size, CV_8UC3);
  cv::Mat noise(size / 8, CV_32FC1);
  cv::RNG cvr(r());
  cvr.fill(noise, cv::RNG::NORMAL, 0, 1);
  cv::resize(noise, noise, size, 0, 0, cv::INTER_CUBIC);
  if (kind == 0) {  // dark desk
    name = "dark";
    double base = uni(r, 25, 70);
    cv::Mat g = noise * 12 + base;
    cv::Mat g8;
    g.convertTo(g8, CV_8U);
    cv::cvtColor(g8, bg, cv::COLOR_GRAY2BGR);
  } else if (kind == 1) {  // light desk: the hard case for white paper
    name = "light";
    double base = uni(r, 175, 215);
    cv::Mat g = noise * 6 + base;
    cv::Mat g8;
    g.convertTo(g8, CV_8U);
    cv::cvtColor(g8, bg, cv::COLOR_GRAY2BGR);
    bg += cv::Scalar(uni(r, -15, 0), uni(r, -5, 5), uni(r, 0, 12));  // warm tint
  } else if (kind == 2) {  // wood grain
    name = "wood";
    cv::Mat stripes(size, CV_32F);
    double f = uni(r, 0.02, 0.06), phase = uni(r, 0, 6.28);
    std::vector<float> wave(size.width + size.height);
    for (std::size_t i = 0; i < wave.size(); ++i) wave[i] = float(std::sin(i * f + phase) * 18);
    for (int y = 0; y < size.height; ++y) {
      float* row = stripes.ptr<float>(y);
      int shift = int(0.01 * y / f);  // grain drifts slowly across rows
      for (int x = 0; x < size.width; ++x) row[x] = wave[x + shift];
    }
    cv::Mat g = stripes + noise * 8 + uni(r, 90, 150);
    cv::Mat g8;
    g.convertTo(g8, CV_8U);
    std::vector<cv::Mat> ch{g8 * 0.7, g8 * 0.85, g8};
    cv::merge(ch, bg);
  } else {  // clutter: objects with straight edges
    name = "clutter";
    bg.setTo(cv::Scalar(uni(r, 60, 160), uni(r, 60, 160), uni(r, 60, 160)));
    for (int i = 0; i < 14; ++i) {
      cv::Point c(uni_i(r, 0, size.width), uni_i(r, 0, size.height));
      cv::Scalar col(uni(r, 0, 255), uni(r, 0, 255), uni(r, 0, 255));
      if (i % 2) cv::rectangle(bg, cv::Rect(c, cv::Size(uni_i(r, 20, size.width / 3), uni_i(r, 20, size.height / 4))), col, cv::FILLED);
      else cv::line(bg, c, c + cv::Point(uni_i(r, -400, 400), uni_i(r, -400, 400)), col, uni_i(r, 2, 12));
    }
  }
  return bg;
}

}  // namespace

synthetic_photo make_synthetic(std::uint32_t seed, const synthetic_options& o) {
  rng_t r(seed * 2654435761u + 12345u);
  synthetic_photo out;
  cv::Size photo = o.photo;
  double kind_pick = uni(r, 0, 1);
  out.kind = kind_pick < 0.6 ? "a4" : (kind_pick < 0.85 ? "id_card" : "letter");
  double aspect = out.kind == "a4" ? 210.0 / 297 : (out.kind == "id_card" ? 85.6 / 54 : 215.9 / 279.4);
  bool landscape = out.kind == "id_card";
  // page size in the photo, then rendered at about that resolution so text stays sharp
  double fill = out.kind == "id_card" ? uni(r, 0.55, 0.85) : uni(r, 0.6, 0.88);
  double pw = landscape ? photo.width * fill : std::min(photo.width * fill, photo.height * fill * aspect);
  double ph = pw / aspect;
  cv::Size page_size{int(pw), int(ph)};
  cv::Mat mask;
  cv::Mat page = out.kind == "id_card" ? render_card(r, page_size, mask) : render_a4(r, page_size);
  if (mask.empty()) mask = cv::Mat(page_size, CV_8U, cv::Scalar(255));

  cv::Point2d centre(photo.width / 2.0 + uni(r, -0.08, 0.08) * photo.width,
                     photo.height / 2.0 + uni(r, -0.08, 0.08) * photo.height);
  bool cut = o.allow_cut && uni(r, 0, 1) < 0.12;
  double angle = uni(r, -12, 12) * CV_PI / 180;
  std::array<cv::Point2d, 4> local{cv::Point2d(-pw / 2, -ph / 2), cv::Point2d(pw / 2, -ph / 2),
                                   cv::Point2d(pw / 2, ph / 2), cv::Point2d(-pw / 2, ph / 2)};
  // a pinhole camera (focal length 0.75 x photo diagonal) looking at the page tilted in 3D
  double f = 0.75 * std::hypot(photo.width, photo.height);
  double ax = uni(r, -22, 22) * CV_PI / 180, ay = uni(r, -15, 15) * CV_PI / 180;
  cv::Matx33d rx(1, 0, 0, 0, std::cos(ax), -std::sin(ax), 0, std::sin(ax), std::cos(ax));
  cv::Matx33d ry(std::cos(ay), 0, std::sin(ay), 0, 1, 0, -std::sin(ay), 0, std::cos(ay));
  cv::Matx33d rz(std::cos(angle), -std::sin(angle), 0, std::sin(angle), std::cos(angle), 0, 0, 0, 1);
  cv::Matx33d rot = rz * ry * rx;
  double z = f;  // at distance f the page's own pixel size is kept at the centre
  std::vector<cv::Point2f> src, dst;
  for (int k = 0; k < 4; ++k) {
    cv::Vec3d p = rot * cv::Vec3d(local[k].x, local[k].y, 0) + cv::Vec3d(0, 0, z);
    dst.emplace_back(float(f * p[0] / p[2] + centre.x), float(f * p[1] / p[2] + centre.y));
  }
  if (cut) {  // push the page over one photo edge
    int side = uni_i(r, 0, 3);
    cv::Point2f shift = side == 0 ? cv::Point2f(0, -1) : side == 1 ? cv::Point2f(1, 0) : side == 2 ? cv::Point2f(0, 1) : cv::Point2f(-1, 0);
    float amount = float((side % 2 ? photo.width : photo.height) * uni(r, 0.2, 0.3));
    for (auto& p : dst) p += shift * amount;
  }
  src = {{-0.5f, -0.5f}, {page_size.width - 0.5f, -0.5f}, {page_size.width - 0.5f, page_size.height - 0.5f},
         {-0.5f, page_size.height - 0.5f}};
  cv::Mat h = cv::getPerspectiveTransform(src, dst);
  for (int k = 0; k < 4; ++k) out.corners[k] = dst[k];
  bool inside = true;
  for (const auto& p : dst) inside = inside && p.x >= 0 && p.y >= 0 && p.x <= photo.width - 1 && p.y <= photo.height - 1;
  out.expect_accept = inside;

  cv::Mat bg = render_background(r, photo, out.background);
  cv::Mat warped, wmask;
  cv::warpPerspective(page, warped, h, photo, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  cv::warpPerspective(mask, wmask, h, photo, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  cv::Mat alpha;
  wmask.convertTo(alpha, CV_32F, 1 / 255.0);
  cv::Mat a3, bgf, wf;
  cv::cvtColor(alpha, a3, cv::COLOR_GRAY2BGR);
  bg.convertTo(bgf, CV_32FC3);
  warped.convertTo(wf, CV_32FC3);
  cv::Mat img = wf.mul(a3) + bgf.mul(cv::Scalar(1, 1, 1) - a3);

  // lighting: a smooth gradient and sometimes a soft shadow
  cv::Mat light(64, 64, CV_32F);
  double gx = uni(r, -0.2, 0.2), gy = uni(r, -0.2, 0.2), lb = uni(r, 0.7, 0.92);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) light.at<float>(y, x) = float(lb + gx * (x / 63.0 - 0.5) + gy * (y / 63.0 - 0.5));
  cv::resize(light, light, photo, 0, 0, cv::INTER_LINEAR);
  if (uni(r, 0, 1) < 0.35) {
    cv::Mat shadow(photo, CV_32F, cv::Scalar(1));
    std::vector<cv::Point> poly{{0, 0}, {uni_i(r, 0, photo.width), 0}, {uni_i(r, 0, photo.width), photo.height}, {0, photo.height}};
    cv::fillConvexPoly(shadow, poly, cv::Scalar(uni(r, 0.6, 0.85)));
    cv::GaussianBlur(shadow, shadow, cv::Size(0, 0), photo.width * 0.03);
    light = light.mul(shadow);
  }
  cv::Mat l3;
  cv::cvtColor(light, l3, cv::COLOR_GRAY2BGR);
  img = img.mul(l3);

  if (uni(r, 0, 1) < 0.2) {  // a finger across one edge
    cv::Point2d a = dst[uni_i(r, 0, 3)], b = dst[uni_i(r, 0, 3)];
    cv::Point2d p = a + (b - a) * uni(r, 0.3, 0.7);
    cv::ellipse(img, cv::Point(p), cv::Size(int(photo.width * 0.05), int(photo.width * 0.16)), uni(r, 0, 180), 0, 360,
                cv::Scalar(uni(r, 120, 160), uni(r, 150, 180), uni(r, 200, 230)), cv::FILLED, cv::LINE_AA);
  }
  if (o.allow_glare && uni(r, 0, 1) < 0.5) {
    cv::Point2d c = centre + cv::Point2d(uni(r, -0.2, 0.2) * pw, uni(r, -0.2, 0.2) * ph);
    cv::Mat spot(photo, CV_32FC3, cv::Scalar(0, 0, 0));
    cv::circle(spot, cv::Point(c), int(pw * 0.08), cv::Scalar(255, 255, 255), cv::FILLED);
    cv::GaussianBlur(spot, spot, cv::Size(0, 0), pw * 0.02);
    img += spot;
  }
  cv::Mat noise(photo, CV_32FC3);
  cv::RNG cvr(r());
  cvr.fill(noise, cv::RNG::NORMAL, 0, uni(r, 1.5, 4));
  img += noise;
  cv::Mat out8;
  img.convertTo(out8, CV_8UC3);
  double lens = uni(r, 0.4, 0.9);  // lens softness of a sharp photo
  double sigma = std::sqrt(lens * lens + o.extra_blur_sigma * o.extra_blur_sigma);
  cv::GaussianBlur(out8, out8, cv::Size(0, 0), sigma);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", out8, jpeg, {cv::IMWRITE_JPEG_QUALITY, uni_i(r, 80, 93)});
  out.bgr = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  return out;
}

}  // namespace hallpass::imaging::testing
