// Reading ISO base media boxes (the structure of HEIF files) from memory, bounds-checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace hallpass::imaging::detail {

struct box_reader {
  std::span<const std::uint8_t> b;
  std::size_t at = 0;
  bool ok = true;

  std::uint64_t read(int bytes) {
    if (!ok || b.size() - at < std::size_t(bytes)) return ok = false, 0;
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | b[at++];
    return v;
  }
  // Reads a box header; returns the box's body (empty span and ok=false when it does not fit).
  std::span<const std::uint8_t> box(std::uint32_t& type) {
    std::size_t start = at;
    std::uint64_t size = read(4);
    type = std::uint32_t(read(4));
    if (size == 1) size = read(8);
    else if (size == 0) size = b.size() - start;
    if (!ok || size < at - start || size > b.size() - start) return ok = false, std::span<const std::uint8_t>{};
    std::span<const std::uint8_t> body = b.subspan(at, size - (at - start));
    at = start + size;
    return body;
  }
  bool done() const { return !ok || at == b.size(); }
};

constexpr std::uint32_t fourcc(const char (&s)[5]) {
  return std::uint32_t(std::uint8_t(s[0])) << 24 | std::uint32_t(std::uint8_t(s[1])) << 16 |
         std::uint32_t(std::uint8_t(s[2])) << 8 | std::uint8_t(s[3]);
}

}  // namespace hallpass::imaging::detail
