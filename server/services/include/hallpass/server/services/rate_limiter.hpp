#pragma once
// Fixed-window counters per key (per node), on the services' clock. Thread-safe.
#include <map>
#include <mutex>
#include <string>

#include "hallpass/server/services/clock.hpp"

namespace hallpass::server::services {

class rate_limiter {
 public:
  explicit rate_limiter(const clock& c) : clock_(c) {}
  // Counts one event for key; returns 0 when allowed, else the seconds until the window ends.
  int hit(const std::string& key, int limit, int window_seconds);
  // Seconds until key may act again without counting an event (0: allowed now).
  int blocked_for(const std::string& key, int limit, int window_seconds);
  void reset(const std::string& key);

 private:
  struct window {
    long long start = 0;
    int count = 0;
  };
  const clock& clock_;
  std::mutex mutex_;
  std::map<std::string, window> windows_;
};

}  // namespace hallpass::server::services
