// Portrait photos (免冠2寸白底彩色照片): one face on a plain light background, cropped to 35 x 49 mm
// at 300 dpi; refused with a reason for no face, several faces, a face too small or too close to the
// edge, a dark photo, a dark or busy background, an unreadable file or too many pixels.
// The face is Eileen Collins' NASA portrait (public domain, tests/data/portrait/README.md), composited
// onto the backgrounds each case needs.
#include <hallpass/imaging/portrait.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <random>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

const cv::Mat& astronaut() {
  static const cv::Mat img = cv::imread(testdata("portrait/astronaut.png"), cv::IMREAD_COLOR);
  return img;
}

// Hair, face and chin of the astronaut, cut out with an ellipse (centre and half-axes in her photo).
const cv::Point head_centre{226, 102};
const cv::Size head_axes{78, 90};

// `background` with the astronaut's head pasted, scaled by `scale`, centred on each of `centres`.
cv::Mat with_heads(cv::Mat background, const std::vector<cv::Point>& centres, double scale = 1) {
  cv::Mat mask(astronaut().size(), CV_8U, cv::Scalar(0));
  cv::ellipse(mask, head_centre, head_axes, 0, 0, 360, cv::Scalar(255), cv::FILLED);
  cv::Mat head, head_mask;
  cv::resize(astronaut(), head, cv::Size(), scale, scale, cv::INTER_AREA);
  cv::resize(mask, head_mask, cv::Size(), scale, scale, cv::INTER_NEAREST);
  for (cv::Point c : centres) {
    cv::Point offset = c - cv::Point(int(head_centre.x * scale), int(head_centre.y * scale));
    cv::Rect target = cv::Rect(offset, head.size()) & cv::Rect(0, 0, background.cols, background.rows);
    cv::Rect source = target - offset;
    head(source).copyTo(background(target), head_mask(source));
  }
  return background;
}

cv::Mat white(int width, int height) { return cv::Mat(height, width, CV_8UC3, cv::Scalar(246, 246, 246)); }

// Random coloured blocks: a cluttered room behind the person.
cv::Mat busy(int width, int height) {
  cv::Mat small(height / 12, width / 12, CV_8UC3);
  cv::RNG rng(7);
  rng.fill(small, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
  cv::Mat out;
  cv::resize(small, out, cv::Size(width, height), 0, 0, cv::INTER_NEAREST);
  return out;
}

hi::portrait_result portrait(const cv::Mat& photo, const hi::portrait_options& o = {}) {
  return hi::process_portrait(as_bytes(encode(photo, ".png")), o);
}

std::string codes(const hi::portrait_result& r) {
  std::string s;
  for (const hi::reason& x : r.reasons) s += x.code + " ";
  return s;
}

bool has(const hi::portrait_result& r, const std::string& code) {
  for (const hi::reason& x : r.reasons)
    if (x.code == code) return true;
  return false;
}

}  // namespace

TEST(Portrait, CropsOneFaceOnWhiteToTwoInchesAt300Dpi) {
  ASSERT_FALSE(astronaut().empty());
  hi::portrait_result r = portrait(with_heads(white(600, 800), {{300, 300}}, 2));
  ASSERT_TRUE(r.accepted) << codes(r);
  EXPECT_TRUE(r.reasons.empty());
  EXPECT_EQ(r.faces.size(), 1u);
  EXPECT_EQ(r.width, 413);
  EXPECT_EQ(r.height, 579);
  EXPECT_GT(r.checks.at("background_brightness").value, 230);
  EXPECT_GT(r.checks.at("background_uniformity").value, 0.93);

  cv::Mat out = cv::imdecode(cv::Mat(1, int(r.jpeg.size()), CV_8U, r.jpeg.data()), cv::IMREAD_COLOR);
  ASSERT_EQ(out.cols, 413);
  ASSERT_EQ(out.rows, 579);
  // JFIF density: 300 dots per inch.
  EXPECT_EQ(r.jpeg.substr(13, 5), std::string("\x01\x01\x2c\x01\x2c", 5));
  // The face, found again in the portrait by the same detector: centred, a sensible size.
  cv::CascadeClassifier detector("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml");
  ASSERT_FALSE(detector.empty());
  cv::Mat grey;
  cv::cvtColor(out, grey, cv::COLOR_BGR2GRAY);
  std::vector<cv::Rect> faces;
  detector.detectMultiScale(grey, faces, 1.1, 5, 0, cv::Size(60, 60));
  ASSERT_EQ(faces.size(), 1u);
  double centre_x = faces[0].x + faces[0].width / 2.0;
  EXPECT_NEAR(centre_x, 413 / 2.0, 15);
  EXPECT_GT(faces[0].height, 0.3 * 579);
  EXPECT_LT(faces[0].height, 0.45 * 579);
  EXPECT_GT(faces[0].y, 0.15 * 579);  // room for the hair above the face
  // Above the head: white.
  EXPECT_GT(cv::mean(grey(cv::Rect(0, 0, 413, 20)))[0], 235);
}

