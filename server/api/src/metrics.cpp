#include "hallpass/server/api/metrics.hpp"

#include <sstream>

namespace hallpass::server::api {

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

}  // namespace hallpass::server::api
