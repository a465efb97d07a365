// Hostile and degenerate inputs: every one gives a clear reason, none crashes or hangs.
#include "internal.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <random>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

void expect_reason(const hi::page_result& r, const std::string& code) {
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(r.output.empty());
  ASSERT_TRUE(has_reason(r, code)) << "got: " << codes(r);
  for (const hi::reason& x : r.reasons) {
    EXPECT_FALSE(x.message.empty());
    EXPECT_FALSE(x.message_en.empty());
  }
}

std::string png_header(std::uint32_t w, std::uint32_t h) {
  std::string s("\x89PNG\r\n\x1a\n", 8);
  s += std::string("\0\0\0\x0dIHDR", 8);
  for (std::uint32_t v : {w, h})
    for (int shift = 24; shift >= 0; shift -= 8) s += char((v >> shift) & 0xFF);
  s += std::string("\x08\x02\0\0\0", 5);  // 8-bit RGB
  s += std::string("\0\0\0\0", 4);        // CRC (not checked before the size test)
  s += std::string("\0\0\0\0IDAT", 8);
  return s;
}

cv::Mat noisy(cv::Size size, double level, double sigma) {
  cv::Mat img(size, CV_8UC3, cv::Scalar(level, level, level)), noise(size, CV_8UC3);
  cv::randn(noise, 0, sigma);
  cv::add(img, noise, img);
  return img;
}

}  // namespace

TEST(HostileInput, ZeroBytesIsUnreadable) { expect_reason(hi::process({}), "unreadable_image"); }

TEST(HostileInput, RandomBytesAreUnreadable) {
  std::mt19937 rng(7);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = char(rng());
  expect_reason(hi::process(as_bytes(bytes)), "unreadable_image");
}

TEST(HostileInput, TruncatedJpegIsUnreadable) {
  std::string jpeg = encode(noisy({800, 600}, 128, 40));
  std::string cut = jpeg.substr(0, jpeg.size() / 2);
  expect_reason(hi::process(as_bytes(cut)), "unreadable_image");
}

TEST(HostileInput, PngDeclaringTenGigapixelsIsRefusedBeforeDecoding) {
  std::string bomb = png_header(100000, 100000);
  auto t0 = std::chrono::steady_clock::now();
  hi::page_result r = hi::process(as_bytes(bomb));
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  expect_reason(r, "too_many_pixels");
  EXPECT_LT(ms, 50.0);  // nothing was allocated or decoded
}

TEST(HostileInput, JpegAboveConfiguredPixelLimitIsRefused) {
  std::string jpeg = encode(noisy({1000, 800}, 128, 10));
  hi::options o;
  o.max_pixels = 500'000;
  expect_reason(hi::process(as_bytes(jpeg), o), "too_many_pixels");
  o.max_pixels = 900'000;
  EXPECT_FALSE(has_reason(hi::process(as_bytes(jpeg), o), "too_many_pixels"));
}

// The header reader and the TIFF decoder must agree on the size: with a second ImageWidth tag the
// decoder keeps the first, so a reader taking the last let a large image past the pixel limit.
TEST(HostileInput, TiffWithSecondWidthTagIsUnreadable) {
  std::vector<uchar> tiff;
  cv::imencode(".tif", cv::Mat(72, 72, CV_8UC1, cv::Scalar(128)), tiff, {cv::IMWRITE_TIFF_COMPRESSION, 1});
  std::uint32_t ifd = tiff[4] | tiff[5] << 8 | tiff[6] << 16 | std::uint32_t(tiff[7]) << 24;  // little endian
  int entries = tiff[ifd] | tiff[ifd + 1] << 8;
  bool patched = false;
  for (int k = 0; k < entries; ++k) {
    std::size_t e = ifd + 2 + 12 * k;
    if ((tiff[e] | tiff[e + 1] << 8) != 339) continue;  // SampleFormat (default value): becomes ImageWidth = 1
    const std::uint8_t width_one[12] = {0x00, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0};
    std::copy(std::begin(width_one), std::end(width_one), tiff.begin() + e);
    patched = true;
  }
  ASSERT_TRUE(patched);
  hi::options o;
  o.max_pixels = 4096;  // below the 5184 pixels the decoder would make
  expect_reason(hi::process(std::span<const std::uint8_t>(tiff.data(), tiff.size()), o), "unreadable_image");
}

