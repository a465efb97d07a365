// hallpass::imaging — a portrait photo for an application (社保卡申领: 免冠2寸白底彩色照片):
// exactly one face, a plain light background, cropped to 35 x 49 mm at 300 dpi.
// Same contract as imaging.hpp: value types, no exception leaves, reasons with code + zh + en.
#pragma once

#include <hallpass/imaging/imaging.hpp>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace hallpass::imaging {

struct portrait_options {
  // OpenCV Haar cascade of frontal faces. Empty: haarcascade_frontalface_default.xml of Debian's
  // opencv-data package (/usr/share/opencv4/haarcascades, or /usr/share/opencv/haarcascades).
  std::string face_model;
  std::uint64_t max_pixels = 50'000'000;  // refused before decoding
  double width_mm = 35, height_mm = 49;   // the 2-inch photo
  int dpi = 300;                          // of the output: 413 x 579 pixels
  double head_height = 0.6;               // crown to chin, fraction of the output height
  double head_top_margin = 0.08;          // space above the crown, fraction of the output height
  double min_face_px = 80;                // face width in the photo, pixels
  double min_face_brightness = 70;        // 0..255, mean grey level of the face
  double min_background_brightness = 200; // 0..255, median grey level of the background (white, not grey)
  double min_background_uniformity = 0.9; // fraction of background pixels within ±24 levels of its median
  int jpeg_quality = 92;
};

struct face_box {
  double x = 0, y = 0, width = 0, height = 0;  // in the decoded photo (after EXIF orientation), pixels
};

// code ∈ unreadable_image, too_many_pixels, unsupported_type, face_detector_unavailable, no_face,
//        several_faces, face_too_small, face_near_edge, too_dark, background_not_light,
//        background_not_plain, internal_error (options out of range)
struct portrait_result {
  bool accepted = false;
  std::vector<reason> reasons;  // empty iff accepted
  std::vector<face_box> faces;  // every face found
  // face_width_px, face_brightness, background_brightness, background_uniformity (those measured)
  std::map<std::string, check> checks;
  std::string jpeg;             // the cropped portrait (JFIF density = dpi); empty if refused
  int width = 0, height = 0;
};

// Finds the face, checks it and the background around the head, and crops the photo so that the
// head is centred left to right, `head_top_margin` below the top edge, `head_height` of the frame.
portrait_result process_portrait(std::span<const std::uint8_t> bytes, const portrait_options& options = {});

// Empty when the face model loads; otherwise what is wrong, naming the file (for the server's log
// at start-up: process_portrait then answers face_detector_unavailable without the file's name).
std::string face_model_error(const portrait_options& options = {});

}  // namespace hallpass::imaging
