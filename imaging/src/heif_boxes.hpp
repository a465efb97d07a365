// Reading ISO base media boxes (the structure of HEIF files) from memory, bounds-checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

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

// One reference box of an 'iref': item `from` refers to each of `to`, for the purpose `type`
// ('dimg': the tiles of a grid, 'auxl': an auxiliary image such as an alpha plane, of `to`).
struct item_reference {
  std::uint32_t type = 0, from = 0;
  std::vector<std::uint32_t> to;
};

// Item references a file may hold in all; a grid photo needs one per tile.
constexpr std::size_t max_item_references = 4096;

// The references of an 'iref' body; nullopt when it is malformed (another version than 0 or 1, or
// a box whose size disagrees with its count) or holds more than max_item_references.
inline std::optional<std::vector<item_reference>> read_item_references(std::span<const std::uint8_t> body) {
  box_reader r{body};
  int version = int(r.read(1));
  r.read(3);  // flags
  if (!r.ok || version > 1) return std::nullopt;
  int id_bytes = version == 0 ? 2 : 4;
  std::vector<item_reference> out;
  std::size_t count = 0;
  while (!r.done()) {
    item_reference ref;
    box_reader box{r.box(ref.type)};
    ref.from = std::uint32_t(box.read(id_bytes));
    std::uint64_t n = box.read(2);
    count += n;
    if (!r.ok || !box.ok || count > max_item_references) return std::nullopt;
    for (std::uint64_t i = 0; i < n; ++i) ref.to.push_back(std::uint32_t(box.read(id_bytes)));
    if (!box.ok || !box.done()) return std::nullopt;
    out.push_back(std::move(ref));
  }
  if (!r.ok) return std::nullopt;
  return out;
}

}  // namespace hallpass::imaging::detail
