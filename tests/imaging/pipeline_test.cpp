// End-to-end behaviour of process(): output geometry and size, colour handling, quality
// checks (blur, darkness, glare, cut-off), thresholds and thread safety.
#include "hard_photos.hpp"
#include "synthetic_pages.hpp"
#include "test_support.hpp"
#include "internal.hpp"  // estimate_skew_degrees, to measure the residual skew of the output

#include <hallpass/imaging/cv_pipeline.hpp>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <future>
#include <thread>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

// An A4 page on a dark desk, photographed at 4.3 MP (generated once per blur level).
const synthetic_photo& a4_photo(double blur = 0) {
  static const synthetic_photo sharp = [] {
    synthetic_options so;
    so.photo = {1800, 2400};
    so.allow_cut = false;
    return make_synthetic(A4_DARK_SEED, so);
  }();
  static const synthetic_photo blurred = [] {
    synthetic_options so;
    so.photo = {1800, 2400};
    so.allow_cut = false;
    so.extra_blur_sigma = 2.0;
    return make_synthetic(A4_DARK_SEED, so);
  }();
  return blur > 0 ? blurred : sharp;
}

hi::options small_photo_options() {
  hi::options o;
  o.limits.min_dpi = 100;  // 4.3 MP photos, rendered small for speed
  o.min_output_dpi = 100;
  return o;
}

}  // namespace

TEST(Pipeline, AcceptsRealPageAndProducesA4Output) {
  std::string bytes = read_file(testdata("photos/dynamsoft/a4-on-dark-background.jpg"));
  hi::page_result r = hi::process(as_bytes(bytes));
  ASSERT_TRUE(r.accepted) << codes(r);
  EXPECT_EQ(r.paper, "a4");
  EXPECT_NEAR(double(r.height) / r.width, std::sqrt(2.0), 0.02);
  EXPECT_GE(r.dpi, 150);
  EXPECT_LE(r.dpi, std::min(200.0, r.captured_dpi) + 0.5);
  EXPECT_LE(r.output.size(), 500u * 1024);
  cv::Mat out = cv::imdecode(cv::Mat(1, int(r.output.size()), CV_8U, r.output.data()), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.cols, r.width);
  EXPECT_EQ(out.channels(), 1);  // black text on white paper: colour carries nothing
  cv::Mat thumb = cv::imdecode(cv::Mat(1, int(r.thumbnail_jpeg.size()), CV_8U, r.thumbnail_jpeg.data()), cv::IMREAD_COLOR);
  ASSERT_FALSE(thumb.empty());
  EXPECT_LE(std::max(thumb.cols, thumb.rows), 320);
  for (const char* stage : {"decode", "detect", "flatten", "checks", "encode", "total"})
    EXPECT_TRUE(r.timings_ms.count(stage)) << stage;
}

TEST(Pipeline, RejectsRealPhotoBlurredBySigmaTwo) {
  cv::Mat photo = cv::imread(testdata("photos/dynamsoft/inner-table.jpg"));
  ASSERT_FALSE(photo.empty());
  cv::GaussianBlur(photo, photo, cv::Size(0, 0), 2.0);
  hi::options o;
  o.produce_output = false;
  hi::page_result r = hi::process_image(photo, o);
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(has_reason(r, "blurred")) << codes(r);
  EXPECT_LT(r.checks.at("sharpness").value, r.checks.at("sharpness").threshold);
}

TEST(Pipeline, SharpSyntheticAcceptedBlurredRejected) {
  ASSERT_EQ(a4_photo().kind, "a4");
  ASSERT_EQ(a4_photo().background, "dark");
  ASSERT_TRUE(a4_photo().expect_accept);
  hi::options o = small_photo_options();
  o.produce_output = false;
  hi::page_result sharp = hi::process_image(a4_photo().bgr, o);
  EXPECT_TRUE(sharp.accepted) << codes(sharp);
  hi::page_result blurred = hi::process_image(a4_photo(2.0).bgr, o);
  EXPECT_TRUE(has_reason(blurred, "blurred")) << codes(blurred);
  EXPECT_GT(sharp.checks.at("sharpness").value, blurred.checks.at("sharpness").value);
}

