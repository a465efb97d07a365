#include "hallpass/server/api/handlers.hpp"

namespace hallpass::server {

std::vector<route> all_routes(const config& cfg) {
  const std::size_t json = cfg.json_body_limit;
  using namespace api;
  return {
      {"GET", "/healthz", healthz, 0},
      {"GET", "/readyz", readyz, 0},
      {"GET", "/metrics", metrics_text, 0},
  };
}

}  // namespace hallpass::server
