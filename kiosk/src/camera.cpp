#include "camera.hpp"

#include <chrono>
#include <stdexcept>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>

namespace hallpass::kiosk {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool is_file_source(const std::string& source) { return !starts_with(source, "v4l2:"); }

}  // namespace

camera::camera(camera_settings settings) : settings_(std::move(settings)) {
  // A sequence that starts again makes OpenCV warn, each time, that the next file is missing.
  if (starts_with(settings_.source, "images:")) cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  if (!reopen()) throw std::runtime_error("cannot open the camera " + settings_.source);
  grabber_ = std::thread([this] { grab_loop(); });
}

camera::~camera() {
  stop_ = true;
  if (grabber_.joinable()) grabber_.join();
}

bool camera::reopen() {
  auto& s = settings_.source;
  capture_.release();
  if (starts_with(s, "v4l2:")) {
    auto device = s.substr(5);
    bool index = !device.empty() && device.find_first_not_of("0123456789") == std::string::npos;
    bool opened = index ? capture_.open(std::stoi(device), cv::CAP_V4L2) : capture_.open(device, cv::CAP_V4L2);
    if (!opened) return false;
    // The FOURCC first: a UVC camera offers its full resolution only as MJPEG, and the driver
    // picks the format when the size is set.
    capture_.set(cv::CAP_PROP_FOURCC, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
    capture_.set(cv::CAP_PROP_FRAME_WIDTH, settings_.width);
    capture_.set(cv::CAP_PROP_FRAME_HEIGHT, settings_.height);
    capture_.set(cv::CAP_PROP_BUFFERSIZE, 1);
    return true;
  }
  if (starts_with(s, "images:")) return capture_.open(s.substr(7), cv::CAP_IMAGES);
  if (starts_with(s, "video:")) return capture_.open(s.substr(6), cv::CAP_FFMPEG) || capture_.open(s.substr(6));
  throw std::runtime_error("camera must be v4l2:DEVICE, images:PATTERN or video:FILE, not " + s);
}

void camera::grab_loop() {
  const bool file = is_file_source(settings_.source);
  const auto pace = std::chrono::milliseconds(1000 / std::max(1, settings_.file_frames_per_second));
  int failures = 0;
  while (!stop_) {
    auto started = std::chrono::steady_clock::now();
    cv::Mat image;
    if (!capture_.read(image) || image.empty()) {
      // The end of a sequence or file: from the start again (or stay on the last frame).
      if (file && settings_.loop && ++failures < 3 && reopen()) continue;
      if (!file && ++failures < 50) {  // a camera that hiccups: a short pause, then again
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      failed_ = !file || latest().number == 0;
      if (file) {  // stays on its last frame, like a paper that lies still
        std::this_thread::sleep_for(pace);
        continue;
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
      if (reopen()) failures = 0, failed_ = false;
      continue;
    }
    failures = 0;
    failed_ = false;
    // Everyone downstream sees BGR: a grey or four-channel picture (an image file) is converted.
    if (image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
    else if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
    std::function<void(const cv::Mat&)> hook;
    {
      std::lock_guard lock(mutex_);
      latest_.image = image;
      ++latest_.number;
      hook = on_frame_;
    }
    arrived_.notify_all();
    if (hook) hook(image);
    if (file) std::this_thread::sleep_until(started + pace);
  }
}

void camera::on_frame(std::function<void(const cv::Mat&)> f) {
  std::lock_guard lock(mutex_);
  on_frame_ = std::move(f);
}

frame camera::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

frame camera::next(std::uint64_t after, std::chrono::milliseconds wait) const {
  std::unique_lock lock(mutex_);
  arrived_.wait_for(lock, wait, [&] { return latest_.number > after; });
  return latest_;
}

std::string camera::description() const { return settings_.source; }

}  // namespace hallpass::kiosk