// The same shake covers fewer pixels of a smaller photo: at 2 and 3 MP the blur of sigma 2 at
// 12 MP is under one pixel, where the steepest-gradient measure could not see it.
TEST(Pipeline, SmallPhotoBlurredLikeSigmaTwoAt12MpIsRejected) {
  hi::options o = small_photo_options();
  o.produce_output = false;
  for (cv::Size size : {cv::Size(1224, 1632), cv::Size(1500, 2000)})
    for (std::uint32_t seed : {0u, 1u}) {
      hard_options ho;
      ho.photo = size;
      ho.fixed_size = true;
      hi::page_result sharp = hi::process_image(make_hard(condition::small_photos, seed, ho).bgr, o);
      ho.blur_sigma_12mp = 2;
      hi::page_result blurred = hi::process_image(make_hard(condition::small_photos, seed, ho).bgr, o);
      EXPECT_FALSE(has_reason(sharp, "blurred")) << size << " seed " << seed << " " << codes(sharp);
      EXPECT_TRUE(has_reason(blurred, "blurred")) << size << " seed " << seed << " " << codes(blurred);
    }
}

TEST(Pipeline, DarkPhotoIsTooDark) {
  const synthetic_photo& p = a4_photo();
  cv::Mat dark = p.bgr * 0.25;
  hi::options o = small_photo_options();
  o.produce_output = false;
  hi::page_result r = hi::process_image(dark, o);
  EXPECT_TRUE(has_reason(r, "too_dark")) << codes(r);
}

TEST(Pipeline, SpecularSpotIsGlare) {
  const synthetic_photo& p = a4_photo();
  cv::Point2d c = (p.corners[0] + p.corners[1] + p.corners[2] + p.corners[3]) / 4;
  double w = cv::norm(p.corners[1] - p.corners[0]);
  cv::Mat spot(p.bgr.size(), CV_8UC3, cv::Scalar(0, 0, 0)), lit;
  cv::circle(spot, cv::Point(c), int(w * 0.08), cv::Scalar(255, 255, 255), cv::FILLED);
  cv::GaussianBlur(spot, spot, cv::Size(0, 0), w * 0.02);
  cv::add(p.bgr * 0.85, spot, lit);
  hi::options o = small_photo_options();
  o.produce_output = false;
  hi::page_result r = hi::process_image(lit, o);
  EXPECT_TRUE(has_reason(r, "glare")) << codes(r);
  hi::page_result clean = hi::process_image(p.bgr * 0.85, o);
  EXPECT_FALSE(has_reason(clean, "glare")) << codes(clean);
}

TEST(Pipeline, PageRunningOffTheFrameIsCutOff) {
  const synthetic_photo& p = a4_photo();
  cv::Rect keep(0, int(p.bgr.rows * 0.25), p.bgr.cols, int(p.bgr.rows * 0.75));
  hi::options o = small_photo_options();
  o.produce_output = false;
  hi::page_result r = hi::process_image(p.bgr(keep).clone(), o);
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(has_reason(r, "cut_off") || has_reason(r, "no_document")) << codes(r);
}

