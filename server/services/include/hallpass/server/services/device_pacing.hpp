#pragma once
// RFC 8628 §3.5 pacing of device token polls, kept per node in memory: a poll that comes sooner
// than the interval after the one before is answered slow_down and the interval grows by 5 s
// (never on the first poll). No database write, so a waiting device costs the database nothing.
// Each node counts the polls it sees: a device whose polls are spread over several nodes by a load
// balancer is paced less strictly (docs/scale-out.md). Thread-safe; memory is bounded by dropping
// entries past their ticket's expiry.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "hallpass/server/services/clock.hpp"

namespace hallpass::server::services {

class device_pacing {
 public:
  explicit device_pacing(const clock& c) : clock_(c) {}
  struct verdict {
    bool too_fast = false;
    int interval = 5;  // seconds the device must now wait between polls
  };
  // One poll of a pending ticket: `interval` is the ticket's own starting interval, `expires_in`
  // its remaining life in seconds (when the entry may be dropped).
  verdict poll(std::int64_t ticket_id, int interval, int expires_in);
  void forget(std::int64_t ticket_id);
  std::size_t size() const;
  // Drops the entries of expired tickets; the sweeper calls it, since polls may have stopped.
  std::size_t drop_expired();

 private:
  struct entry {
    clock::time_point last;
    int interval = 5;
    clock::time_point expires;
  };
  std::size_t drop_expired(clock::time_point now);

  const clock& clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, entry> entries_;
  std::size_t polls_since_sweep_ = 0;
};

}  // namespace hallpass::server::services
