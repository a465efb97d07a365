#pragma once
// PostgreSQL access through libpq: parameterised queries only, RAII over every libpq handle,
// transactions that roll back unless committed, SQLSTATE mapped to error kinds.
// libpq types stay out of this header. Every call here blocks: use it on worker threads only.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace hallpass::server::db {

enum class error_kind {
  unavailable,            // cannot connect, connection lost, shut down, cancelled (classes 08, 57, 53; 25006)
  storage_full,           // 53100: PostgreSQL's disk is full; the statement wrote nothing
  unique_violation,       // 23505
  foreign_key_violation,  // 23503
  check_violation,        // 23514, 23502
  serialization_failure,  // 40001, 40P01: retried by in_transaction; beyond it, 503 like unavailable
  invalid_input,          // class 22
  other,
};

class db_error : public std::runtime_error {
 public:
  db_error(error_kind kind, std::string sqlstate, const std::string& what)
      : std::runtime_error(what), kind_(kind), sqlstate_(std::move(sqlstate)) {}
  error_kind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }
  // Name of the violated constraint when the server reported one.
  std::string constraint;

 private:
  error_kind kind_;
  std::string sqlstate_;
};

error_kind kind_of_sqlstate(std::string_view sqlstate);

// SQL text of a timestamptz expression as RFC 3339 UTC, e.g. 2026-11-25T08:00:00Z (API.md).
std::string rfc3339(std::string_view column);

// Bytes to send as a bytea parameter (binary format).
struct bytea {
  std::string_view bytes;
};

// One query parameter, in text format unless binary.
struct param {
  std::optional<std::string> value;
  bool binary = false;

  param(std::nullopt_t) {}
  param(std::string v) : value(std::move(v)) {}
  param(std::string_view v) : value(std::string(v)) {}
  param(const char* v) : value(std::string(v)) {}
  param(std::int64_t v) : value(std::to_string(v)) {}
  param(int v) : value(std::to_string(v)) {}
  param(bool v) : value(v ? "true" : "false") {}
  param(bytea b) : value(std::string(b.bytes)), binary(true) {}
  template <class T>
  param(const std::optional<T>& v) {
    if (v) *this = param(*v);
  }
};

struct result_deleter {
  void operator()(pg_result* r) const;
};

// The rows of one query. Columns are read as text (bytea columns as their raw bytes).
class rows {
 public:
  explicit rows(pg_result* r);
  int size() const;
  bool empty() const { return size() == 0; }
  std::int64_t affected() const;
  bool is_null(int row, int col) const;
  std::string_view text(int row, int col) const;
  std::string str(int row, int col) const { return std::string(text(row, col)); }
  std::optional<std::string> opt(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const;
  std::string bytes(int row, int col) const;  // bytea column in binary or hex text form

 private:
  std::unique_ptr<pg_result, result_deleter> r_;
};

struct conn_deleter {
  void operator()(pg_conn* c) const;
};

// Time limits of every connection, so that a PostgreSQL that stops answering costs a request
// seconds, never a hang. Settings named in the conninfo string (e.g. connect_timeout=…) win.
struct connection_settings {
  std::chrono::seconds connect_timeout{5};             // 0: wait as long as the network does
  std::chrono::milliseconds statement_timeout{15000};  // server-side; 0: none (migrations)
  std::chrono::seconds keepalive_idle{10};             // TCP keepalives: first probe after this idle time,
  std::chrono::seconds keepalive_interval{5};          // then one per interval,
  int keepalive_count = 3;                             // the connection dead after this many unanswered
  // How long a statement may go without any answer before the connection counts as dead: the
  // statement timeout and two seconds for the server to report it; none without a statement timeout.
  std::chrono::milliseconds answer_deadline() const;
};

class connection {
 public:
  explicit connection(const std::string& conninfo, const connection_settings& settings = {});
  // Each distinct statement is prepared once per connection and then only executed.
  rows exec(std::string_view sql, const std::vector<param>& params = {});
  // Runs several statements with no parameters (migrations).
  void exec_script(std::string_view sql);
  // SELECT 1 answered within `within`; throws db_error(unavailable) otherwise.
  void ping(std::chrono::milliseconds within);
  // False once the connection failed or a statement went unanswered past its deadline.
  bool healthy() const;
  // The connection failed or stopped answering (a statement timeout is no loss).
  bool lost() const;
  pg_conn* native() { return c_.get(); }

