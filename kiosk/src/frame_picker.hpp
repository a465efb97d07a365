#pragma once
// Picks the frame to capture: the paper must lie still (little change between consecutive frames)
// and the picture be sharp (variance of the Laplacian). The camera's grabber thread offers every
// frame while a capture screen is open, so that at the press of 拍照 the frames of the last
// moment are already judged: if they were steady, the sharpest is taken at once.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include <opencv2/core.hpp>

namespace hallpass::kiosk {

struct frame_measure {
  double motion = 255;   // mean absolute grey difference to the previous frame, 0..255, at 320 px
  double sharpness = 0;  // variance of the Laplacian of the grey frame at 1024 px
};

struct picker_settings {
  double max_motion = 2.5;      // still: less than this between consecutive frames
  double min_sharpness = 20;    // the Laplacian's variance; lower: out of focus or shaken
  int steady_frames = 3;        // this many still frames in a row
};

frame_measure measure(const cv::Mat& bgr, const cv::Mat& previous_small, cv::Mat* small_out);

class steady_frames {
 public:
  explicit steady_frames(picker_settings s = {}) : settings_(s) {}
  // A new frame (the grabber thread).
  void offer(const cv::Mat& bgr);
  // The sharpest of the last steady_frames frames once they were all still and one is sharp
  // enough, waiting up to `wait` for new frames to make it so.
  std::optional<cv::Mat> take(std::chrono::milliseconds wait);
  void clear();

 private:
  std::optional<cv::Mat> pick_locked() const;

  picker_settings settings_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  cv::Mat previous_small_;
  std::deque<std::pair<cv::Mat, frame_measure>> recent_;
};

}  // namespace hallpass::kiosk
