#pragma once
// The time the rules see. Services are given a clock instead of reading the system's, so tests
// advance time instead of sleeping.
#include <atomic>
#include <chrono>
#include <string>

namespace hallpass::server::services {

class clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~clock() = default;
  virtual time_point now() const = 0;
};

// The system's clock.
class system_clock final : public clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to (tests). Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_point start = std::chrono::system_clock::now()) : ns_(since_epoch(start)) {}
  time_point now() const override { return time_point(std::chrono::nanoseconds(ns_.load())); }
  void advance(std::chrono::nanoseconds d) { ns_ += d.count(); }

 private:
  static long long since_epoch(time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
  std::atomic<long long> ns_;
};

// The date in China (UTC+8) at t, YYYY-MM-DD.
std::string china_date(clock::time_point t);

// Seconds since the epoch, for windows and expiries.
inline long long epoch_seconds(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace hallpass::server::services
