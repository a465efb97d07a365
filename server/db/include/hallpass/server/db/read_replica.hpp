#pragma once
// Reads that may come from a PostgreSQL replica (docs/scale-out.md): a small pool for the read
// URL, the replica's lag behind the primary sampled in the background, and the primary whenever
// the replica is behind, unreachable, or has not got the rows yet.
//
// The lag is measured by WAL position, not by replay timestamps (which stay old on an idle
// primary): each sample reads the primary's current WAL position and then the replica's replayed
// one; the replica holds everything the primary had committed at the newest sample whose position
// it has reached, and the lag is the age of that sample.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

struct replica_settings {
  std::string conninfo;  // empty: no replica, every read goes to the primary
  int pool_size = 4;
  std::chrono::milliseconds max_lag{2000};       // beyond it, reads go to the primary
  std::chrono::milliseconds sample_every{500};   // how often the lag is measured
  std::chrono::milliseconds acquire_timeout{200};  // a busy replica pool: the primary instead
  connection_settings connection;                // of the replica pool's connections
};

struct replica_stats {
  bool enabled = false;
  bool usable = false;                // the last sample is fresh, and within the bound
  std::optional<double> lag_seconds;  // of the last sample; none when it failed or none was taken
  double max_lag_seconds = 0;
  long replica_reads = 0;    // answered by the replica
  long primary_reads = 0;    // answered by the primary, for one of the reasons below
  long fallback_lag = 0;     // lag over the bound, or not measured lately
  long fallback_error = 0;   // the replica failed, or could not be measured
  long fallback_missing = 0;  // the replica did not have the rows (yet)
  long samples_failed = 0;
};

class read_replica {
 public:
  // Starts sampling when settings.conninfo is set. The primary is reached with `primary`'s
  // conninfo and settings, on a connection of the sampler's own (not from the pool).
  read_replica(pool& primary, replica_settings settings);
  ~read_replica();
  read_replica(const read_replica&) = delete;
  read_replica& operator=(const read_replica&) = delete;

  bool enabled() const { return replica_ != nullptr; }

  // fn(connection&) -> std::optional<T>: on the replica when it may be used now and answers
  // with a value; otherwise on the primary, whose answer is returned as it is (nullopt too).
  // fn must return nullopt when what it read on the replica is not yet complete. Called holding
  // no connection (a thread holds one at a time). Errors of the primary are thrown.
  template <class Fn>
  auto read(Fn&& fn) -> decltype(fn(std::declval<connection&>())) {
    if (choose_replica()) {
      try {
        auto lease = replica_->acquire();
        auto out = fn(*lease);
        if (out) {
          ++replica_reads_;
          return out;
        }
        ++fallback_missing_;
      } catch (const db_error& e) {
        replica_failed(e);
      }
    }
    ++primary_reads_;
    auto lease = primary_.acquire();
    return fn(*lease);
  }

  // Measures the lag now (the sampler does it every sample_every). False when it could not.
  bool sample();
  replica_stats stats() const;

 private:
  bool choose_replica();  // counts the reason when not
  void replica_failed(const db_error& e);
  void run_sampler();

  pool& primary_;
  replica_settings settings_;
  std::unique_ptr<pool> replica_;
  std::unique_ptr<connection> primary_conn_;  // the sampler's, reopened after a failure

  using clock = std::chrono::steady_clock;
  std::mutex sample_mutex_;  // one sample at a time; guards the members below it
  std::deque<std::pair<clock::time_point, std::int64_t>> history_;  // the primary's WAL position by time
  std::atomic<bool> usable_{false};
  std::atomic<bool> failing_{false};  // the last sample or read on the replica failed
  std::atomic<clock::rep> sampled_at_{0};
  std::atomic<double> lag_seconds_{-1};
  std::atomic<long> replica_reads_{0}, primary_reads_{0}, fallback_lag_{0}, fallback_error_{0},
      fallback_missing_{0}, samples_failed_{0};

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread sampler_;
};

}  // namespace hallpass::server::db