TEST(Portrait, RefusesABusyBackground) {
  hi::portrait_result r = portrait(with_heads(busy(600, 800), {{300, 300}}, 2));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.faces.size(), 1u) << codes(r);
  EXPECT_TRUE(has(r, "background_not_plain")) << codes(r);
  EXPECT_TRUE(r.jpeg.empty());
}

TEST(Portrait, RefusesTheOriginalGreyStudioBackdrop) {
  // Her hair nearly touches the top of the photo: as it is, there is no room to crop.
  EXPECT_EQ(codes(hi::process_portrait(as_bytes(read_file(testdata("portrait/astronaut.png"))))), "face_near_edge ");
  // With the top edge extended, the frame fits; the backdrop beside her head is plain but grey
  // (median grey level about 194), not white.
  cv::Mat extended;
  cv::copyMakeBorder(astronaut(), extended, 40, 0, 0, 0, cv::BORDER_REPLICATE);
  hi::portrait_result r = portrait(extended);
  EXPECT_EQ(codes(r), "background_not_light ");
  EXPECT_TRUE(r.checks.at("background_uniformity").ok);
}

TEST(Portrait, RefusesADarkBackground) {
  cv::Mat grey_wall(800, 600, CV_8UC3, cv::Scalar(90, 90, 90));
  hi::portrait_result r = portrait(with_heads(grey_wall, {{300, 300}}, 2));
  EXPECT_TRUE(has(r, "background_not_light")) << codes(r);
  EXPECT_FALSE(has(r, "background_not_plain")) << codes(r);
}

TEST(Portrait, RefusesADarkPhoto) {
  cv::Mat dark = with_heads(white(600, 800), {{300, 300}}, 2) * 0.25;
  hi::portrait_result r = portrait(dark);
  EXPECT_EQ(r.faces.size(), 1u) << codes(r);
  EXPECT_TRUE(has(r, "too_dark")) << codes(r);
}

TEST(Portrait, RefusesTwoFaces) {
  hi::portrait_result r = portrait(with_heads(white(1200, 800), {{300, 300}, {900, 300}}, 2));
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(codes(r), "several_faces ");
  EXPECT_EQ(r.faces.size(), 2u);
  EXPECT_NE(r.reasons[0].message_en.find("2 faces"), std::string::npos);
}

TEST(Portrait, RefusesADocumentPhotoWithoutAFace) {
  hi::portrait_result r =
      hi::process_portrait(as_bytes(read_file(testdata("photos/dynamsoft/webp/card-on-dark-background.webp"))));
  EXPECT_EQ(codes(r), "no_face ");
}

TEST(Portrait, RefusesAFaceTooSmall) {
  hi::portrait_result r = portrait(with_heads(white(600, 800), {{300, 300}}, 0.6));
  EXPECT_EQ(codes(r), "face_too_small ");
  EXPECT_LT(r.checks.at("face_width_px").value, 80);
}

TEST(Portrait, RefusesAFaceTooCloseToTheEdge) {
  EXPECT_EQ(codes(portrait(with_heads(white(600, 800), {{140, 300}}, 2))), "face_near_edge ");  // left
  EXPECT_EQ(codes(portrait(with_heads(white(600, 800), {{300, 170}}, 2))), "face_near_edge ");  // top
}

TEST(Portrait, RefusesUnreadableAndTooLargeFiles) {
  EXPECT_EQ(codes(hi::process_portrait(as_bytes(std::string("not a photo at all")))), "unreadable_image ");
  hi::portrait_options small;
  small.max_pixels = 1000;
  EXPECT_EQ(codes(portrait(white(600, 800), small)), "too_many_pixels ");
}

TEST(Portrait, OptionsOutOfRangeAreRefusedNotRun) {
  hi::portrait_options o;
  o.dpi = 0;
  EXPECT_EQ(codes(portrait(white(600, 800), o)), "internal_error ");
  o = {};
  o.head_height = 0.95;  // with the top margin, more than the frame
  EXPECT_EQ(codes(portrait(white(600, 800), o)), "internal_error ");
}

TEST(Portrait, AMissingFaceModelIsAClearError) {
  hi::portrait_options o;
  o.face_model = testdata("portrait/no-such-model.xml");
  hi::portrait_result r = portrait(with_heads(white(600, 800), {{300, 300}}, 2), o);
  EXPECT_EQ(codes(r), "face_detector_unavailable ");
  EXPECT_EQ(r.reasons[0].message_en.find("no-such-model"), std::string::npos);  // no server path to the client
  EXPECT_NE(hi::face_model_error(o).find("no-such-model.xml"), std::string::npos) << hi::face_model_error(o);
  // A file that is not a cascade is as unusable as a missing one.
  o.face_model = testdata("portrait/README.md");
  EXPECT_EQ(codes(portrait(white(600, 800), o)), "face_detector_unavailable ");
  EXPECT_NE(hi::face_model_error(o).find("not an OpenCV cascade"), std::string::npos) << hi::face_model_error(o);
  EXPECT_EQ(hi::face_model_error(), "");  // Debian's opencv-data, found at run time
}
