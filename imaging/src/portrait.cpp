// Portrait photo for an application: one face (OpenCV Haar cascade), a plain light background
// around the head, cropped to the 2-inch size (35 x 49 mm) at 300 dpi.
#include <hallpass/imaging/portrait.hpp>

#include "internal.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

namespace hallpass::imaging {

namespace {

constexpr const char* debian_face_models[] = {
    "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml",
    "/usr/share/opencv/haarcascades/haarcascade_frontalface_default.xml",
};
constexpr int detection_long_side = 800;  // faces are searched on a copy at most this long
constexpr int background_tolerance = 24;  // grey levels around the background median counted as plain
// The background is measured in the output's border: a band along the top and one down each side.
constexpr double background_top = 0.05, background_side = 0.1;

// The frontal-face cascade's box runs from the forehead to below the mouth; the head (crown to
// chin) reaches about half a box above it and 0.15 of a box below it.
constexpr double crown_above_box = 0.5, chin_below_box = 0.15;

std::string model_path(const portrait_options& o) {
  if (!o.face_model.empty()) return o.face_model;
  for (const char* path : debian_face_models)
    if (std::error_code ec; std::filesystem::is_regular_file(path, ec)) return path;
  return debian_face_models[0];
}

// One classifier per thread and model: detectMultiScale is not safe to share between threads,
// and loading the cascade takes longer than the detection itself.
cv::CascadeClassifier* classifier_for(const std::string& path) {
  thread_local std::string loaded_path;
  thread_local std::unique_ptr<cv::CascadeClassifier> classifier;
  if (classifier && loaded_path == path) return classifier.get();
  classifier.reset();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  auto c = std::make_unique<cv::CascadeClassifier>();
  try {
    if (!c->load(path) || c->empty()) return nullptr;
  } catch (const cv::Exception&) {  // not a cascade file
    return nullptr;
  }
  loaded_path = path;
  classifier = std::move(c);
  return classifier.get();
}

std::vector<face_box> find_faces(const cv::Mat& bgr, cv::CascadeClassifier& detector) {
  double f = std::min(1.0, double(detection_long_side) / std::max(bgr.cols, bgr.rows));
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  if (f < 1) cv::resize(grey, grey, cv::Size(), f, f, cv::INTER_AREA);
  cv::normalize(grey, grey, 0, 255, cv::NORM_MINMAX);  // a dark photo stretched, its shapes kept
  std::vector<cv::Rect> found;
  detector.detectMultiScale(grey, found, 1.1, 5, 0, cv::Size(24, 24));
  std::vector<face_box> faces;
  for (const cv::Rect& r : found) faces.push_back({r.x / f, r.y / f, r.width / f, r.height / f});
  return faces;
}

// Median grey level of the masked pixels and the fraction of them within the tolerance of it.
std::pair<double, double> median_and_uniformity(const cv::Mat& grey, const cv::Mat& mask) {
  std::vector<std::uint8_t> levels;
  for (int y = 0; y < grey.rows; ++y)
    for (int x = 0; x < grey.cols; ++x)
      if (mask.at<std::uint8_t>(y, x)) levels.push_back(grey.at<std::uint8_t>(y, x));
  if (levels.empty()) return {0, 0};
  std::nth_element(levels.begin(), levels.begin() + levels.size() / 2, levels.end());
  int median = levels[levels.size() / 2];
  auto near = std::count_if(levels.begin(), levels.end(),
                            [&](std::uint8_t v) { return std::abs(int(v) - median) <= background_tolerance; });
  return {double(median), double(near) / levels.size()};
}

// JFIF density of the encoded JPEG set to `dpi`, so it prints at its physical size.
void set_jfif_dpi(std::string& jpeg, int dpi) {
  if (jpeg.size() < 18 || jpeg.compare(6, 5, std::string("JFIF\0", 5)) != 0) return;
  jpeg[13] = 1;  // units: dots per inch
  jpeg[14] = char(dpi >> 8), jpeg[15] = char(dpi & 0xFF);
  jpeg[16] = char(dpi >> 8), jpeg[17] = char(dpi & 0xFF);
}

void fail(portrait_result& r, std::string_view code, std::string_view zh = {}, std::string_view en = {}) {
  r.accepted = false;
  r.reasons.push_back(make_reason(code, zh, en));
}

check at_least(double value, double threshold) { return {value, threshold, value >= threshold}; }

portrait_result process(std::span<const std::uint8_t> bytes, const portrait_options& o) {
  portrait_result r;
  const int width = int(std::lround(o.width_mm / 25.4 * o.dpi)), height = int(std::lround(o.height_mm / 25.4 * o.dpi));
  if (!(width >= 16 && height >= 16 && double(width) * height <= 25e6 && o.head_height > 0 &&
        o.head_top_margin >= 0 && o.head_height + o.head_top_margin < 1)) {
    fail(r, "internal_error", {}, "portrait options out of range");
    return r;
  }
  std::string path = model_path(o);
  cv::CascadeClassifier* detector = classifier_for(path);
  if (!detector) {
    fail(r, "face_detector_unavailable");
    return r;
  }
  detail::decoded photo = detail::decode_image(bytes, o.max_pixels);
  if (photo.bgr.empty()) {
    fail(r, photo.error_code, {}, photo.detail_en);
    return r;
  }
  const cv::Mat& img = photo.bgr;

  r.faces = find_faces(img, *detector);
  if (r.faces.empty()) fail(r, "no_face");
  if (r.faces.size() > 1)
    fail(r, "several_faces", "共 " + std::to_string(r.faces.size()) + " 张", std::to_string(r.faces.size()) + " faces");
  if (!r.reasons.empty()) return r;
  const face_box& face = r.faces[0];
  r.checks["face_width_px"] = at_least(face.width, o.min_face_px);
  if (!r.checks["face_width_px"].ok) {
    fail(r, "face_too_small");
    return r;
  }

  // The frame in the photo: head centred left to right, crown `head_top_margin` below the top.
  double crown = face.y - crown_above_box * face.height, chin = face.y + (1 + chin_below_box) * face.height;
  double frame_h = (chin - crown) / o.head_height, frame_w = frame_h * width / height;
  cv::Rect2d frame(face.x + face.width / 2 - frame_w / 2, crown - o.head_top_margin * frame_h, frame_w, frame_h);
  if (frame.x < 0 || frame.y < 0 || frame.br().x > img.cols || frame.br().y > img.rows) {
    fail(r, "face_near_edge");
    return r;
  }
  cv::Rect crop = cv::Rect(cvRound(frame.x), cvRound(frame.y), cvRound(frame.width), cvRound(frame.height)) &
                  cv::Rect(0, 0, img.cols, img.rows);
  cv::Mat out, grey;
  cv::resize(img(crop), out, cv::Size(width, height), 0, 0, crop.height > height ? cv::INTER_AREA : cv::INTER_CUBIC);
  cv::cvtColor(out, grey, cv::COLOR_BGR2GRAY);
  auto to_out = [&](double x, double y) {
    return cv::Point2d((x - crop.x) * width / crop.width, (y - crop.y) * height / crop.height);
  };

  // Face brightness: the middle of the face box (eyes, nose, cheeks).
  cv::Point2d face_tl = to_out(face.x, face.y), face_br = to_out(face.x + face.width, face.y + face.height);
  cv::Rect inner(cv::Point(face_tl + 0.2 * (face_br - face_tl)), cv::Point(face_tl + 0.8 * (face_br - face_tl)));
  inner &= cv::Rect(0, 0, grey.cols, grey.rows);
  r.checks["face_brightness"] = at_least(inner.empty() ? 0 : cv::mean(grey(inner))[0], o.min_face_brightness);

  // Background: the frame's border beside and above the head, down to the chin.
  cv::Mat background(grey.size(), CV_8U, cv::Scalar(0));
  int chin_row = std::clamp(int(to_out(0, chin).y), 1, grey.rows), side = int(background_side * width);
  background.rowRange(0, int(background_top * height)).setTo(255);
  background(cv::Rect(0, 0, side, chin_row)).setTo(255);
  background(cv::Rect(width - side, 0, side, chin_row)).setTo(255);
  auto [median, uniformity] = median_and_uniformity(grey, background);
  r.checks["background_brightness"] = at_least(median, o.min_background_brightness);
  r.checks["background_uniformity"] = at_least(uniformity, o.min_background_uniformity);

  if (!r.checks["face_brightness"].ok) fail(r, "too_dark");
  if (!r.checks["background_brightness"].ok) fail(r, "background_not_light");
  if (!r.checks["background_uniformity"].ok) fail(r, "background_not_plain");
  if (!r.reasons.empty()) return r;

  std::vector<std::uint8_t> buf;
  cv::imencode(".jpg", out, buf, {cv::IMWRITE_JPEG_QUALITY, o.jpeg_quality});
  r.jpeg.assign(buf.begin(), buf.end());
  set_jfif_dpi(r.jpeg, o.dpi);
  r.width = out.cols, r.height = out.rows;
  r.accepted = true;
  return r;
}

}  // namespace

std::string face_model_error(const portrait_options& options) {
  std::string path = model_path(options);
  if (std::error_code ec; !std::filesystem::is_regular_file(path, ec))
    return "face model " + path + " not found (Debian package opencv-data)";
  if (!classifier_for(path)) return "face model " + path + " is not an OpenCV cascade";
  return {};
}

portrait_result process_portrait(std::span<const std::uint8_t> bytes, const portrait_options& options) {
  try {
    return process(bytes, options);
  } catch (const std::exception& e) {
    portrait_result r;
    fail(r, "internal_error", {}, e.what());
    return r;
  }
}

}  // namespace hallpass::imaging