TEST(Pipeline, BlackAndWhiteModeAsPng) {
  hi::options o = small_photo_options();
  o.mode = hi::colour_mode::black_white;
  o.format = hi::output_format::png;
  hi::page_result r = hi::process_image(a4_photo().bgr, o);
  ASSERT_TRUE(r.accepted) << codes(r);
  EXPECT_EQ(r.output_format, "png");
  cv::Mat out = cv::imdecode(cv::Mat(1, int(r.output.size()), CV_8U, r.output.data()), cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(cv::countNonZero((out > 0) & (out < 255)), 0);
}

TEST(Pipeline, SizeBudgetIsHonoured) {
  hi::options o = small_photo_options();
  o.size_budget_bytes = 120 * 1024;
  hi::page_result r = hi::process_image(a4_photo().bgr, o);
  ASSERT_TRUE(r.accepted) << codes(r);
  EXPECT_LE(r.output.size(), o.size_budget_bytes);
  EXPECT_GE(r.dpi, std::min(o.min_output_dpi, r.captured_dpi) - 0.5);
}

TEST(Pipeline, ConcurrentCallsAgree) {
  std::string jpeg = encode(a4_photo().bgr);
  hi::options o = small_photo_options();
  o.produce_output = false;
  hi::page_result first = hi::process(as_bytes(jpeg), o);
  ASSERT_TRUE(first.corners);
  std::vector<std::future<hi::page_result>> runs;
  for (int i = 0; i < 4; ++i) runs.push_back(std::async(std::launch::async, [&] { return hi::process(as_bytes(jpeg), o); }));
  for (auto& f : runs) {
    hi::page_result r = f.get();
    ASSERT_TRUE(r.corners);
    for (int k = 0; k < 4; ++k) {
      EXPECT_DOUBLE_EQ((*r.corners)[k].x, (*first.corners)[k].x);
      EXPECT_DOUBLE_EQ((*r.corners)[k].y, (*first.corners)[k].y);
    }
    EXPECT_EQ(r.accepted, first.accepted);
  }
}

TEST(Thresholds, LoadsFromJson) {
  hi::thresholds_result t = hi::load_thresholds(R"({"min_sharpness": 0.75, "min_dpi": 200})");
  ASSERT_TRUE(t.value) << t.error;
  EXPECT_DOUBLE_EQ(t.value->min_sharpness, 0.75);
  EXPECT_DOUBLE_EQ(t.value->min_dpi, 200);
  EXPECT_DOUBLE_EQ(t.value->max_glare, hi::thresholds{}.max_glare);
}

TEST(Thresholds, RefusesUnknownKeysAndBadValues) {
  EXPECT_FALSE(hi::load_thresholds(R"({"min_sharpnes": 0.75})").value);
  EXPECT_FALSE(hi::load_thresholds(R"({"min_dpi": "high"})").value);
  EXPECT_FALSE(hi::load_thresholds("[1, 2]").value);
  EXPECT_FALSE(hi::load_thresholds("{").value);
  EXPECT_FALSE(hi::load_thresholds_file("/nonexistent/thresholds.json").value);
}

TEST(Thresholds, StricterThresholdRejects) {
  hi::options o = small_photo_options();
  o.produce_output = false;
  o.limits.min_dpi = 5000;
  hi::page_result r = hi::process_image(a4_photo().bgr, o);
  EXPECT_TRUE(has_reason(r, "low_resolution")) << codes(r);
  EXPECT_FALSE(r.checks.at("resolution_dpi").ok);
  EXPECT_DOUBLE_EQ(r.checks.at("resolution_dpi").threshold, 5000);
}

// Text turned inside straight page edges: only the deskew step can straighten it.
TEST(Pipeline, DeskewLeavesResidualBelowPointTwoDegrees) {
  cv::Mat page(1754, 1240, CV_8UC3, cv::Scalar(245, 245, 245));
  for (int y = 150; y < 1600; y += 34)
    for (int x = 110; x < 1100; x += 98)
      cv::putText(page, "Word", {x, y}, cv::FONT_HERSHEY_SIMPLEX, 0.8, cv::Scalar(20, 20, 20), 2, cv::LINE_AA);
  for (double angle : {-1.2, 0.7}) {
    cv::Mat tilted, photo(2300, 1800, CV_8UC3, cv::Scalar(40, 40, 40));
    cv::warpAffine(page, tilted, cv::getRotationMatrix2D({620, 877}, angle, 1.0), page.size(), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT, cv::Scalar(245, 245, 245));
    tilted.copyTo(photo(cv::Rect(280, 270, page.cols, page.rows)));
    hi::options o = small_photo_options();
    o.mode = hi::colour_mode::grey;
    hi::page_result r = hi::process_image(photo, o);
    ASSERT_TRUE(r.accepted) << codes(r);
    EXPECT_NEAR(r.checks.at("skew_corrected_deg").value, angle, 0.2);
    cv::Mat out = cv::imdecode(cv::Mat(1, int(r.output.size()), CV_8U, r.output.data()), cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(out.empty());
    EXPECT_LE(std::abs(hi::detail::estimate_skew_degrees(out)), 0.2) << "rotation " << angle;
  }
}
