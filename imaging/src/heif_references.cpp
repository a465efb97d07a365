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

constexpr int max_depth = 4;  // references followed from one image: a grid photo needs 1
constexpr std::uint64_t max_decodes = 4096;  // items decoded for one image, counting repeats

using graph = std::map<std::uint32_t, std::vector<std::uint32_t>>;  // item -> items its decoding decodes

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
      if (!meta.ok || type != fourcc("iref")) continue;
      auto references = read_item_references(child);
      if (!references) return false;
      for (const item_reference& ref : *references) {
        count += ref.to.size();
        if (count > max_item_references) return false;  // in several 'iref' boxes
        for (std::uint32_t to : ref.to) {
          if (ref.type == fourcc("dimg")) needs[ref.from].push_back(to);
          if (ref.type == fourcc("auxl")) needs[to].push_back(ref.from);
        }
      }
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
