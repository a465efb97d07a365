// HEVC images for libheif decoded by libavcodec instead of libde265. Both are conformant decoders
// and give the same pixels; libavcodec takes about two thirds of the time, which is most of what a
// HEIC photo costs. libheif still reads the container, applies its limits, decodes the tiles of a
// grid on its threads, puts them together and converts the colours: this plugin only turns the
// coded data of one image item into its planes.
#include "internal.hpp"

#include <libheif/heif.h>
#include <libheif/heif_plugin.h>
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>
}

#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace hallpass::imaging::detail {

namespace {

// Above libde265's (100): libheif takes the plugin with the highest priority.
constexpr int plugin_priority = 120;

// The coded data of one image item. libheif hands it over as NAL units each behind a 4-byte length
// (the parameter sets of the item's hvcC, then the image); they are kept with start codes (Annex B),
// which libavcodec's HEVC decoder reads without any other setup.
struct coded_item {
  std::vector<std::uint8_t> annex_b;
};

heif_error ok() { return {heif_error_Ok, heif_suberror_Unspecified, "Success"}; }
heif_error failed(heif_suberror_code code, const char* message) {
  return {heif_error_Decoder_plugin_error, code, message};
}

struct context_deleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct packet_deleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct frame_deleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};

heif_error push_data(void* item, const void* data, size_t size) {
  if (!append_annex_b(static_cast<coded_item*>(item)->annex_b, {static_cast<const std::uint8_t*>(data), size}))
    return failed(heif_suberror_End_of_data, "HEVC NAL unit longer than the data");
  return ok();
}

// Copies the decoded planes (YCbCr or grey, 8 to 16 bits, as libde265's plugin gives them) into a heif_image.
heif_error to_heif_image(const AVFrame& frame, heif_image** out) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(AVPixelFormat(frame.format));
  constexpr std::uint64_t not_planar_yuv = AV_PIX_FMT_FLAG_BE | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
                                           AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_ALPHA |
                                           AV_PIX_FMT_FLAG_FLOAT;
  if (!d || (d->flags & not_planar_yuv) || (d->nb_components != 1 && d->nb_components != 3) ||
      (d->nb_components == 3 && !(d->flags & AV_PIX_FMT_FLAG_PLANAR)))
    return failed(heif_suberror_Unsupported_color_conversion, "HEVC image in an unsupported pixel format");
  const bool grey = d->nb_components == 1;
  heif_chroma chroma = heif_chroma_monochrome;
  if (!grey) {
    if (d->log2_chroma_w == 1 && d->log2_chroma_h == 1) chroma = heif_chroma_420;
    else if (d->log2_chroma_w == 1 && d->log2_chroma_h == 0) chroma = heif_chroma_422;
    else if (d->log2_chroma_w == 0 && d->log2_chroma_h == 0) chroma = heif_chroma_444;
    else return failed(heif_suberror_Unsupported_color_conversion, "HEVC image with unsupported chroma subsampling");
  }
  const int bits = d->comp[0].depth;
  for (int c = 0; c < d->nb_components; ++c)
    if (d->comp[c].depth != bits || d->comp[c].plane != c)
      return failed(heif_suberror_Unsupported_color_conversion, "HEVC image planes of different depths");
  if (bits < 8 || bits > 16 || frame.width <= 0 || frame.height <= 0)
    return failed(heif_suberror_Invalid_image_size, "HEVC image of no pixels or an unsupported depth");

  heif_error err = heif_image_create(frame.width, frame.height, grey ? heif_colorspace_monochrome : heif_colorspace_YCbCr,
                                     chroma, out);
  if (err.code != heif_error_Ok) return err;
  const heif_channel channels[3] = {heif_channel_Y, heif_channel_Cb, heif_channel_Cr};
  const int sample_bytes = bits > 8 ? 2 : 1;
  for (int c = 0; c < d->nb_components; ++c) {
    int w = c == 0 ? frame.width : AV_CEIL_RSHIFT(frame.width, d->log2_chroma_w);
    int h = c == 0 ? frame.height : AV_CEIL_RSHIFT(frame.height, d->log2_chroma_h);
    err = heif_image_add_plane(*out, channels[c], w, h, bits);
    int stride = 0;
    std::uint8_t* dst = err.code == heif_error_Ok ? heif_image_get_plane(*out, channels[c], &stride) : nullptr;
    if (!dst) {
      heif_image_release(*out);
      *out = nullptr;
      return err.code != heif_error_Ok ? err : failed(heif_suberror_Unspecified, "no memory for the HEVC image");
    }
    for (int y = 0; y < h; ++y)
      std::memcpy(dst + std::size_t(y) * stride, frame.data[c] + std::ptrdiff_t(y) * frame.linesize[c],
                  std::size_t(w) * sample_bytes);
  }
  return ok();
}

using context_ptr = std::unique_ptr<AVCodecContext, context_deleter>;

context_ptr open_decoder() {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_HEVC);
  if (!codec) return nullptr;
  context_ptr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return nullptr;
  ctx->thread_count = 1;  // the tiles of a grid are already decoded in parallel
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) return nullptr;
  return ctx;
}

