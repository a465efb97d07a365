// Fuzz target: the body of a photo upload, as the server handles it before and during imaging:
// the type judged from the magic bytes (JPEG, PNG, WebP and HEIC pass, anything else is
// refused before any work), then the whole page pipeline under a small pixel limit.
#include <cstdint>
#include <span>

#include "hallpass/imaging/imaging.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallpass::imaging;
  std::span<const std::uint8_t> bytes(data, size);
  auto type = sniff(bytes);
  if (size == 0 || (type != file_type::jpeg && type != file_type::png && type != file_type::webp &&
                    type != file_type::heic))
    return 0;  // empty_upload or unsupported_media_type
  options opts;
  opts.max_pixels = 128 * 128;  // keeps one run quick; the checks before decoding are the same
  auto result = process(bytes, opts);
  if (result.accepted != result.reasons.empty()) __builtin_trap();  // accepted iff no reason against
  return 0;
}
