// Grids of HEVC tiles decoded straight into BGR (imaging/src/heif_grid.cpp): libheif's pixels,
// whatever colour description the tiles carry, and libheif's decoding for what it does not read.
#include "internal.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include "heic_encode.hpp"

#include <libheif/heif.h>
#include <opencv2/imgproc.hpp>

#include <memory>
#include <string>
#include <vector>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

constexpr std::uint64_t max_pixels = 50'000'000;

cv::Mat textured(cv::Size size) {
  cv::Mat img(size, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::GaussianBlur(img, img, cv::Size(0, 0), 2.0);
  cv::rectangle(img, cv::Rect(20, 30, size.width / 2, size.height / 3), cv::Scalar(20, 200, 240), cv::FILLED);
  cv::circle(img, {size.width * 2 / 3, size.height / 2}, size.height / 4, cv::Scalar(250, 30, 60), cv::FILLED);
  return img;
}

// The primary image as libheif converts it (planar RGB, as decode.cpp asked for it before), as BGR.
cv::Mat libheif_bgr(const std::string& heic) {
  hi::detail::prefer_libavcodec_for_hevc();
  std::unique_ptr<heif_context, void (*)(heif_context*)> ctx(heif_context_alloc(), heif_context_free);
  heif_image_handle* raw_handle = nullptr;
  if (heif_context_read_from_memory_without_copy(ctx.get(), heic.data(), heic.size(), nullptr).code != heif_error_Ok ||
      heif_context_get_primary_image_handle(ctx.get(), &raw_handle).code != heif_error_Ok)
    return {};
  std::unique_ptr<heif_image_handle, void (*)(const heif_image_handle*)> handle(raw_handle, heif_image_handle_release);
  heif_image* raw_image = nullptr;
  if (heif_decode_image(handle.get(), &raw_image, heif_colorspace_RGB, heif_chroma_444, nullptr).code != heif_error_Ok)
    return {};
  std::unique_ptr<heif_image, void (*)(const heif_image*)> image(raw_image, heif_image_release);
  std::vector<cv::Mat> bgr;
  for (heif_channel channel : {heif_channel_B, heif_channel_G, heif_channel_R}) {
    int stride = 0;
    const std::uint8_t* p = heif_image_get_plane_readonly(image.get(), channel, &stride);
    bgr.emplace_back(heif_image_get_height(image.get(), channel), heif_image_get_width(image.get(), channel), CV_8UC1,
                     const_cast<std::uint8_t*>(p), std::size_t(stride));
  }
  cv::Mat out;
  cv::merge(bgr, out);
  return out;
}

void expect_libheifs_pixels(const std::string& heic) {
  std::optional<cv::Mat> fast = hi::detail::decode_heif_grid(as_bytes(heic), max_pixels, 32768);
  cv::Mat reference = libheif_bgr(heic);
  ASSERT_TRUE(fast.has_value());
  ASSERT_FALSE(reference.empty());
  ASSERT_EQ(fast->size(), reference.size());
  cv::Mat diff;
  cv::absdiff(*fast, reference, diff);
  EXPECT_LE(cv::norm(diff, cv::NORM_INF), 2);
  cv::Scalar mean = cv::mean(diff);
  for (int c = 0; c < 3; ++c) EXPECT_LE(mean[c], 0.5) << "channel " << c;
}

}  // namespace

// Tiles of 128 px over 300x200: the right and bottom tiles padded, as phones' are.
TEST(HeifGrid, GivesLibheifsPixelsForEveryColourDescription) {
  cv::Mat photo = textured({300, 200});
  if (!encode_heic_grid(photo, 128, 60)) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  {
    SCOPED_TRACE("no colour description: libheif's default");
    expect_libheifs_pixels(*encode_heic_grid(photo, 128, 60));
  }
  for (int matrix : {6, 1, 5, 9, 2})
    for (bool full_range : {true, false}) {
      SCOPED_TRACE("matrix " + std::to_string(matrix) + (full_range ? ", full range" : ", limited range"));
      expect_libheifs_pixels(*encode_heic_grid(photo, 128, 60, nclx{matrix, full_range}));
    }
}

