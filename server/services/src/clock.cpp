#include "hallpass/server/services/clock.hpp"

#include <cstdio>

namespace hallpass::server::services {

std::string china_date(clock::time_point t) {
  std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(t + std::chrono::hours(8))};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

}  // namespace hallpass::server::services
