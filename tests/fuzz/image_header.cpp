// Fuzz target: the header readers of imaging/ (JPEG, PNG, WebP, TIFF, HEIC) and the pixel limit
// checked before any decoding. Whatever the header says, a photo decoded under a limit holds no
// more pixels than the limit.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "internal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallpass::imaging;
  std::span<const std::uint8_t> bytes(data, size);
  auto type = sniff(bytes);
  (void)to_string(type);
  auto dims = detail::read_dimensions(bytes, type);

  // Small enough that decoding stays quick; big enough for real headers to pass sometimes.
  const std::uint64_t max_pixels = 64 * 64;
  auto decoded = detail::decode_image(bytes, max_pixels);
  if (!decoded.bgr.empty()) {
    if (!dims || static_cast<std::uint64_t>(decoded.bgr.total()) > max_pixels) std::abort();
  }
  return 0;
}
