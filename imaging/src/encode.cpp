// Encoding to a size budget: quality first, then resolution, never below the minimum dpi.
#include "internal.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace hallpass::imaging::detail {

namespace {

std::string encode(const cv::Mat& img, output_format format, int quality) {
  std::vector<std::uint8_t> buf;
  std::vector<int> params;
  if (format == output_format::png) {
    params = {cv::IMWRITE_PNG_COMPRESSION, 6};
    if (img.channels() == 1 && cv::countNonZero((img > 0) & (img < 255)) == 0)
      params.insert(params.end(), {cv::IMWRITE_PNG_BILEVEL, 1});
    cv::imencode(".png", img, buf, params);
  } else {
    params = {cv::IMWRITE_JPEG_QUALITY, quality, cv::IMWRITE_JPEG_OPTIMIZE, 1};
    cv::imencode(".jpg", img, buf, params);
  }
  return std::string(buf.begin(), buf.end());
}

// Predicts the encoded size from every fourth band of rows (a quarter of the work).
double predicted_bytes(const cv::Mat& img, int quality) {
  constexpr int band = 32;
  std::vector<cv::Mat> bands;
  for (int y = 0; y + band <= img.rows; y += 4 * band) bands.push_back(img.rowRange(y, y + band));
  if (bands.size() < 4) return double(encode(img, output_format::jpeg, quality).size());
  cv::Mat sample;
  cv::vconcat(bands, sample);
  return double(encode(sample, output_format::jpeg, quality).size()) * img.rows / sample.rows;
}

}  // namespace

encoded encode_to_budget(const cv::Mat& page, double dpi, output_format format, std::size_t budget,
                         double min_dpi) {
  encoded best;
  double scale = 1;
  for (;;) {
    cv::Mat img = page;
    if (scale < 1) cv::resize(page, img, cv::Size(), scale, scale, cv::INTER_AREA);
    double at_dpi = dpi * img.cols / page.cols;
    bool last = at_dpi * 0.85 < min_dpi;
    if (format == output_format::png) {
      best = {encode(img, format, 0), img.cols, img.rows, at_dpi};
      if (best.bytes.size() <= budget || last) return best;
    } else {
      for (int q : {85, 78, 70, 62, 55}) {
        if (predicted_bytes(img, q) > 0.95 * budget && q != 55) continue;
        best = {encode(img, format, q), img.cols, img.rows, at_dpi};
        if (best.bytes.size() <= budget) return best;
      }
      if (last) {
        best = {encode(img, format, 45), img.cols, img.rows, at_dpi};
        return best;  // smallest acceptable rendering even if above the budget
      }
    }
    scale *= 0.85;
  }
}

std::string make_thumbnail(const cv::Mat& page, int long_side) {
  double f = std::min(1.0, double(long_side) / std::max(page.cols, page.rows));
  cv::Mat t;
  cv::resize(page, t, cv::Size(), f, f, cv::INTER_AREA);
  std::vector<std::uint8_t> buf;
  cv::imencode(".jpg", t, buf, {cv::IMWRITE_JPEG_QUALITY, 72});
  return std::string(buf.begin(), buf.end());
}

}  // namespace hallpass::imaging::detail
