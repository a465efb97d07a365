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
  if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03" || s.starts_with("53"))
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

connection::connection(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
  if (!c_ || PQstatus(c_.get()) != CONNECTION_OK) {
    std::string msg = c_ ? PQerrorMessage(c_.get()) : "out of memory";
    throw db_error(error_kind::unavailable, "08006", "cannot connect to PostgreSQL: " + msg);
  }
  PQsetNoticeProcessor(c_.get(), [](void*, const char*) {}, nullptr);
}

rows connection::exec(std::string_view sql, const std::vector<param>& params) {
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
    pg_result* p = PQprepare(c_.get(), name.c_str(), q.c_str(), static_cast<int>(params.size()), nullptr);
    auto pst = p ? PQresultStatus(p) : PGRES_FATAL_ERROR;
    if (pst != PGRES_COMMAND_OK) throw_from(c_.get(), p);
    PQclear(p);
    it = prepared_.emplace(q, name).first;
  }
  pg_result* r = PQexecPrepared(c_.get(), it->second.c_str(), static_cast<int>(params.size()), values.data(),
                                lengths.data(), formats.data(), 0);
  auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw_from(c_.get(), r);
  return rows(r);
}

void connection::exec_script(std::string_view sql) {
  std::string q(sql);
  pg_result* r = PQexec(c_.get(), q.c_str());
  auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw_from(c_.get(), r);
  PQclear(r);
}

bool connection::healthy() const {
  return PQstatus(c_.get()) == CONNECTION_OK && PQtransactionStatus(c_.get()) == PQTRANS_IDLE;
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

pool::pool(std::string conninfo, int size, std::chrono::milliseconds acquire_timeout)
    : conninfo_(std::move(conninfo)), size_(size), acquire_timeout_(acquire_timeout) {}

pool::lease::~lease() {
  if (c_) p_->give_back(std::move(c_));
}

pool::lease pool::acquire() {
  std::unique_lock lock(mutex_);
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
  ++created_;
  ++in_use_;
  lock.unlock();
  try {
    return lease(*this, std::make_unique<connection>(conninfo_));
  } catch (...) {
    lock.lock();
    --created_;
    --in_use_;
    ++failures_;
    cv_.notify_one();
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
  }
  cv_.notify_one();
}

pool_stats pool::stats() const {
  std::lock_guard lock(mutex_);
  return {size_, in_use_, waits_, failures_};
}

void ping(pool& p) {
  auto conn = p.acquire();
  conn->exec("SELECT 1");
}

}  // namespace hallpass::server::db
