#include "heic_encode.hpp"

#include <libheif/heif.h>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <stdexcept>

namespace hallpass::imaging::testing {

std::optional<std::string> encode_heic(const cv::Mat& image) {
  heif_context* ctx = heif_context_alloc();
  heif_encoder* enc = nullptr;
  if (heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &enc).code != heif_error_Ok) {
    heif_context_free(ctx);
    return std::nullopt;
  }
  const bool alpha = image.channels() == 4;
  cv::Mat rgb;
  cv::cvtColor(image, rgb, alpha ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
  heif_image* img = nullptr;
  heif_image_create(rgb.cols, rgb.rows, heif_colorspace_RGB,
                    alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, &img);
  heif_image_add_plane(img, heif_channel_interleaved, rgb.cols, rgb.rows, 8);
  int stride = 0;
  std::uint8_t* plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
  for (int y = 0; y < rgb.rows; ++y) std::memcpy(plane + y * stride, rgb.ptr(y), rgb.cols * rgb.elemSize());
  heif_encoder_set_lossy_quality(enc, 80);
  std::string bytes;
  heif_writer writer{1, [](heif_context*, const void* data, size_t size, void* user) {
                       static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
                       return heif_error{heif_error_Ok, heif_suberror_Unspecified, ""};
                     }};
  bool ok = heif_context_encode_image(ctx, img, enc, nullptr, nullptr).code == heif_error_Ok &&
            heif_context_write(ctx, &writer, &bytes).code == heif_error_Ok;
  heif_image_release(img);
  heif_encoder_release(enc);
  heif_context_free(ctx);
  if (!ok) throw std::runtime_error("libheif could not encode the test image");
  return bytes;
}

}  // namespace hallpass::imaging::testing
