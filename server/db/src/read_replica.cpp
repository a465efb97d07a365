#include "hallpass/server/db/read_replica.hpp"

namespace hallpass::server::db {

namespace {

// The primary's WAL position as bytes from 0/0, and which cluster and database this is.
constexpr const char* primary_position_sql =
    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, "
    "(SELECT system_identifier FROM pg_control_system())::text, "
    "(SELECT oid FROM pg_database WHERE datname = current_database())::text";
// The replica's replayed position (its current one when it is not in recovery, e.g. the primary
// itself); the same identity. A physical replica has the primary's system identifier and
// database oids: anything else is another database, never read from.
constexpr const char* replica_position_sql =
    "SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() "
    "END, '0/0')::bigint, "
    "(SELECT system_identifier FROM pg_control_system())::text, "
    "(SELECT oid FROM pg_database WHERE datname = current_database())::text";

// The sampler's statements are trivial: a server that takes longer than this is not used.
connection_settings sampler_settings(connection_settings s) {
  s.statement_timeout = std::chrono::milliseconds(2000);
  return s;
}

constexpr auto history_span = std::chrono::seconds(120);

}  // namespace

read_replica::read_replica(pool& primary, replica_settings settings)
    : primary_(primary), settings_(std::move(settings)) {
  if (settings_.conninfo.empty()) return;
  replica_ = std::make_unique<pool>(settings_.conninfo, settings_.pool_size, settings_.connection,
                                    settings_.acquire_timeout);
  sampler_ = std::thread([this] { run_sampler(); });
}

read_replica::~read_replica() {
  if (!sampler_.joinable()) return;
  {
    std::lock_guard lock(stop_mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  sampler_.join();
}

void read_replica::run_sampler() {
  std::unique_lock lock(stop_mutex_);
  do {
    lock.unlock();
    sample();
    lock.lock();
  } while (!stop_cv_.wait_for(lock, settings_.sample_every, [this] { return stop_; }));
}

bool read_replica::sample() {
  if (!replica_) return false;
  std::lock_guard lock(sample_mutex_);
  auto failed = [this] {
    usable_ = false;
    failing_ = true;
    lag_seconds_ = -1;
    ++samples_failed_;
    return false;
  };
  auto started = clock::now();  // what was committed before this is at or below the position read
  std::int64_t primary_position = 0;
  std::string primary_identity;
  try {
    if (!primary_conn_ || primary_conn_->lost())
      primary_conn_ = std::make_unique<connection>(primary_.conninfo(), sampler_settings(primary_.settings()));
    auto r = primary_conn_->exec(primary_position_sql);
    primary_position = r.int64(0, 0);
    primary_identity = r.str(0, 1) + "/" + r.str(0, 2);
  } catch (const db_error&) {
    primary_conn_.reset();
    return failed();  // no primary to compare with: its reads fail as well
  }
  history_.emplace_back(started, primary_position);
  while (history_.size() > 1 && started - history_.front().first > history_span) history_.pop_front();

  std::int64_t replica_position = 0;
  try {
    auto lease = replica_->acquire();
    auto r = lease->exec(replica_position_sql);
    if (r.is_null(0, 0) || r.str(0, 1) + "/" + r.str(0, 2) != primary_identity) return failed();
    replica_position = r.int64(0, 0);
  } catch (const db_error&) {
    return failed();
  }
  auto now = clock::now();
  // The newest sample the replica has reached; none in the history: at least as old as its oldest.
  auto since = history_.front().first;
  for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
    if (it->second <= replica_position) {
      since = it->first;
      break;
    }
  }
  auto lag = now - since;
  lag_seconds_ = std::chrono::duration<double>(lag).count();
  sampled_at_ = now.time_since_epoch().count();
  failing_ = false;
  usable_ = lag <= settings_.max_lag;
  return true;
}

bool read_replica::choose_replica() {
  if (!replica_) return false;
  // A sampler that stopped answering (a hung server) leaves an old measure: not to be trusted.
  auto sampled = clock::time_point(clock::duration(sampled_at_.load()));
  bool fresh = clock::now() - sampled <= std::max(settings_.sample_every * 4, settings_.max_lag);
  if (usable_ && fresh) return true;
  ++(failing_ ? fallback_error_ : fallback_lag_);
  return false;
}

void read_replica::replica_failed(const db_error&) {
  // Until the next sample finds it answering again, reads go to the primary at once.
  usable_ = false;
  failing_ = true;
  ++fallback_error_;
}

replica_stats read_replica::stats() const {
  replica_stats s;
  s.enabled = enabled();
  if (!s.enabled) return s;
  s.usable = usable_;
  if (double lag = lag_seconds_; lag >= 0) s.lag_seconds = lag;
  s.max_lag_seconds = std::chrono::duration<double>(settings_.max_lag).count();
  s.replica_reads = replica_reads_;
  s.primary_reads = primary_reads_;
  s.fallback_lag = fallback_lag_;
  s.fallback_error = fallback_error_;
  s.fallback_missing = fallback_missing_;
  s.samples_failed = samples_failed_;
  return s;
}

}  // namespace hallpass::server::db
