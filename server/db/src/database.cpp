#include "hallpass/server/db/database.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cstdlib>
#include <cstring>

namespace hallpass::server::db {

error_kind kind_of_sqlstate(std::string_view s) {
  if (s == "23505") return error_kind::unique_violation;
  if (s == "23503") return error_kind::foreign_key_violation;
  if (s == "23514" || s == "23502") return error_kind::check_violation;
  if (s == "40001" || s == "40P01") return error_kind::serialization_failure;
  if (s == "53100") return error_kind::storage_full;
  // 25006: a write reached a server in recovery, e.g. through a proxy that still routes to a
  // primary Patroni is demoting: the primary is changing, as unavailable as a lost connection.
  // Class 57, operator intervention: shutdowns and crashes (57P01…57P05), and a statement
  // cancelled (57014: its statement timeout, or an administrator): worth a retry shortly.
  if (s.starts_with("08") || s.starts_with("57") || s.starts_with("53") || s == "25006")
    return error_kind::unavailable;
  if (s.starts_with("22")) return error_kind::invalid_input;
  return error_kind::other;
}

std::string rfc3339(std::string_view column) {
  return "to_char(" + std::string(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

void result_deleter::operator()(pg_result* r) const { PQclear(r); }
void conn_deleter::operator()(pg_conn* c) const { PQfinish(c); }

rows::rows(pg_result* r) : r_(r) {}
int rows::size() const { return PQntuples(r_.get()); }
std::int64_t rows::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}
bool rows::is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
std::string_view rows::text(int row, int col) const {
  return {PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
}
std::optional<std::string> rows::opt(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return str(row, col);
}
std::int64_t rows::int64(int row, int col) const { return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10); }
bool rows::boolean(int row, int col) const { return text(row, col) == "t"; }
std::string rows::bytes(int row, int col) const {
  if (PQfformat(r_.get(), col) == 1) return str(row, col);
  std::size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
  if (!raw) return {};
  std::string out(reinterpret_cast<char*>(raw), n);
  PQfreemem(raw);
  return out;
}

namespace {

// An idle connection has nothing to read: readable data or a hang-up means the server ended it.
bool closed_by_server(pg_conn* c) {
  pollfd p{PQsocket(c), POLLIN | POLLRDHUP, 0};
  return p.fd < 0 || PQstatus(c) != CONNECTION_OK || poll(&p, 1, 0) != 0;
}

[[noreturn]] void throw_from(pg_conn* c, pg_result* r) {
  std::string state;
  std::string msg;
  std::string constraint;
  if (r) {
    if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) state = s;
    if (const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) msg = m;
    if (const char* k = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)) constraint = k;
    PQclear(r);
  }
  if (msg.empty() && c) msg = PQerrorMessage(c);
  error_kind kind = state.empty() ? error_kind::unavailable : kind_of_sqlstate(state);
  if (state.empty() && c && PQstatus(c) == CONNECTION_OK) kind = error_kind::other;
  db_error e(kind, state, msg);
  e.constraint = constraint;
  throw e;
}

}  // namespace

std::chrono::milliseconds connection_settings::answer_deadline() const {
  if (statement_timeout.count() <= 0) return std::chrono::milliseconds(0);
  return statement_timeout + std::chrono::seconds(2);
}

namespace {

// Keywords first and the conninfo string last: what the string names overrides these defaults.
pg_conn* connect_with(const std::string& conninfo, const connection_settings& s) {
  auto secs = [](auto d) { return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()); };
  // Unacknowledged data counts as a lost connection after as long as the keepalives take.
  auto user_timeout = (s.keepalive_idle + s.keepalive_interval * s.keepalive_count) * 1000;
  std::string values[] = {secs(s.connect_timeout), "1", secs(s.keepalive_idle), secs(s.keepalive_interval),
                          std::to_string(s.keepalive_count), std::to_string(user_timeout.count()), conninfo};
  const char* keywords[] = {"connect_timeout",    "keepalives",       "keepalives_idle", "keepalives_interval",
                            "keepalives_count",   "tcp_user_timeout", "dbname",          nullptr};
  const char* v[std::size(values) + 1] = {};
  for (std::size_t i = 0; i < std::size(values); ++i) v[i] = values[i].c_str();
  return PQconnectdbParams(keywords, v, 1);
}

}  // namespace

