// Which paper a photo is judged against: the effective resolution and the output size use the
// true paper size (ID-1 85.6 x 54 mm for a card, A4 for a page), and auto-detection tries the
// card (rounded corners) before falling back to A4.
#include "synthetic_render.hpp"
#include "test_support.hpp"

#include <hallpass/imaging/cv_pipeline.hpp>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

// `page` laid flat and square to the camera on a dark desk, `mask` its outline, with the lens
// softness of a sharp 2 MP photo (a downscaled capture: 0.4 px here is 1 px at 12 MP).
cv::Mat on_desk(const cv::Mat& page, const cv::Mat& mask, cv::Size photo) {
  cv::Mat out(photo, CV_8UC3, cv::Scalar(45, 40, 38));
  cv::Rect at((photo.width - page.cols) / 2, (photo.height - page.rows) / 2, page.cols, page.rows);
  page.copyTo(out(at), mask);
  cv::GaussianBlur(out, out, cv::Size(0, 0), 0.4);
  return out;
}

// A sharp ID card photographed so that its measured aspect is 1.40 (as a steep view or a
// slightly wrong focal-length estimate leaves it): it does not snap to ID-1.
cv::Mat squeezed_card(int width_px) {
  rng_t r(7);
  cv::Mat mask, card = render_card(r, {856, 540}, mask);
  cv::Size size(width_px, int(width_px / 1.40));
  cv::resize(card, card, size, 0, 0, cv::INTER_AREA);
  cv::resize(mask, mask, size, 0, 0, cv::INTER_AREA);
  return on_desk(card, mask, {1600, 1200});
}

hi::options checks_only() {
  hi::options o;
  o.produce_output = false;
  return o;
}

}  // namespace

TEST(PaperSize, CardWhoseAspectDoesNotSnapIsJudgedAsCard) {
  hi::page_result r = hi::process_image(squeezed_card(760), checks_only());
  ASSERT_TRUE(r.corners) << codes(r);
  EXPECT_EQ(r.paper, "id_card");
  EXPECT_NEAR(r.captured_dpi, 760 / (85.6 / 25.4), 15);  // not 760 / (297 / 25.4) = 65
  EXPECT_TRUE(r.accepted) << codes(r);
}

TEST(PaperSize, SquareCorneredPageOfCardLikeAspectStaysA4) {
  rng_t r(3);
  cv::Mat page = render_a4(r, {1000, 1400});
  cv::rotate(page, page, cv::ROTATE_90_CLOCKWISE);  // landscape, aspect 1.40
  cv::Mat photo = on_desk(page, cv::Mat(page.size(), CV_8U, cv::Scalar(255)), {1600, 1200});
  hi::page_result res = hi::process_image(photo, checks_only());
  ASSERT_TRUE(res.corners) << codes(res);
  EXPECT_EQ(res.paper, "a4");
  EXPECT_NEAR(res.captured_dpi, 1400 / (297 / 25.4), 6);
}

TEST(PaperSize, ExplicitPaperSetsResolutionAndAspect) {
  cv::Mat photo = squeezed_card(760);
  hi::options card = checks_only(), a4 = checks_only();
  card.paper = hi::paper_kind::id_card;
  a4.paper = hi::paper_kind::a4;
  hi::page_result as_card = hi::process_image(photo, card), as_a4 = hi::process_image(photo, a4);
  EXPECT_EQ(as_card.paper, "id_card");
  EXPECT_NEAR(as_card.captured_dpi, 760 / (85.6 / 25.4), 15);
  EXPECT_TRUE(as_card.accepted) << codes(as_card);
  EXPECT_EQ(as_a4.paper, "a4");
  EXPECT_NEAR(as_a4.captured_dpi, 760 / (297 / 25.4), 4);
  EXPECT_TRUE(has_reason(as_a4, "low_resolution")) << codes(as_a4);

  hi::options out = {};
  out.paper = hi::paper_kind::id_card;
  hi::page_result page = hi::process_image(photo, out);
  ASSERT_TRUE(page.accepted) << codes(page);
  EXPECT_NEAR(double(page.width) / page.height, 85.6 / 54, 0.02);  // ID-1, not the squeezed 1.40
  EXPECT_NEAR(page.width / page.dpi * 25.4, 85.6, 1.0);
}
