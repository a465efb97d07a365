// Page-finding accuracy on the labelled real photos and on seeded synthetic photos.
// Floors are set a little below the figures measured when they were recorded
// (see tests/data/imaging/README.md); a drop below them fails the build.
#include "hard_photos.hpp"
#include "quad_metrics.hpp"
#include "synthetic_pages.hpp"
#include "test_support.hpp"

#include <hallpass/imaging/cv_pipeline.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

quad to_quad(const std::array<hi::point, 4>& c) {
  quad q;
  for (int k = 0; k < 4; ++k) q[k] = {c[k].x, c[k].y};
  return q;
}

quad labelled_corners(const boost::json::value& item) {
  quad truth;
  for (int k = 0; k < 4; ++k) {
    const auto& p = item.at("corners").as_array()[k].as_array();
    truth[k] = {p[0].to_number<double>(), p[1].to_number<double>()};
  }
  return truth;
}

}  // namespace

// Measured when recorded (12 photos): mean IoU 0.980, min 0.947, verdict right on 10 of 12.
TEST(PageFinderReal, MeetsRecordedAccuracyOnLabelledPhotos) {
  boost::json::value doc = boost::json::parse(read_file(HALLPASS_LABELS_FILE));
  const auto& images = doc.at("images").as_array();
  ASSERT_GE(images.size(), 12u);
  hi::options o;
  o.produce_output = false;
  double iou_sum = 0, iou_min = 1;
  int verdict_right = 0;
  for (const auto& item : images) {
    std::string file = std::string(item.at("file").as_string());
    std::string bytes = read_file(testdata("photos/" + file));
    ASSERT_FALSE(bytes.empty()) << file;
    quad truth = labelled_corners(item);
    hi::page_result r = hi::process(as_bytes(bytes), o);
    ASSERT_TRUE(r.corners.has_value()) << file << ": " << codes(r);
    double iou = quad_iou(to_quad(*r.corners), truth);
    EXPECT_GE(iou, 0.90) << file;
    iou_sum += iou;
    iou_min = std::min(iou_min, iou);
    verdict_right += r.accepted == item.at("accept").as_bool();
  }
  double mean = iou_sum / images.size();
  RecordProperty("mean_iou", std::to_string(mean));
  EXPECT_GE(mean, 0.97);
  EXPECT_GE(verdict_right, 10);
}

// A card on a white desk whose lowest print is a barcode: the barcode's lower boundary is a
// stronger line than the card's own bottom edge, below a white margin as light as the desk.
// The card's sides run on past the barcode to that edge, so the margin is the card's (the
// finder stopped at the barcode, IoU 0.937, before it asked).
TEST(PageFinderReal, CardMarginAsLightAsTheDeskStaysInTheCrop) {
  boost::json::value doc = boost::json::parse(read_file(HALLPASS_LABELS_FILE));
  for (const auto& item : doc.at("images").as_array()) {
    if (item.at("file").as_string() != "dynamsoft/inner-lines.jpg") continue;
    std::string bytes = read_file(testdata("photos/dynamsoft/inner-lines.jpg"));
    hi::options o;
    o.produce_output = false;
    hi::page_result r = hi::process(as_bytes(bytes), o);
    ASSERT_TRUE(r.corners.has_value()) << codes(r);
    EXPECT_GE(quad_iou(to_quad(*r.corners), labelled_corners(item)), 0.96);
    return;
  }
  FAIL() << "inner-lines.jpg is not labelled";
}

// Measured when recorded on seeds 0..39 at 900x1200: see the README for the figures.
TEST(PageFinderSynthetic, MeetsRecordedAccuracyOnSeededSet) {
  hi::options o;
  o.produce_output = false;
  o.limits.min_dpi = 60;  // the set is rendered small to keep the suite fast
  int n = 0, inframe = 0, iou90 = 0, wrong_accepted = 0;
  double iou_inframe = 0;
  for (std::uint32_t seed = 0; seed < 40; ++seed) {
    synthetic_options so;
    so.photo = {900, 1200};
    synthetic_photo p = make_synthetic(seed, so);
    hi::page_result r = hi::process_image(p.bgr, o);
    double iou = r.corners ? quad_iou(to_quad(*r.corners), p.corners) : 0;
    ++n;
    if (p.expect_accept) ++inframe, iou_inframe += iou, iou90 += iou >= 0.9;
    wrong_accepted += r.accepted && iou < 0.9;
  }
  double mean = iou_inframe / inframe;
  RecordProperty("mean_iou_in_frame", std::to_string(mean));
  RecordProperty("share_iou90_in_frame", std::to_string(double(iou90) / inframe));
  RecordProperty("wrong_crop_accepted", std::to_string(wrong_accepted) + " of " + std::to_string(n));
  EXPECT_GE(mean, SYNTHETIC_IOU_FLOOR);
  EXPECT_GE(double(iou90) / inframe, SYNTHETIC_IOU90_FLOOR);
  EXPECT_LE(wrong_accepted, SYNTHETIC_WRONG_ACCEPTED_MAX);
}

