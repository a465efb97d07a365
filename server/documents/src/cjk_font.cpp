// Where the CJK font of the documents is found.
#include <filesystem>

#include "hallpass/server/documents/official_document.hpp"

namespace hallpass::server::documents {

std::optional<std::string> find_cjk_font(const std::string& configured) {
  std::error_code ec;
  if (!configured.empty())
    return std::filesystem::is_regular_file(configured, ec) ? std::optional(configured) : std::nullopt;
  for (const char* path : {"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                           "/usr/share/fonts/truetype/arphic/uming.ttc"})
    if (std::filesystem::is_regular_file(path, ec)) return path;
  return std::nullopt;
}

}  // namespace hallpass::server::documents