// The colour description is what tells these apart: the test above would not see it ignored.
TEST(HeifGrid, ColourDescriptionChangesThePixels) {
  cv::Mat photo = textured({300, 200});
  auto full = encode_heic_grid(photo, 128, 60, nclx{6, true});
  if (!full) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  cv::Mat bt601_full = *hi::detail::decode_heif_grid(as_bytes(*full), max_pixels, 32768);
  for (nclx other : {nclx{6, false}, nclx{1, true}}) {
    auto heic = encode_heic_grid(photo, 128, 60, other);
    cv::Mat diff;
    cv::absdiff(*hi::detail::decode_heif_grid(as_bytes(*heic), max_pixels, 32768), bt601_full, diff);
    EXPECT_GT(cv::norm(diff, cv::NORM_INF), 10) << "matrix " << other.matrix << (other.full_range ? " full" : " limited");
  }
}

// Colour matrices libheif converts in other ways (GBR, YCgCo, from the primaries) are left to it.
TEST(HeifGrid, LeavesOtherColourMatricesToLibheif) {
  cv::Mat photo = textured({300, 200});
  auto gbr = encode_heic_grid(photo, 128, 60, nclx{0, true});
  if (!gbr) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  EXPECT_FALSE(hi::detail::decode_heif_grid(as_bytes(*gbr), max_pixels, 32768).has_value());
  hi::detail::decoded d = hi::detail::decode_image(as_bytes(*gbr), max_pixels);
  ASSERT_EQ(d.bgr.size(), photo.size()) << d.detail_en;
}

// A single image, grey and 10-bit photos are not grids of 8-bit YCbCr tiles: libheif decodes them.
TEST(HeifGrid, LeavesSingleImagesToLibheif) {
  cv::Mat photo = textured({300, 200});
  auto single = encode_heic(photo, 60);
  if (!single) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  EXPECT_FALSE(hi::detail::decode_heif_grid(as_bytes(*single), max_pixels, 32768).has_value());
  EXPECT_FALSE(hi::detail::decode_heif_grid(as_bytes(*encode_heic_as(photo, 10, "420")), max_pixels, 32768).has_value());
}

// The limits hold: an image over them is libheif's to refuse.
TEST(HeifGrid, LeavesImagesOverTheLimitsToLibheif) {
  cv::Mat photo = textured({300, 200});
  auto heic = encode_heic_grid(photo, 128, 60);
  if (!heic) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  EXPECT_FALSE(hi::detail::decode_heif_grid(as_bytes(*heic), 300 * 200 - 1, 32768).has_value());
  EXPECT_FALSE(hi::detail::decode_heif_grid(as_bytes(*heic), max_pixels, 300).has_value());
  EXPECT_TRUE(hi::detail::decode_heif_grid(as_bytes(*heic), 300 * 200, 301).has_value());
}

// A tile whose coded data is damaged makes it give up; decode_image then reports what libheif says.
TEST(HeifGrid, DamagedTileIsUnreadable) {
  cv::Mat photo = textured({300, 200});
  auto heic = encode_heic_grid(photo, 128, 60);
  if (!heic) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  std::size_t mdat = heic->find("mdat");
  ASSERT_NE(mdat, std::string::npos);
  std::string damaged = *heic;
  std::fill(damaged.begin() + mdat + 4 + 8 + 200, damaged.end(), '\0');  // after the grid descriptor and into tile 1
  EXPECT_FALSE(hi::detail::decode_heif_grid(as_bytes(damaged), max_pixels, 32768).has_value());
  hi::detail::decoded d = hi::detail::decode_image(as_bytes(damaged), max_pixels);
  EXPECT_EQ(d.error_code, "unreadable_image");
}
