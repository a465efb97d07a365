#pragma once
// Picks the frame to capture: the paper must lie still (little change between consecutive frames)
// and the picture be sharp (variance of the Laplacian). Of the steady frames in a row, the
// sharpest is taken.
#include <optional>

#include <opencv2/core.hpp>

namespace hallpass::kiosk {

struct frame_measure {
  double motion = 0;     // mean absolute grey difference to the previous frame, 0..255, at 320 px
  double sharpness = 0;  // variance of the Laplacian of the grey frame at 1024 px
};

struct picker_settings {
  double max_motion = 2.5;      // still: less than this between consecutive frames
  double min_sharpness = 20;    // the Laplacian's variance; lower: out of focus or shaken
  int steady_frames = 3;        // this many still frames in a row
};

class frame_picker {
 public:
  explicit frame_picker(picker_settings s = {}) : settings_(s) {}
  // Looks at the next frame: the frame to capture once it has seen enough steady, sharp ones.
  std::optional<cv::Mat> offer(const cv::Mat& bgr);
  const frame_measure& last() const { return last_; }
  void reset();

 private:
  picker_settings settings_;
  cv::Mat previous_small_;
  int steady_ = 0;
  cv::Mat best_;
  double best_sharpness_ = -1;
  frame_measure last_;
};

}  // namespace hallpass::kiosk
