#include "frame_picker.hpp"

#include <opencv2/imgproc.hpp>

namespace hallpass::kiosk {

namespace {

cv::Mat grey_at(const cv::Mat& bgr, int long_side) {
  double scale = static_cast<double>(long_side) / std::max(bgr.cols, bgr.rows);
  cv::Mat small = bgr;
  if (scale < 1) cv::resize(bgr, small, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::Mat grey;
  if (small.channels() == 1) grey = small;
  else cv::cvtColor(small, grey, cv::COLOR_BGR2GRAY);
  return grey;
}

}  // namespace

frame_measure measure(const cv::Mat& bgr, const cv::Mat& previous_small, cv::Mat* small_out) {
  frame_measure m;
  auto sharp = grey_at(bgr, 1024);
  auto small = grey_at(sharp, 320);
  if (!previous_small.empty() && previous_small.size() == small.size()) {
    cv::Mat diff;
    cv::absdiff(small, previous_small, diff);
    m.motion = cv::mean(diff)[0];
  }
  cv::Mat lap;
  cv::Laplacian(sharp, lap, CV_32F);
  cv::Scalar mean, dev;
  cv::meanStdDev(lap, mean, dev);
  m.sharpness = dev[0] * dev[0];
  if (small_out) *small_out = small;
  return m;
}

void steady_frames::offer(const cv::Mat& bgr) {
  cv::Mat previous;
  {
    std::lock_guard lock(mutex_);
    previous = previous_small_;
  }
  cv::Mat small;
  auto m = measure(bgr, previous, &small);  // outside the lock: a capture may wait meanwhile
  {
    std::lock_guard lock(mutex_);
    previous_small_ = small;
    recent_.emplace_back(bgr, m);
    while (static_cast<int>(recent_.size()) > settings_.steady_frames) recent_.pop_front();
  }
  arrived_.notify_all();
}

std::optional<cv::Mat> steady_frames::pick_locked() const {
  if (static_cast<int>(recent_.size()) < settings_.steady_frames) return std::nullopt;
  const std::pair<cv::Mat, frame_measure>* best = nullptr;
  for (auto& f : recent_) {
    if (f.second.motion > settings_.max_motion) return std::nullopt;
    if (!best || f.second.sharpness > best->second.sharpness) best = &f;
  }
  if (best->second.sharpness < settings_.min_sharpness) return std::nullopt;
  return best->first;
}

std::optional<cv::Mat> steady_frames::take(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  std::optional<cv::Mat> chosen;
  arrived_.wait_for(lock, wait, [&] { return (chosen = pick_locked()).has_value(); });
  return chosen;
}

void steady_frames::clear() {
  std::lock_guard lock(mutex_);
  recent_.clear();
  previous_small_.release();
}

}  // namespace hallpass::kiosk
