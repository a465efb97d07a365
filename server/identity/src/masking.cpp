#include "hallpass/server/identity/masking.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "utf8.hpp"

namespace hallpass::server::identity {
namespace {

// Byte offsets where each character starts, plus the total size at the end.
std::vector<std::size_t> character_starts(std::string_view s) {
  std::vector<std::size_t> starts;
  starts.reserve(s.size() + 1);
  for (std::size_t pos = 0; pos < s.size(); pos += detail::decode_utf8(s, pos).size) {
    starts.push_back(pos);
  }
  starts.push_back(s.size());
  return starts;
}

// Keeps `keep_first` and `keep_last` characters and hides the rest behind `fixed_stars`
// asterisks, or one per hidden character when fixed_stars is 0.
std::string mask_middle(std::string_view s, std::size_t keep_first, std::size_t keep_last,
                        std::size_t fixed_stars) {
  if (s.empty()) return {};
  const auto starts = character_starts(s);
  const std::size_t n = starts.size() - 1;
  if (n <= keep_first + keep_last) {
    // Too short to show both ends: hide the end and at least half.
    keep_last = 0;
    keep_first = std::min(keep_first, n / 2);
  }
  const std::size_t hidden = n - keep_first - keep_last;
  std::string out;
  out.reserve(s.size() + hidden);
  out.append(s.substr(0, starts[keep_first]));
  out.append(fixed_stars != 0 ? fixed_stars : hidden, '*');
  out.append(s.substr(starts[n - keep_last]));
  return out;
}

}  // namespace

std::string mask_mobile(std::string_view mobile) { return mask_middle(mobile, 1, 2, 7); }

std::string mask_id_number(std::string_view id_number) {
  return mask_middle(id_number, 4, 4, 0);
}

std::string mask_name(std::string_view name) { return mask_middle(name, 1, 0, 0); }

std::string mask_unit_name(std::string_view name) { return mask_middle(name, 4, 4, 4); }

std::string mask_ip(std::string_view ip) {
  if (ip.find(':') != std::string_view::npos) {  // IPv6
    std::size_t at = 0;
    for (int group = 0; group < 3; ++group) {
      at = ip.find(':', at);
      if (at == std::string_view::npos || at + 1 >= ip.size() || ip[at + 1] == ':') return "*";
      ++at;
    }
    return std::string(ip.substr(0, at)) + "*";
  }
  auto last = ip.rfind('.');
  if (last == std::string_view::npos || std::count(ip.begin(), ip.end(), '.') != 3) return "*";
  return std::string(ip.substr(0, last + 1)) + "*";
}

}  // namespace hallpass::server::identity
