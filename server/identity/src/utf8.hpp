#pragma once
// Private to the identity module: stepping through UTF-8 text one code point at a time.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hallpass::server::identity::detail {

// One decoded unit of UTF-8 text: the code point and how many bytes it took.
// A byte that does not start a well-formed sequence decodes as one unit of 1 byte with
// code point U+FFFD, so malformed input is still walked one byte at a time and never
// skipped or read past its end.
struct utf8_unit {
  char32_t code_point;
  std::size_t size;
};

inline utf8_unit decode_utf8(std::string_view s, std::size_t pos) {
  constexpr utf8_unit invalid{U'\uFFFD', 1};
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return {b0, 1};
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return invalid;
  }
  if (pos + len > s.size()) return invalid;
  for (std::size_t i = 1; i < len; ++i) {
    const unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return invalid;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not characters.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return invalid;
  return {cp, len};
}

}  // namespace hallpass::server::identity::detail
