#pragma once
// Structured logs (one JSON object per line on stderr) and Prometheus metrics.
// Never pass secrets or personal data to either: routes are logged by pattern, not raw path.
#include <array>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hallpass::server {

// Writes {"ts":…,"level":…,"event":…, fields…} as one line. Field values are strings or numbers
// already formatted as JSON (use json_str for strings).
void log_line(std::string_view level, std::string_view event,
              const std::vector<std::pair<std::string, std::string>>& fields = {});
std::string json_str(std::string_view s);

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

// Fixed-window counters per key (per node). Thread-safe.
class rate_limiter {
 public:
  // Counts one event for key; returns 0 when allowed, else the seconds until the window ends.
  int hit(const std::string& key, int limit, int window_seconds);
  // Seconds until key may act again without counting an event (0: allowed now).
  int blocked_for(const std::string& key, int limit, int window_seconds);
  void reset(const std::string& key);

 private:
  struct window {
    long start = 0;
    int count = 0;
  };
  std::mutex mutex_;
  std::map<std::string, window> windows_;
};

}  // namespace hallpass::server
