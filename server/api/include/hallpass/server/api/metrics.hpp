#pragma once
// Prometheus metrics of the HTTP API: requests by route, method and status, and latency.
#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace hallpass::server::api {

struct gauge_reading {
  std::string name;
  std::string help;
  double value;
};

class metrics {
 public:
  void observe_request(const std::string& route, const std::string& method, int status, double seconds);
  // Renders every metric in the Prometheus text format; gauges are read by the caller.
  std::string render(const std::vector<gauge_reading>& gauges) const;

 private:
  static constexpr std::array<double, 12> buckets_ = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct histogram {
    std::array<unsigned long, buckets_.size()> counts{};
    unsigned long count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, unsigned long> requests_;
  std::map<std::string, histogram> latency_;
};

}  // namespace hallpass::server::api
