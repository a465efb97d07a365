#include "hallpass/server/observability.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace hallpass::server {

namespace {
long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

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

void metrics::observe_request(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, method, status}];
  auto& h = latency_[route];
  ++h.count;
  h.sum += seconds;
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    if (seconds <= buckets_[i]) ++h.counts[i];
}

std::string metrics::render(const std::vector<gauge_reading>& gauges) const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP hallpass_http_requests_total HTTP requests by route, method and status.\n"
         "# TYPE hallpass_http_requests_total counter\n";
  for (auto& [key, n] : requests_) {
    auto& [route, method, status] = key;
    out << "hallpass_http_requests_total{route=\"" << route << "\",method=\"" << method << "\",status=\"" << status
        << "\"} " << n << "\n";
  }
  out << "# HELP hallpass_http_request_duration_seconds Time from request header to response written.\n"
         "# TYPE hallpass_http_request_duration_seconds histogram\n";
  for (auto& [route, h] : latency_) {
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      out << "hallpass_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << buckets_[i] << "\"} "
          << h.counts[i] << "\n";
    }
    out << "hallpass_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.count << "\n";
    out << "hallpass_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n";
    out << "hallpass_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << "\n";
  }
  for (auto& g : gauges) {
    out << "# HELP " << g.name << " " << g.help << "\n# TYPE " << g.name << " gauge\n" << g.name << " " << g.value << "\n";
  }
  return out.str();
}

int rate_limiter::hit(const std::string& key, int limit, int window_seconds) {
  long now = now_seconds();
  std::lock_guard lock(mutex_);
  if (windows_.size() > 100000) {  // forget finished windows so the map stays bounded
    for (auto it = windows_.begin(); it != windows_.end();) it = (now - it->second.start >= 3600) ? windows_.erase(it) : std::next(it);
  }
  auto& w = windows_[key];
  if (now - w.start >= window_seconds) w = {now, 0};
  if (w.count >= limit) return static_cast<int>(w.start + window_seconds - now);
  ++w.count;
  return 0;
}

int rate_limiter::blocked_for(const std::string& key, int limit, int window_seconds) {
  long now = now_seconds();
  std::lock_guard lock(mutex_);
  auto it = windows_.find(key);
  if (it == windows_.end() || now - it->second.start >= window_seconds) return 0;
  return it->second.count >= limit ? static_cast<int>(it->second.start + window_seconds - now) : 0;
}

void rate_limiter::reset(const std::string& key) {
  std::lock_guard lock(mutex_);
  windows_.erase(key);
}

}  // namespace hallpass::server