// Decodes the one image of `annex_b` into `frame`; false when it holds none. Pads `annex_b` with
// the zeroes the decoder's bit reader may read past the end.
bool decode_frame(AVCodecContext& ctx, std::vector<std::uint8_t>& annex_b, AVFrame& frame) {
  const std::size_t size = annex_b.size();
  if (size == 0 || size > std::size_t(INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)) return false;
  std::unique_ptr<AVPacket, packet_deleter> packet(av_packet_alloc());
  if (!packet) return false;
  annex_b.resize(size + AV_INPUT_BUFFER_PADDING_SIZE);
  packet->data = annex_b.data();
  packet->size = int(size);
  return avcodec_send_packet(&ctx, packet.get()) >= 0 && avcodec_send_packet(&ctx, nullptr) >= 0 &&
         avcodec_receive_frame(&ctx, &frame) >= 0;
}

// The planes of an 8-bit YCbCr frame; false for any other format.
bool as_ycbcr8(const AVFrame& frame, ycbcr_picture& picture) {
  switch (frame.format) {
    case AV_PIX_FMT_YUV420P: case AV_PIX_FMT_YUVJ420P: picture.chroma_shift_x = picture.chroma_shift_y = 1; break;
    case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUVJ422P: picture.chroma_shift_x = 1; break;
    case AV_PIX_FMT_YUV444P: case AV_PIX_FMT_YUVJ444P: break;
    default: return false;  // grey, more than 8 bits
  }
  if (frame.width <= 0 || frame.height <= 0) return false;
  picture.width = frame.width;
  picture.height = frame.height;
  for (int c = 0; c < 3; ++c) {
    picture.planes[c] = frame.data[c];
    picture.strides[c] = frame.linesize[c];
  }
  return true;
}

heif_error decode_image(void* item, heif_image** out) {
  *out = nullptr;
  std::unique_ptr<AVFrame, frame_deleter> frame(av_frame_alloc());
  if (!frame) return failed(heif_suberror_Unspecified, "no memory for the HEVC decoder");
  context_ptr ctx = open_decoder();
  if (!ctx) return failed(heif_suberror_Unsupported_codec, "the HEVC decoder could not be opened");
  if (!decode_frame(*ctx, static_cast<coded_item*>(item)->annex_b, *frame))
    return failed(heif_suberror_Unspecified, "the HEVC data holds no decodable image");
  return to_heif_image(*frame, out);
}

const heif_decoder_plugin libavcodec_hevc = {
    2,  // plugin API version: up to set_strict_decoding
    [] { return "libavcodec HEVC decoder"; },
    [] {},
    [] {},
    [](heif_compression_format format) { return format == heif_compression_HEVC ? plugin_priority : 0; },
    [](void** item) {
      *item = new coded_item;
      return ok();
    },
    [](void* item) { delete static_cast<coded_item*>(item); },
    push_data,
    decode_image,
    [](void*, int) {},  // strict decoding: not asked for (decode.cpp passes no decoding options)
    nullptr,
};

}  // namespace

void append_nal_unit(std::vector<std::uint8_t>& annex_b, std::span<const std::uint8_t> nal_unit) {
  static constexpr std::uint8_t start_code[] = {0, 0, 0, 1};
  annex_b.insert(annex_b.end(), start_code, start_code + 4);
  annex_b.insert(annex_b.end(), nal_unit.begin(), nal_unit.end());
}

bool append_annex_b(std::vector<std::uint8_t>& annex_b, std::span<const std::uint8_t> length_prefixed) {
  const std::uint8_t* p = length_prefixed.data();
  const std::size_t size = length_prefixed.size();
  std::size_t at = 0;
  while (at < size) {
    if (size - at < 4) return false;  // ends inside a length
    std::size_t length = std::size_t(p[at]) << 24 | std::size_t(p[at + 1]) << 16 | std::size_t(p[at + 2]) << 8 | p[at + 3];
    at += 4;
    if (length > size - at) return false;
    append_nal_unit(annex_b, {p + at, length});
    at += length;
  }
  return true;
}

struct hevc_decoders::idle_decoders {
  std::mutex mutex;
  std::vector<context_ptr> decoders;
};

hevc_decoders::hevc_decoders() : idle_(std::make_unique<idle_decoders>()) {}
hevc_decoders::~hevc_decoders() = default;

bool hevc_decoders::decode_ycbcr8(std::vector<std::uint8_t>& annex_b, const std::function<void(const ycbcr_picture&)>& use) {
  context_ptr ctx;
  {
    std::lock_guard lock(idle_->mutex);
    if (!idle_->decoders.empty()) {
      ctx = std::move(idle_->decoders.back());
      idle_->decoders.pop_back();
    }
  }
  if (!ctx) ctx = open_decoder();
  std::unique_ptr<AVFrame, frame_deleter> frame(av_frame_alloc());
  ycbcr_picture picture;
  if (!ctx || !frame || !decode_frame(*ctx, annex_b, *frame) || !as_ycbcr8(*frame, picture))
    return false;  // the decoder goes with it: it is not trusted with the next image
  use(picture);
  frame.reset();
  avcodec_flush_buffers(ctx.get());  // ends the drain the last image began
  std::lock_guard lock(idle_->mutex);
  idle_->decoders.push_back(std::move(ctx));
  return true;
}

void prefer_libavcodec_for_hevc() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_QUIET);  // it would write its complaints about every damaged upload to stderr
    heif_register_decoder_plugin(&libavcodec_hevc);
  });
}

}  // namespace hallpass::imaging::detail
