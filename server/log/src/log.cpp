#include "hallpass/server/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace hallpass::server {

std::string json_str(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

void log_line(std::string_view level, std::string_view event,
              const std::vector<std::pair<std::string, std::string>>& fields) {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[40];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line = std::string("{\"ts\":\"") + ts + "\",\"level\":" + json_str(level) + ",\"event\":" + json_str(event);
  for (auto& [k, v] : fields) line += "," + json_str(k) + ":" + v;
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write per line: lines never interleave
}

}  // namespace hallpass::server
