// HEVC of HEIC photos decoded by libavcodec (imaging/src/hevc_decoder.cpp): libheif takes it over
// libde265, and it gives libde265's pixels for the chroma formats and depths cameras write.
#include "internal.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include "heic_encode.hpp"

#include <libheif/heif.h>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

// A photo-like test picture: shapes and noise, so that prediction and residuals have work to do.
cv::Mat textured(cv::Size size, int channels) {
  cv::Mat img(size, CV_8UC(channels));
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::GaussianBlur(img, img, cv::Size(0, 0), 1.5);
  cv::rectangle(img, cv::Rect(size.width / 8, size.height / 6, size.width / 2, size.height / 3), cv::Scalar::all(230), 3);
  cv::putText(img, "HallPass 2024", cv::Point(size.width / 10, size.height * 3 / 4), cv::FONT_HERSHEY_SIMPLEX, 1.0,
              cv::Scalar::all(20), 2);
  return img;
}

struct decoded_planes {
  std::string error;             // empty when decoded
  int bits = 0;
  std::vector<cv::Mat> planes;   // as libheif gives them: Y, or R G B (8 or 16-bit samples)
};

// The primary image decoded by the decoder libheif chooses, or by the one named `decoder_id`,
// without colour conversion beyond libheif's own (planar, full depth).
decoded_planes decode_with(const std::string& heic, const char* decoder_id) {
  decoded_planes out;
  std::unique_ptr<heif_context, void (*)(heif_context*)> ctx(heif_context_alloc(), heif_context_free);
  heif_image_handle* raw_handle = nullptr;
  if (heif_context_read_from_memory_without_copy(ctx.get(), heic.data(), heic.size(), nullptr).code != heif_error_Ok ||
      heif_context_get_primary_image_handle(ctx.get(), &raw_handle).code != heif_error_Ok)
    return {"unreadable container"};
  std::unique_ptr<heif_image_handle, void (*)(const heif_image_handle*)> handle(raw_handle, heif_image_handle_release);
  std::unique_ptr<heif_decoding_options, void (*)(heif_decoding_options*)> options(heif_decoding_options_alloc(),
                                                                                    heif_decoding_options_free);
  options->decoder_id = decoder_id;
  heif_image* raw_image = nullptr;
  heif_error err = heif_decode_image(handle.get(), &raw_image, heif_colorspace_undefined, heif_chroma_undefined, options.get());
  std::unique_ptr<heif_image, void (*)(const heif_image*)> image(raw_image, heif_image_release);
  if (err.code != heif_error_Ok || !image) return {err.message ? err.message : "decode failed"};
  for (heif_channel channel : {heif_channel_Y, heif_channel_R, heif_channel_G, heif_channel_B}) {
    if (!heif_image_has_channel(image.get(), channel)) continue;
    out.bits = heif_image_get_bits_per_pixel_range(image.get(), channel);
    int stride = 0;
    const std::uint8_t* p = heif_image_get_plane_readonly(image.get(), channel, &stride);
    cv::Mat plane(heif_image_get_height(image.get(), channel), heif_image_get_width(image.get(), channel),
                  out.bits > 8 ? CV_16UC1 : CV_8UC1, const_cast<std::uint8_t*>(p), std::size_t(stride));
    out.planes.push_back(plane.clone());
  }
  return out;
}

bool libde265_present() {
  const heif_decoder_descriptor* decoders[16];
  int n = heif_get_decoder_descriptors(heif_compression_HEVC, decoders, 16);
  for (int i = 0; i < n; ++i) {
    const char* id = heif_decoder_descriptor_get_id_name(decoders[i]);
    if (id && std::strcmp(id, "libde265") == 0) return true;
  }
  return false;
}

// Decodes `heic` with both decoders and expects the same planes, sample for sample.
void expect_same_pixels_as_libde265(const std::string& heic, int bits, std::size_t planes) {
  decoded_planes ours = decode_with(heic, nullptr), reference = decode_with(heic, "libde265");
  ASSERT_EQ(ours.error, "");
  ASSERT_EQ(reference.error, "");
  EXPECT_EQ(ours.bits, bits);
  ASSERT_EQ(ours.planes.size(), planes);
  ASSERT_EQ(reference.planes.size(), planes);
  for (std::size_t i = 0; i < planes; ++i) {
    ASSERT_EQ(ours.planes[i].size(), reference.planes[i].size());
    ASSERT_EQ(ours.planes[i].type(), reference.planes[i].type());
    EXPECT_EQ(cv::norm(ours.planes[i], reference.planes[i], cv::NORM_INF), 0) << "plane " << i;
  }
}

}  // namespace

TEST(HevcDecoder, IsLibheifsFirstChoiceForHevc) {
  hi::detail::prefer_libavcodec_for_hevc();
  const heif_decoder_descriptor* decoders[16];
  int n = heif_get_decoder_descriptors(heif_compression_HEVC, decoders, 16);
  ASSERT_GE(n, 1);
  EXPECT_STREQ(heif_decoder_descriptor_get_name(decoders[0]), "libavcodec HEVC decoder");
}

// Compared on single images: libheif 1.15 decodes a grid's tiles with the decoder of highest
// priority whatever decoder it was asked for, and the tiles of phones are 4:2:0 8-bit images.
TEST(HevcDecoder, GivesLibde265sPixels) {
  hi::detail::prefer_libavcodec_for_hevc();
  if (!libde265_present()) GTEST_SKIP() << "this libheif build has no libde265 to compare with";
  cv::Mat colour = textured({352, 288}, 3), grey = textured({352, 288}, 1);
  auto phone_like = encode_heic_as(colour, 8, "420");
  if (!phone_like) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  {
    SCOPED_TRACE("4:2:0, 8 bits");
    expect_same_pixels_as_libde265(*phone_like, 8, 3);
  }
  {
    SCOPED_TRACE("4:4:4, 8 bits");
    expect_same_pixels_as_libde265(*encode_heic_as(colour, 8, "444"), 8, 3);
  }
  {
    SCOPED_TRACE("4:2:0, 10 bits");
    expect_same_pixels_as_libde265(*encode_heic_as(colour, 10, "420"), 10, 3);
  }
  {
    SCOPED_TRACE("grey, 8 bits");
    expect_same_pixels_as_libde265(*encode_heic_as(grey, 8, "420"), 8, 1);
  }
}

// The photo as the pipeline gets it: the tiles in their places, the padding cut off, close to the original.
TEST(HevcDecoder, PhoneStyleGridDecodesToThePhoto) {
  cv::Mat photo = textured({1100, 700}, 3);
  auto heic = encode_heic_grid(photo);
  if (!heic) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  hi::detail::decoded d = hi::detail::decode_image(as_bytes(*heic), 50'000'000);
  ASSERT_EQ(d.bgr.size(), photo.size()) << d.detail_en;
  cv::Mat diff;
  cv::absdiff(d.bgr, photo, diff);
  EXPECT_LT(cv::mean(diff)[0], 8.0);
}

// Coded data that holds no image (every byte of the item zeroed) is unreadable, not a crash.
TEST(HevcDecoder, ZeroedCodedDataIsUnreadable) {
  auto heic = encode_heic(textured({320, 240}, 3));
  if (!heic) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  std::size_t mdat = heic->find("mdat");
  ASSERT_NE(mdat, std::string::npos);
  std::string damaged = *heic;
  std::fill(damaged.begin() + mdat + 4, damaged.end(), '\0');
  hi::page_result r = hi::process(as_bytes(damaged));
  EXPECT_TRUE(has_reason(r, "unreadable_image")) << codes(r);
}
