#pragma once
// Fixed-window counters per key (per node), on the services' clock. Thread-safe.
//
// Memory is bounded: at most max_keys windows are kept (default 200,000; with keys of about
// 70 bytes that is under 50 MB). Finished windows are dropped as time passes, and when the table
// is full the window that started longest ago is forgotten to make room. Each call does O(1)
// work (amortised): a hash lookup, plus dropping windows that have already finished.
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "hallpass/server/services/clock.hpp"

namespace hallpass::server::services {

class rate_limiter {
 public:
  explicit rate_limiter(const clock& c, std::size_t max_keys = 200000) : clock_(c), max_keys_(max_keys) {}
  // Counts one event for key; returns 0 when allowed, else the seconds until the window ends.
  int hit(const std::string& key, int limit, int window_seconds);
  // Seconds until key may act again without counting an event (0: allowed now).
  int blocked_for(const std::string& key, int limit, int window_seconds);
  void reset(const std::string& key);
  // Forgets the windows that have ended; the sweeper calls it, since hits may have stopped.
  void drop_finished();
  // Windows kept now (at most max_keys()).
  std::size_t size() const;
  std::size_t max_keys() const { return max_keys_; }

 private:
  struct window {
    long long start = 0;
    int length = 0;
    int count = 0;
    std::list<std::string>::iterator order;  // place in started_, oldest first
  };
  using table = std::unordered_map<std::string, window>;
  void drop_finished(long long now);
  table::iterator start_window(const std::string& key, long long now, int length);

  const clock& clock_;
  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  table windows_;
  std::list<std::string> started_;  // keys by the start of their window
};

}  // namespace hallpass::server::services