connection::connection(const std::string& conninfo, const connection_settings& settings)
    : c_(connect_with(conninfo, settings)), answer_deadline_(settings.answer_deadline()) {
  if (!c_ || PQstatus(c_.get()) != CONNECTION_OK) {
    std::string msg = c_ ? PQerrorMessage(c_.get()) : "out of memory";
    throw db_error(error_kind::unavailable, "08006", "cannot connect to PostgreSQL: " + msg);
  }
  PQsetNoticeProcessor(c_.get(), [](void*, const char*) {}, nullptr);
  PQsetnonblocking(c_.get(), 1);  // sending waits in await_result, under the deadline
  if (settings.statement_timeout.count() > 0)
    exec_script("SET statement_timeout = " + std::to_string(settings.statement_timeout.count()));
}

pg_result* connection::await_result(std::chrono::milliseconds deadline) {
  using clock = std::chrono::steady_clock;
  auto until = clock::now() + deadline;
  pg_conn* c = c_.get();
  pg_result* out = nullptr;
  for (;;) {
    int unsent = PQflush(c);
    if (unsent < 0) break;
    if (unsent == 0 && !PQisBusy(c)) {
      pg_result* r = PQgetResult(c);
      if (!r) return out;
      if (out && PQresultStatus(out) == PGRES_FATAL_ERROR) {
        PQclear(r);  // the first error is the one to report
      } else {
        if (out) PQclear(out);
        out = r;
      }
      continue;
    }
    int wait_ms = -1;
    if (deadline.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count();
      if (left <= 0) {
        if (out) PQclear(out);
        dead_ = true;
        throw db_error(error_kind::unavailable, "08006",
                       "PostgreSQL did not answer within " + std::to_string(deadline.count()) + " ms");
      }
      wait_ms = static_cast<int>(left);
    }
    pollfd p{PQsocket(c), static_cast<short>(POLLIN | (unsent ? POLLOUT : 0)), 0};
    if (p.fd < 0) break;
    int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(c)) break;
  }
  if (out) PQclear(out);
  dead_ = true;
  throw db_error(error_kind::unavailable, "08006", std::string("connection lost: ") + PQerrorMessage(c));
}

rows connection::exec(std::string_view sql, const std::vector<param>& params) {
  if (dead_) throw db_error(error_kind::unavailable, "08006", "connection lost");
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i].value ? params[i].value->data() : nullptr;
    lengths[i] = params[i].value ? static_cast<int>(params[i].value->size()) : 0;
    formats[i] = params[i].binary ? 1 : 0;
  }
  std::string q(sql);
  auto it = prepared_.find(q);
  if (it == prepared_.end()) {
    std::string name = "hp" + std::to_string(prepared_.size() + 1);
    pg_result* p = PQsendPrepare(c_.get(), name.c_str(), q.c_str(), static_cast<int>(params.size()), nullptr)
                       ? await_result(answer_deadline_)
                       : nullptr;
    auto pst = p ? PQresultStatus(p) : PGRES_FATAL_ERROR;
    if (pst != PGRES_COMMAND_OK) throw_from(c_.get(), p);
    PQclear(p);
    it = prepared_.emplace(q, name).first;
  }
  pg_result* r = PQsendQueryPrepared(c_.get(), it->second.c_str(), static_cast<int>(params.size()), values.data(),
                                     lengths.data(), formats.data(), 0)
                     ? await_result(answer_deadline_)
                     : nullptr;
  auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    try {
      throw_from(c_.get(), r);
    } catch (const db_error& e) {
      if (e.sqlstate() == "25006") dead_ = true;  // connected to a standby: never used again
      throw;
    }
  }
  return rows(r);
}

void connection::exec_script(std::string_view sql) {
  if (dead_) throw db_error(error_kind::unavailable, "08006", "connection lost");
  std::string q(sql);
  pg_result* r = PQsendQuery(c_.get(), q.c_str()) ? await_result(answer_deadline_) : nullptr;
  auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw_from(c_.get(), r);
  PQclear(r);
}

