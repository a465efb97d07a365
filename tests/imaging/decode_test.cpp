// Container sniffing and decoding: real types from magic bytes, EXIF orientation, WebP, HEIC.
#include "test_support.hpp"

#include <gtest/gtest.h>
#include "heic_encode.hpp"
#include "internal.hpp"  // decode_image, to compare the decoded pixels

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <tuple>
#include <vector>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

cv::Mat test_image(cv::Size size) {
  cv::Mat img(size, CV_8UC3, cv::Scalar(90, 90, 90));
  cv::rectangle(img, cv::Rect(size.width / 10, size.height / 10, size.width / 2, size.height / 3), cv::Scalar(240, 240, 240), cv::FILLED);
  return img;
}

// Inserts an EXIF APP1 segment with the given orientation right after SOI.
std::string with_orientation(const std::string& jpeg, int orientation) {
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x01\0", 2);                      // one IFD entry
  tiff += std::string("\x12\x01\x03\0\x01\0\0\0", 8);    // tag 0x0112 SHORT count 1
  tiff += char(orientation);
  tiff += std::string("\0\0\0", 3);
  tiff += std::string("\0\0\0\0", 4);                    // no next IFD
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  std::size_t len = payload.size() + 2;
  std::string app1 = std::string("\xFF\xE1", 2) + char(len >> 8) + char(len & 0xFF) + payload;
  return jpeg.substr(0, 2) + app1 + jpeg.substr(2);
}

}  // namespace

TEST(Sniff, TellsRealTypeFromMagicBytes) {
  cv::Mat img = test_image({64, 48});
  EXPECT_EQ(hi::sniff(as_bytes(encode(img, ".jpg"))), hi::file_type::jpeg);
  EXPECT_EQ(hi::sniff(as_bytes(encode(img, ".png"))), hi::file_type::png);
  EXPECT_EQ(hi::sniff(as_bytes(encode(img, ".webp"))), hi::file_type::webp);
  EXPECT_EQ(hi::sniff(as_bytes(std::string("%PDF-1.4\n"))), hi::file_type::pdf);
  EXPECT_EQ(hi::sniff(as_bytes(std::string("\0\0\0\x18" "ftypheic\0\0\0\0", 16))), hi::file_type::heic);
  EXPECT_EQ(hi::sniff(as_bytes(std::string("GIF89a...."))), hi::file_type::unknown);
  EXPECT_EQ(hi::sniff({}), hi::file_type::unknown);
  EXPECT_EQ(hi::to_string(hi::file_type::heic), "heic");
}

TEST(Decode, AppliesExifOrientation) {
  std::string jpeg = encode(test_image({400, 300}));
  hi::options o;
  o.produce_output = false;
  hi::page_result upright = hi::process(as_bytes(jpeg), o);
  EXPECT_EQ(upright.photo_width, 400);
  EXPECT_EQ(upright.photo_height, 300);
  hi::page_result rotated = hi::process(as_bytes(with_orientation(jpeg, 6)), o);
  EXPECT_EQ(rotated.photo_width, 300);
  EXPECT_EQ(rotated.photo_height, 400);
}

TEST(Decode, ReadsWebp) {
  hi::options o;
  o.produce_output = false;
  hi::page_result r = hi::process(as_bytes(encode(test_image({320, 240}), ".webp")), o);
  EXPECT_FALSE(has_reason(r, "unreadable_image")) << codes(r);
  EXPECT_EQ(r.photo_width, 320);
  EXPECT_EQ(r.photo_height, 240);
}

TEST(Decode, ReadsHeic) {
  auto heic = encode_heic(test_image({320, 240}));
  if (!heic) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  const std::string& bytes = *heic;
  EXPECT_EQ(hi::sniff(as_bytes(bytes)), hi::file_type::heic);
  hi::options o;
  o.produce_output = false;
  hi::page_result r = hi::process(as_bytes(bytes), o);
  EXPECT_FALSE(has_reason(r, "unreadable_image")) << codes(r);
  EXPECT_EQ(r.photo_width, 320);
  EXPECT_EQ(r.photo_height, 240);
  o.max_pixels = 320 * 240 - 1;
  EXPECT_TRUE(has_reason(hi::process(as_bytes(bytes), o), "too_many_pixels"));
}

// Grey and 10-bit HEIC photos come out as 8-bit BGR, the colours in their channels.
TEST(Decode, ReadsGreyAnd10BitHeic) {
  cv::Mat colour(240, 320, CV_8UC3, cv::Scalar(40, 120, 200));
  cv::rectangle(colour, cv::Rect(40, 30, 160, 100), cv::Scalar(210, 60, 30), cv::FILLED);
  cv::Mat grey;
  cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
  auto grey_heic = encode_heic_as(grey, 8, "420");
  if (!grey_heic) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  for (const auto& [name, heic, expected] : {std::tuple{"grey", *grey_heic, grey},
                                             std::tuple{"10-bit", *encode_heic_as(colour, 10, "420"), colour}}) {
    SCOPED_TRACE(name);
    hallpass::imaging::detail::decoded d = hallpass::imaging::detail::decode_image(as_bytes(heic), 50'000'000);
    ASSERT_EQ(d.bgr.type(), CV_8UC3) << d.detail_en;
    ASSERT_EQ(d.bgr.size(), colour.size());
    std::vector<cv::Mat> got, want;
    cv::split(d.bgr, got);
    cv::split(expected, want);
    for (int c = 0; c < 3; ++c) EXPECT_LT(cv::norm(got[c], want[std::min<int>(c, want.size() - 1)], cv::NORM_L1) / got[c].total(), 4.0) << "channel " << c;
  }
}

// As phones save it: a grid of 512 px HEVC tiles, the right and bottom ones padded. The tiles
// come back in their places and the padding is cut off.
TEST(Decode, ReadsPhoneStyleTiledHeic) {
  cv::Mat img(700, 1100, CV_8UC3, cv::Scalar(60, 60, 60));
  cv::rectangle(img, cv::Rect(600, 550, 400, 120), cv::Scalar(235, 235, 235), cv::FILLED);  // bottom-right tiles
  auto heic = encode_heic_grid(img);
  if (!heic) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  ASSERT_NE(heic->find("grid"), std::string::npos);
  hi::page_result r = hi::process(as_bytes(*heic));
  EXPECT_FALSE(has_reason(r, "unreadable_image")) << codes(r);
  EXPECT_EQ(r.photo_width, 1100);
  EXPECT_EQ(r.photo_height, 700);
  hallpass::imaging::detail::decoded d = hallpass::imaging::detail::decode_image(as_bytes(*heic), 50'000'000);
  ASSERT_EQ(d.bgr.size(), img.size()) << d.detail_en;
  cv::Mat diff;
  cv::absdiff(d.bgr, img, diff);
  EXPECT_LT(cv::mean(diff)[0], 4.0);
}