TEST(PageFinderSynthetic, GeneratorIsDeterministic) {
  synthetic_options so;
  so.photo = {300, 400};
  synthetic_photo a = make_synthetic(5, so), b = make_synthetic(5, so), c = make_synthetic(6, so);
  EXPECT_EQ(cv::norm(a.bgr, b.bgr, cv::NORM_INF), 0);
  EXPECT_GT(cv::norm(a.bgr, c.bgr, cv::NORM_L1), 0);
  EXPECT_EQ(a.corners, b.corners);
}

// A white page on a white desk: the page edge is a few grey levels, fainter than the tables
// and text columns inside the page. Each photo must be found or refused; an inner table
// accepted as the page is the failure this guards against. Seeds 0..11 at 1500x2000.
TEST(PageFinderHard, WhiteOnWhiteIsFoundOrRefusedNeverWronglyCropped) {
  hi::options o;
  o.produce_output = false;
  o.limits.min_dpi = 100;  // 3 MP photos of a whole page
  int found = 0;
  for (std::uint32_t seed = 0; seed < 12; ++seed) {
    hard_options ho;
    ho.photo = {1500, 2000};
    synthetic_photo p = make_hard(condition::white_on_white, seed, ho);
    hi::page_result r = hi::process_image(p.bgr, o);
    double iou = r.corners ? quad_iou(to_quad(*r.corners), p.corners) : 0;
    EXPECT_FALSE(r.accepted && iou < 0.9) << "seed " << seed << ": accepted a wrong crop, IoU " << iou;
    found += iou >= 0.95;
  }
  EXPECT_GE(found, 11);
}

// A page of tables and text gives the finder more long lines than it keeps, all inside the page;
// the faint edge of a white page on a white desk, found only in pieces, was crowded out and a
// table's outer line taken instead (IoU 0.906 and 0.937 for these two).
TEST(PageFinderHard, FaintEdgeBeyondManyInnerLinesIsStillTried) {
  hi::options o;
  o.produce_output = false;
  o.limits.min_dpi = 100;
  for (std::uint32_t seed : {24u, 29u}) {
    hard_options ho;
    ho.photo = {1500, 2000};
    synthetic_photo p = make_hard(condition::white_on_white, seed, ho);
    hi::page_result r = hi::process_image(p.bgr, o);
    double iou = r.corners ? quad_iou(to_quad(*r.corners), p.corners) : 0;
    EXPECT_GE(iou, 0.95) << "seed " << seed;
  }
}

// A grained or striped desk has lines of its own beside the page edge, as strong as it. The
// finder may widen a side to an outer line (a card's stripe, a page margin beyond a table), but
// not onto the desk. These four photos were each accepted with one side on a desk stripe.
TEST(PageFinderHard, SideIsNotWidenedOntoAStripedDesk) {
  hi::options o;
  o.produce_output = false;
  o.limits.min_dpi = 100;
  struct shot {
    condition c;
    std::uint32_t seed;
  };
  for (shot s : {shot{condition::small_photos, 2}, shot{condition::small_photos, 15},
                 shot{condition::small_photos, 21}, shot{condition::steep_perspective, 38}}) {
    hard_options ho;
    ho.photo = {1500, 2000};
    synthetic_photo p = make_hard(s.c, s.seed, ho);
    hi::page_result r = hi::process_image(p.bgr, o);
    double iou = r.corners ? quad_iou(to_quad(*r.corners), p.corners) : 0;
    EXPECT_GE(iou, 0.95) << to_string(s.c) << " seed " << s.seed;
  }
}