void connection::ping(std::chrono::milliseconds within) {
  if (dead_) throw db_error(error_kind::unavailable, "08006", "connection lost");
  pg_result* r = PQsendQuery(c_.get(), "SELECT 1") ? await_result(within) : nullptr;
  if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) throw_from(c_.get(), r);
  PQclear(r);
}

bool connection::lost() const { return dead_ || PQstatus(c_.get()) != CONNECTION_OK; }

bool connection::healthy() const {
  return !dead_ && PQstatus(c_.get()) == CONNECTION_OK && PQtransactionStatus(c_.get()) == PQTRANS_IDLE;
}

transaction::transaction(connection& c, std::string_view begin) : c_(c) { c_.exec(begin); }

transaction::~transaction() {
  if (done_) return;
  try {
    c_.exec("ROLLBACK");
  } catch (...) {
    // The connection is broken; the pool will drop it.
  }
}

void transaction::commit() {
  c_.exec("COMMIT");
  done_ = true;
}

namespace {
thread_local int leases_held = 0;  // by this thread, from any pool
}  // namespace

pool::pool(std::string conninfo, int size, connection_settings settings, std::chrono::milliseconds acquire_timeout)
    : conninfo_(std::move(conninfo)), size_(size), settings_(settings), acquire_timeout_(acquire_timeout) {}

pool::lease::lease(pool& p, std::unique_ptr<connection> c) : p_(&p), c_(std::move(c)) { ++leases_held; }

pool::lease::~lease() {
  if (!c_) return;  // moved from
  --leases_held;
  p_->give_back(std::move(c_));
}

pool::lease pool::acquire() {
  std::unique_lock lock(mutex_);
  ++acquisitions_;
  if (leases_held > 0) ++nested_;
  if (idle_.empty() && created_ >= size_) {
    ++waits_;
    if (!cv_.wait_for(lock, acquire_timeout_, [this] { return !idle_.empty() || created_ < size_; })) {
      throw db_error(error_kind::unavailable, "53300", "no database connection free in time");
    }
  }
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (closed_by_server(c->native())) {
      --created_;  // e.g. PostgreSQL restarted while it sat idle: replace it instead of failing the request
      continue;
    }
    ++in_use_;
    return lease(*this, std::move(c));
  }
  if (unreachable_ && probing_) {
    // PostgreSQL may just have come back: give the connect in progress a moment before the 503.
    cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return !probing_; });
    if (!unreachable_) {
      lock.unlock();
      return acquire();
    }
    ++failures_;
    throw db_error(error_kind::unavailable, "08006", "PostgreSQL is not reachable (another request is trying)");
  }
  bool probe = unreachable_;  // this request is the one that tries
  if (probe) probing_ = true;
  ++created_;
  ++in_use_;
  lock.unlock();
  try {
    auto c = std::make_unique<connection>(conninfo_, settings_);
    lock.lock();
    unreachable_ = false;
    if (probe) probing_ = false;
    lock.unlock();
    if (probe) cv_.notify_all();
    return lease(*this, std::move(c));
  } catch (...) {
    lock.lock();
    unreachable_ = true;
    if (probe) probing_ = false;
    --created_;
    --in_use_;
    ++failures_;
    cv_.notify_all();
    throw;
  }
}

void pool::give_back(std::unique_ptr<connection> c) {
  std::lock_guard lock(mutex_);
  --in_use_;
  if (c->healthy()) {
    idle_.push_back(std::move(c));
  } else {
    --created_;  // dropped; a fresh one is made on demand (reconnection after a restart)
    if (c->lost()) {
      // PostgreSQL went away or stopped answering: the idle ones are likely dead too, and would
      // each make a request wait for its deadline.
      created_ -= static_cast<int>(idle_.size());
      idle_.clear();
      unreachable_ = true;
    }
  }
  cv_.notify_all();
}

pool_stats pool::stats() const {
  std::lock_guard lock(mutex_);
  return {size_, in_use_, waits_, failures_, nested_, acquisitions_};
}

void ping(pool& p) {
  auto conn = p.acquire();
  conn->exec("SELECT 1");
}

}  // namespace hallpass::server::db