 private:
  // The outcome of the query just sent: its last result, or the first error. Throws
  // db_error(unavailable) when the connection fails or nothing answers within deadline (0: no limit).
  pg_result* await_result(std::chrono::milliseconds deadline);

  std::unique_ptr<pg_conn, conn_deleter> c_;
  std::chrono::milliseconds answer_deadline_;
  bool dead_ = false;  // stopped answering: never used again
  std::unordered_map<std::string, std::string> prepared_;  // statement text → name
};

// BEGIN on construction; ROLLBACK on destruction unless commit() was called.
class transaction {
 public:
  explicit transaction(connection& c, std::string_view begin = "BEGIN");
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  rows exec(std::string_view sql, const std::vector<param>& params = {}) { return c_.exec(sql, params); }
  void commit();
  connection& conn() { return c_; }

 private:
  connection& c_;
  bool done_ = false;
};

struct pool_stats {
  int size = 0;
  int in_use = 0;
  long waits = 0;
  long failures = 0;
  long nested = 0;  // acquisitions by a thread that already held a connection (should stay 0)
  long acquisitions = 0;  // every acquire(): what a request cost the database, in round trips at least
};

// A fixed-size pool. acquire() reconnects broken connections; when PostgreSQL cannot be reached
// it throws db_error(unavailable) instead of hanging the request: waiting for a free connection
// ends after acquire_timeout, connecting after the connect timeout. Once PostgreSQL is known
// unreachable (a connect failed, or a connection was lost: then the idle ones are dropped too),
// one request at a time tries to connect and the others fail at once, until a connect succeeds.
// A thread holds at most one connection at a time: a second acquire() while it holds one could
// deadlock a full pool, and is counted in stats().nested (tests check it stays 0).
class pool {
 public:
  class lease {
   public:
    lease(pool& p, std::unique_ptr<connection> c);
    lease(lease&& o) noexcept = default;
    ~lease();
    connection& operator*() { return *c_; }
    connection* operator->() { return c_.get(); }

   private:
    pool* p_;
    std::unique_ptr<connection> c_;
  };

  pool(std::string conninfo, int size, connection_settings settings = {},
       std::chrono::milliseconds acquire_timeout = std::chrono::seconds(5));
  lease acquire();
  pool_stats stats() const;
  const std::string& conninfo() const { return conninfo_; }
  const connection_settings& settings() const { return settings_; }

 private:
  void give_back(std::unique_ptr<connection> c);

  std::string conninfo_;
  int size_;
  connection_settings settings_;
  std::chrono::milliseconds acquire_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<connection>> idle_;
  int created_ = 0;
  int in_use_ = 0;
  long waits_ = 0;
  long failures_ = 0;
  long nested_ = 0;
  long acquisitions_ = 0;
  bool unreachable_ = false;  // the last connect failed, or a connection was lost
  bool probing_ = false;      // a request is connecting while unreachable_
};

// Runs fn(transaction&) and commits; retries a few times on serialization failures.
// Borrows a connection and runs a trivial query; throws db_error (unavailable) when PostgreSQL
// cannot be reached.
void ping(pool& p);

template <class Fn>
auto in_transaction(pool& p, Fn&& fn, std::string_view begin = "BEGIN") {
  for (int attempt = 0;; ++attempt) {
    auto conn = p.acquire();
    try {
      transaction tx(*conn, begin);
      if constexpr (std::is_void_v<decltype(fn(tx))>) {
        fn(tx);
        tx.commit();
        return;
      } else {
        auto out = fn(tx);
        tx.commit();
        return out;
      }
    } catch (const db_error& e) {
      if (e.kind() != error_kind::serialization_failure || attempt >= 4) throw;
    }
  }
}

}  // namespace hallpass::server::db
