// Illumination normalisation (divide by a text-free estimate of the paper's brightness),
// colour modes and the colour-carries-nothing test.
#include "internal.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace hallpass::imaging::detail {

namespace {

// Paper brightness at each pixel: text removed by a max filter at low resolution.
cv::Mat paper_level(const cv::Mat& img) {
  double f = 256.0 / std::max(img.cols, img.rows);
  cv::Mat twice, small, bg;
  cv::Size target(std::max(1, cvRound(img.cols * f)), std::max(1, cvRound(img.rows * f)));
  cv::resize(img, twice, target * 4, 0, 0, cv::INTER_LINEAR);  // cheap pre-shrink, then average
  cv::resize(twice, small, target, 0, 0, cv::INTER_AREA);
  cv::dilate(small, bg, cv::getStructuringElement(cv::MORPH_RECT, {7, 7}));
  cv::GaussianBlur(bg, bg, cv::Size(0, 0), 3);
  // shadows rarely halve the light; darker "paper" is print (card stripes, photos): keep it dark
  std::vector<cv::Mat> ch;
  cv::split(bg, ch);
  for (cv::Mat& c : ch) {
    double level = 0;
    cv::Mat sorted = c.reshape(1, 1).clone();
    cv::sort(sorted, sorted, cv::SORT_EVERY_ROW | cv::SORT_DESCENDING);
    level = sorted.at<std::uint8_t>(0, int(sorted.cols * 0.1));
    cv::max(c, 0.55 * level, c);
  }
  cv::merge(ch, bg);
  cv::Mat full;
  cv::resize(bg, full, img.size(), 0, 0, cv::INTER_LINEAR);
  return full;
}

}  // namespace

cv::Mat enhance_page(const cv::Mat& bgr, colour_mode mode) {
  cv::Mat src = bgr;
  if (mode != colour_mode::colour) cv::cvtColor(bgr, src, cv::COLOR_BGR2GRAY);
  cv::Mat bg = paper_level(src);
  cv::Mat out;
  cv::divide(src, bg, out, 245.0);  // paper to near white, shadows and colour casts removed
  if (mode == colour_mode::black_white) {
    cv::threshold(out, out, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  }
  return out;
}

bool is_effectively_grey(const cv::Mat& bgr) {
  if (bgr.channels() == 1) return true;
  cv::Mat small, lab;
  double f = std::min(1.0, 400.0 / std::max(bgr.cols, bgr.rows));
  cv::resize(bgr, small, cv::Size(), f, f, cv::INTER_AREA);
  cv::cvtColor(small, lab, cv::COLOR_BGR2Lab);
  int coloured = 0;
  for (int y = 0; y < lab.rows; ++y)
    for (int x = 0; x < lab.cols; ++x) {
      cv::Vec3b p = lab.at<cv::Vec3b>(y, x);
      if (std::hypot(p[1] - 128.0, p[2] - 128.0) > 18) ++coloured;
    }
  return coloured < 0.01 * lab.total();  // stamps and photos exceed this; paper tints do not
}

}  // namespace hallpass::imaging::detail
