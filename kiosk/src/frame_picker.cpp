#include "frame_picker.hpp"

#include <opencv2/imgproc.hpp>

namespace hallpass::kiosk {

namespace {

cv::Mat grey_at(const cv::Mat& bgr, int long_side) {
  cv::Mat grey;
  if (bgr.channels() == 1) grey = bgr;
  else cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  double scale = static_cast<double>(long_side) / std::max(grey.cols, grey.rows);
  if (scale >= 1) return grey;
  cv::Mat small;
  cv::resize(grey, small, cv::Size(), scale, scale, cv::INTER_AREA);
  return small;
}

double laplacian_variance(const cv::Mat& grey) {
  cv::Mat lap;
  cv::Laplacian(grey, lap, CV_32F);
  cv::Scalar mean, dev;
  cv::meanStdDev(lap, mean, dev);
  return dev[0] * dev[0];
}

}  // namespace

void frame_picker::reset() {
  previous_small_.release();
  steady_ = 0;
  best_.release();
  best_sharpness_ = -1;
}

std::optional<cv::Mat> frame_picker::offer(const cv::Mat& bgr) {
  auto small = grey_at(bgr, 320);
  last_.motion = 255;  // the first frame, or another size: not known to be still
  if (!previous_small_.empty() && previous_small_.size() == small.size()) {
    cv::Mat diff;
    cv::absdiff(small, previous_small_, diff);
    last_.motion = cv::mean(diff)[0];
  }
  previous_small_ = small;
  last_.sharpness = laplacian_variance(grey_at(bgr, 1024));
  if (last_.motion > settings_.max_motion) {  // moving: start counting again
    steady_ = 0;
    best_.release();
    best_sharpness_ = -1;
    return std::nullopt;
  }
  ++steady_;
  if (last_.sharpness > best_sharpness_) {
    best_ = bgr;
    best_sharpness_ = last_.sharpness;
  }
  if (steady_ < settings_.steady_frames || best_sharpness_ < settings_.min_sharpness) return std::nullopt;
  auto chosen = best_;
  reset();
  return chosen;
}

}  // namespace hallpass::kiosk
