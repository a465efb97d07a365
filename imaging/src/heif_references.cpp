// Item references of a HEIF container, read from its boxes before libheif decodes anything.
// libheif decodes a derived image (grid, overlay, identity) by decoding the items it references
// ('dimg'), and an image with an alpha plane by also decoding that plane ('auxl'). It follows these
// references without limit: an item that references itself made it recurse until the process died.
#include "heif_boxes.hpp"
#include "internal.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace hallpass::imaging::detail {

namespace {

constexpr std::size_t max_references = 4096;
constexpr int max_depth = 4;  // references followed from one image: a grid photo needs 1
constexpr std::uint64_t max_decodes = 4096;  // items decoded for one image, counting repeats

using graph = std::map<std::uint32_t, std::vector<std::uint32_t>>;  // item -> items its decoding decodes

// Adds the references of one 'iref' body; false if it is malformed or holds too many.
bool read_iref(std::span<const std::uint8_t> body, graph& needs, std::size_t& count) {
  box_reader r{body};
  int version = int(r.read(1));
  r.read(3);  // flags
  if (!r.ok || version > 1) return false;
  int id_bytes = version == 0 ? 2 : 4;
  while (!r.done()) {
    std::uint32_t type = 0;
    box_reader ref{r.box(type)};
    std::uint32_t from = std::uint32_t(ref.read(id_bytes));
    std::uint64_t n = ref.read(2);
    count += n;
    if (!r.ok || count > max_references) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint32_t to = std::uint32_t(ref.read(id_bytes));
      if (type == fourcc("dimg")) needs[from].push_back(to);
      if (type == fourcc("auxl")) needs[to].push_back(from);
    }
    if (!ref.ok || !ref.done()) return false;  // the sizes must agree with the counts
  }
  return r.ok;
}

struct cost {
  std::uint64_t decodes = 0;  // items decoded for it, itself included, counting repeats; 0 while on the path
  int depth = 0;              // longest chain of references below it
};

// Works out the cost of decoding `item` reached `depth` references deep; false on a cycle or beyond the limits.
bool bounded(const graph& needs, std::uint32_t item, int depth, std::map<std::uint32_t, cost>& costs) {
  if (depth > max_depth) return false;
  if (auto seen = costs.find(item); seen != costs.end())
    return seen->second.decodes != 0 && depth + seen->second.depth <= max_depth;
  costs[item] = {};
  cost c{1, 0};
  if (auto it = needs.find(item); it != needs.end())
    for (std::uint32_t next : it->second) {
      if (!bounded(needs, next, depth + 1, costs)) return false;
      c.decodes += costs[next].decodes;
      c.depth = std::max(c.depth, costs[next].depth + 1);
      if (c.decodes > max_decodes) return false;
    }
  costs[item] = c;
  return true;
}

}  // namespace

bool heif_references_are_safe(std::span<const std::uint8_t> b) {
  graph needs;
  std::size_t count = 0;
  box_reader top{b};
  while (!top.done()) {
    std::uint32_t type = 0;
    std::span<const std::uint8_t> body = top.box(type);
    if (type != fourcc("meta")) continue;
    box_reader meta{body};
    meta.read(4);  // version and flags
    while (!meta.done()) {
      std::span<const std::uint8_t> child = meta.box(type);
      if (meta.ok && type == fourcc("iref") && !read_iref(child, needs, count)) return false;
    }
    if (!meta.ok) return false;
  }
  if (!top.ok) return false;
  std::map<std::uint32_t, cost> costs;
  for (const auto& [item, _] : needs)
    if (!bounded(needs, item, 0, costs)) return false;
  return true;
}

}  // namespace hallpass::imaging::detail