// A HEIC whose container says 8x8 while its HEVC stream decodes to 8x520 (found by fuzzing): the
// pixel limit holds for what was decoded, not only for what the header said.
TEST(HostileInput, HeicStreamLargerThanItsHeaderIsRefused) {
  std::string heic = read_file(testdata("../fuzz/regressions/image_header/heic-stream-taller-than-header.heic"));
  ASSERT_FALSE(heic.empty());
  hi::options o;
  o.max_pixels = 4096;  // above the 64 pixels of the header, below the 4160 decoded
  // Its 520 rows are over the side limit (128) that libheif gets from the pixel limit, so libheif
  // refuses it; decode.cpp checks the decoded pixels as well.
  expect_reason(hi::process(as_bytes(heic), o), "unreadable_image");
}

// A HEIC whose grid image lists itself as its own tile (found by fuzzing): libheif 1.15 decoded
// it without end until the process died. It is refused before decoding.
TEST(HostileInput, HeicGridReferencingItselfIsUnreadable) {
  std::string heic = read_file(testdata("../fuzz/regressions/image_header/heic-grid-references-itself.heic"));
  ASSERT_FALSE(heic.empty());
  expect_reason(hi::process(as_bytes(heic)), "unreadable_image");
}

// A HEIC whose container says 8x8 while its grid descriptor says 26725x12899 (found by fuzzing):
// libheif 1.15 allocated the grid's 1 GB before decoding a tile. Its side limit, derived from the
// pixel limit, makes it refuse the grid instead.
TEST(HostileInput, HeicGridLargerThanItsHeaderIsRefusedBeforeItsBufferIsAllocated) {
  std::string heic = read_file(testdata("../fuzz/regressions/image_header/heic-grid-of-a-gigabyte.heic"));
  ASSERT_EQ(heic.size(), 515u);
  auto d = hi::detail::decode_image(as_bytes(heic), 4096);
  EXPECT_TRUE(d.bgr.empty());
  EXPECT_EQ(d.error_code, "unreadable_image");
  EXPECT_NE(d.detail_en.find("26725x12899"), std::string::npos) << d.detail_en;
}

TEST(HostileInput, PdfIsNotAPhoto) {
  std::string pdf = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
  expect_reason(hi::process(as_bytes(pdf)), "unsupported_type");
}

TEST(HostileInput, OnePixelImageIsTooSmall) {
  std::string png = encode(cv::Mat(1, 1, CV_8UC3, cv::Scalar(200, 200, 200)), ".png");
  expect_reason(hi::process(as_bytes(png)), "low_resolution");
}

TEST(HostileInput, BlankWhitePhotoHasNoDocument) {
  std::string jpeg = encode(noisy({1200, 1600}, 235, 3));
  hi::page_result r = hi::process(as_bytes(jpeg));
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(has_reason(r, "no_document") || has_reason(r, "blank_page")) << codes(r);
}

TEST(HostileInput, PhotoWithoutDocumentHasNoDocument) {
  cv::Mat img = noisy({1200, 1600}, 90, 20);
  cv::GaussianBlur(img, img, cv::Size(0, 0), 2);
  for (int i = 0; i < 12; ++i)  // round clutter: no straight page edges
    cv::circle(img, {100 * i % 1200, 130 * i % 1600}, 40 + 9 * i, cv::Scalar(20 * i, 255 - 15 * i, 120), cv::FILLED);
  hi::page_result r = hi::process(as_bytes(encode(img)));
  EXPECT_FALSE(r.accepted);
  EXPECT_TRUE(has_reason(r, "no_document")) << codes(r);
}

TEST(HostileInput, DamagedPngBodyIsUnreadable) {
  std::string png = encode(noisy({400, 300}, 128, 30), ".png");
  for (std::size_t i = 60; i < png.size(); i += 7) png[i] = char(png[i] ^ 0x5A);
  expect_reason(hi::process(as_bytes(png)), "unreadable_image");
}
