#pragma once
// The document camera: OpenCV VideoCapture over V4L2, or an image sequence or video file standing
// in for it. A grabber thread reads frames as fast as the source gives them and keeps only the
// latest, so whoever looks gets the present picture, never a queue of old ones.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

namespace hallpass::kiosk {

struct camera_settings {
  std::string source;  // v4l2:/dev/video0 | v4l2:0 | images:/dir/frame-%03d.jpg | video:/file.mp4
  int width = 4000, height = 3000;
  bool loop = true;                // sequences and files start again at their end
  int file_frames_per_second = 10;  // a sequence or file is paced like a camera
};

struct frame {
  cv::Mat image;          // BGR
  std::uint64_t number = 0;  // 1, 2, … in the order grabbed; 0: none yet
};

class camera {
 public:
  // Opens the source (std::runtime_error with a reason when it cannot) and starts grabbing.
  explicit camera(camera_settings settings);
  ~camera();
  camera(const camera&) = delete;
  camera& operator=(const camera&) = delete;

  // The latest frame (shared pixels: treat as read-only).
  frame latest() const;
  // The first frame newer than `after`, waiting up to `wait`; the latest one (maybe older) then.
  frame next(std::uint64_t after, std::chrono::milliseconds wait) const;
  bool live() const { return !failed_; }  // false once the source stopped giving frames
  // Called on the grabber thread with each new frame (set once, before frames matter).
  void on_frame(std::function<void(const cv::Mat&)> f);
  std::string description() const;

 private:
  void grab_loop();
  bool reopen();

  camera_settings settings_;
  cv::VideoCapture capture_;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  frame latest_;
  std::function<void(const cv::Mat&)> on_frame_;
  std::atomic<bool> stop_{false}, failed_{false};
  std::thread grabber_;
};

}  // namespace hallpass::kiosk
