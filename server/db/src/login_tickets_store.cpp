#include "hallpass/server/db/login_tickets_store.hpp"

#include <array>
#include <future>
#include <iterator>
#include <utility>

namespace hallpass::server::db {

namespace {

const std::string columns =
    std::string("id, kind, CASE WHEN state IN ('pending', 'scanned', 'confirmed') AND expires_at <= now() THEN 'expired' ELSE state END, "
    "match_number, portal_name, user_agent, portal_ip, ") +
    rfc3339("created_at") + ", " + rfc3339("expires_at") +
    ", greatest(0, ceil(extract(epoch FROM expires_at - now())))::int, claimed_session, person_id, unit_id, "
    "poll_interval, coalesce(client_id, ''), office_code, user_code";
const int column_count = 17;

ticket_row read(const rows& r, int i, int first = 0) {
  ticket_row t;
  t.id = r.int64(i, first + 0);
  t.kind = r.str(i, first + 1);
  t.state = r.str(i, first + 2);
  t.match_number = static_cast<int>(r.int64(i, first + 3));
  t.portal_name = r.str(i, first + 4);
  t.user_agent = r.str(i, first + 5);
  t.portal_ip = r.str(i, first + 6);
  t.created_at = r.str(i, first + 7);
  t.expires_at = r.str(i, first + 8);
  t.expires_in = static_cast<int>(r.int64(i, first + 9));
  if (!r.is_null(i, first + 10)) t.claimed_session = r.int64(i, first + 10);
  if (!r.is_null(i, first + 11)) t.person_id = r.int64(i, first + 11);
  if (!r.is_null(i, first + 12)) t.unit_id = r.int64(i, first + 12);
  t.poll_interval = static_cast<int>(r.int64(i, first + 13));
  t.client_id = r.str(i, first + 14);
  t.office_code = r.opt(i, first + 15);
  t.user_code = r.opt(i, first + 16);
  return t;
}

std::optional<ticket_row> one(const rows& r) {
  if (r.empty()) return std::nullopt;
  return read(r, 0);
}

// A change of leaves_at may move a ticket to another partition. A request racing a change that
// moved it first gets a serialization failure: it lost the race, as if its WHERE had matched nothing.
template <class Fn>
auto unless_moved_away(Fn&& change) -> decltype(change()) {
  try {
    return change();
  } catch (const db_error& e) {
    if (e.kind() != error_kind::serialization_failure) throw;
    return {};
  }
}

// A PostgreSQL array literal, built element by element: each quoted, with " and \ escaped.
class array_literal {
 public:
  void add(std::string_view v) {
    open_element();
    for (char ch : v) {
      if (ch == '"' || ch == '\\') text_ += '\\';
      text_ += ch;
    }
    text_ += '"';
  }
  void add(const std::string& v) { add(std::string_view(v)); }
  void add(const std::optional<std::string>& v) {
    if (v) return add(std::string_view(*v));
    text_ += text_.size() > 1 ? ",NULL" : "NULL";
  }
  void add(int v) { add(std::string_view(std::to_string(v))); }
  void add_bytes(std::string_view bytes) {  // bytea's hex form, \x escaped inside the quotes
    static constexpr char hex[] = "0123456789abcdef";
    open_element();
    text_ += "\\\\x";
    for (unsigned char b : bytes) text_ += hex[b >> 4], text_ += hex[b & 15];
    text_ += '"';
  }
  std::string done() { return std::move(text_ += '}'); }

 private:
  void open_element() { text_ += text_.size() > 1 ? ",\"" : "\""; }
  std::string text_ = "{";
};

}  // namespace

std::vector<ticket_row> insert_tickets(connection& c, const std::vector<const new_ticket_row*>& batch) {
  // Nothing is looked up first: scan and poll hashes are 128 and 256 random bits, and a user code
  // (34 bits) shared by two open tickets is refused when a phone enters it (find_ticket_by_scan),
  // so that a check across every partition does not weigh on each insert.
  // One array per column, whatever the batch's size: one prepared statement, and no per-row
  // expressions for PostgreSQL to set up as a VALUES list of the batch's length has.
  static const std::string sql =
      "INSERT INTO login_tickets (scan_hash, poll_hash, user_code, kind, client_id, match_number, portal_name, "
      "user_agent, portal_ip, poll_interval, expires_at, leaves_at) "
      "SELECT s, p, u, k, c, m, n, a, i, iv, now() + make_interval(secs => ttl), now() + make_interval(secs => ttl) "
      "FROM unnest($1::bytea[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[], "
      "$8::text[], $9::text[], $10::integer[], $11::integer[]) AS v(s, p, u, k, c, m, n, a, i, iv, ttl) "
      "RETURNING " + columns + ", scan_hash";
  std::array<array_literal, 11> col;
  for (const new_ticket_row* t : batch) {
    col[0].add_bytes(t->scan_hash);
    col[1].add_bytes(t->poll_hash);
    col[2].add(t->user_code);
    col[3].add(t->kind);
    col[4].add(t->client_id);
    col[5].add(t->match_number);
    col[6].add(t->portal_name);
    col[7].add(t->user_agent);
    col[8].add(t->portal_ip);
    col[9].add(t->poll_interval);
    col[10].add(t->ttl_seconds);
  }
  std::vector<param> params;
  params.reserve(col.size());
  for (array_literal& a : col) params.emplace_back(a.done());
  auto r = c.exec(sql, params);
  // RETURNING promises no order: match the rows by their scan hash.
  std::vector<ticket_row> out(batch.size());
  for (int i = 0; i < r.size(); ++i) {
    auto hash = r.bytes(i, column_count);  // after the columns
    for (std::size_t j = 0; j < batch.size(); ++j)
      if (batch[j]->scan_hash == hash) out[j] = read(r, i);
  }
  return out;
}

ticket_batcher::ticket_batcher(pool& p, int threads) : pool_(p) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { run(); });
}

ticket_batcher::~ticket_batcher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_.notify_all();
  for (auto& t : threads_) t.join();
  auto stopped = std::make_exception_ptr(db_error(error_kind::unavailable, "57P01", "the server is stopping"));
  for (auto& q : queue_) q.done(std::nullopt, stopped);
}

void ticket_batcher::insert_then(new_ticket_row t, done_fn done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(t), std::move(done)});
  }
  ++submitted_;
  work_.notify_one();
}

ticket_row ticket_batcher::insert(const new_ticket_row& t) {
  std::promise<ticket_row> answer;
  auto stored = answer.get_future();
  insert_then(t, [&answer](std::optional<ticket_row> row, std::exception_ptr error) {
    if (error) answer.set_exception(error);
    else answer.set_value(std::move(*row));
  });
  return stored.get();
}

// Each thread: everything queued while it was busy goes into its next statement, or half of it
// when another thread is idle, so that both connections work at once.
void ticket_batcher::run() {
  for (;;) {
    std::vector<queued> batch;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      --idle_;
      if (stop_) return;
      if (idle_ > 0 && queue_.size() > 1) {
        auto half = queue_.begin() + static_cast<std::ptrdiff_t>((queue_.size() + 1) / 2);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(half));
        queue_.erase(queue_.begin(), half);
        work_.notify_one();
      } else {
        batch = std::exchange(queue_, {});
      }
    }
    if (batch.size() > largest_batch_) largest_batch_ = batch.size();
    std::exception_ptr error;
    std::vector<ticket_row> rows;
    try {
      std::vector<const new_ticket_row*> input;
      for (auto& q : batch) input.push_back(&q.row);
      auto conn = pool_.acquire();
      rows = insert_tickets(*conn, input);
    } catch (...) {
      error = std::current_exception();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (error) batch[i].done(std::nullopt, error);
      else batch[i].done(std::move(rows[i]), nullptr);
    }
  }
}

std::optional<ticket_row> find_ticket(connection& c, std::int64_t id) {
  return one(c.exec(std::string("SELECT ") + columns + " FROM login_tickets WHERE id = $1", {id}));
}

std::optional<ticket_row> find_ticket_by_poll(connection& c, std::int64_t id, const std::string& poll_hash) {
  return one(c.exec(std::string("SELECT ") + columns + " FROM login_tickets WHERE id = $1 AND poll_hash = $2",
                    {id, bytea{poll_hash}}));
}

std::optional<ticket_row> find_ticket_by_scan(connection& c, std::int64_t id, const std::string& scan_hash) {
  return one(c.exec(std::string("SELECT ") + columns + " FROM login_tickets WHERE id = $1 AND scan_hash = $2",
                    {id, bytea{scan_hash}}));
}

user_code_match find_ticket_by_user_code(connection& c, const std::string& user_code) {
  // The open tickets holding the code first, then the latest that held it (for a precise refusal).
  auto open = std::to_string(column_count + 1);
  auto r = c.exec(std::string("SELECT ") + columns + ", state = 'pending' AND expires_at > now() FROM login_tickets " +
                      "WHERE user_code = $1 ORDER BY " + open + " DESC, created_at DESC, id DESC LIMIT 2",
                  {user_code});
  user_code_match out;
  out.ambiguous = r.size() == 2 && r.boolean(0, column_count) && r.boolean(1, column_count);
  if (!r.empty()) out.ticket = read(r, 0);
  return out;
}

std::optional<ticket_row> claim_ticket(connection& c, std::int64_t id, std::int64_t session_id, int confirm_seconds) {
  return unless_moved_away([&] {
    return one(c.exec(std::string("UPDATE login_tickets SET state = 'scanned', scanned_at = now(), claimed_session = $2, "
                                  "expires_at = now() + make_interval(secs => $3), leaves_at = now() + make_interval(secs => $3) "
                                  "WHERE id = $1 AND state = 'pending' AND expires_at > now() RETURNING ") +
                          columns,
                      {id, session_id, confirm_seconds}));
  });
}

bool confirm_ticket(connection& c, std::int64_t id, std::int64_t session_id, std::int64_t person_id,
                    std::optional<std::int64_t> unit_id, std::optional<std::int64_t> grant_id,
                    const std::optional<std::string>& office_code) {
  // A confirmed login must be redeemed soon: the portal is waiting for it. Run in in_transaction,
  // which tries again (and then finds the ticket moved on) when a racing change moved it first.
  return c.exec("UPDATE login_tickets SET state = 'confirmed', finished_at = now(), person_id = $3, unit_id = $4, "
                "grant_id = $5, office_code = $6, expires_at = now() + interval '60 seconds', "
                "leaves_at = now() + interval '60 seconds' "
                "WHERE id = $1 AND state = 'scanned' AND claimed_session = $2 AND expires_at > now()",
                {id, session_id, person_id, unit_id, grant_id, office_code})
             .affected() == 1;
}

bool cancel_ticket(connection& c, std::int64_t id, std::optional<std::int64_t> session_id,
                   const std::optional<std::string>& poll_hash) {
  std::optional<bytea> ph;
  if (poll_hash) ph = bytea{*poll_hash};
  return unless_moved_away([&] {
    return c.exec("UPDATE login_tickets SET state = 'cancelled', finished_at = now(), leaves_at = now() "
                  "WHERE id = $1 AND state IN ('pending', 'scanned') AND expires_at > now() "
                  "AND (claimed_session = $2 OR poll_hash = $3)",
                  {id, session_id, ph})
               .affected() == 1;
  });
}

std::optional<ticket_row> consume_ticket(connection& c, std::int64_t id, const std::string& poll_hash) {
  // Inside the session's transaction: a lost race must not abort it, hence the savepoint.
  c.exec("SAVEPOINT consume_ticket");
  auto consumed = unless_moved_away([&] {
    return one(c.exec(std::string("UPDATE login_tickets SET state = 'consumed', leaves_at = now() "
                                  "WHERE id = $1 AND poll_hash = $2 AND state = 'confirmed' AND expires_at > now() "
                                  "RETURNING ") +
                          columns,
                      {id, bytea{poll_hash}}));
  });
  c.exec(consumed ? "RELEASE SAVEPOINT consume_ticket" : "ROLLBACK TO SAVEPOINT consume_ticket");
  return consumed;
}

std::int64_t sweep_tickets(connection& c) {
  auto announced = c.exec("SELECT login_tickets_announce_expiry()").int64(0, 0);
  for (int back : {2, 3}) c.exec("SELECT login_tickets_empty_slot($1)", {back});  // a transaction each
  return announced;
}

std::optional<device_client_row> find_device_client(connection& c, const std::string& client_id) {
  auto r = c.exec("SELECT name, secret_hash FROM device_clients WHERE client_id = $1 AND revoked_at IS NULL",
                  {client_id});
  if (r.empty()) return std::nullopt;
  return device_client_row{r.str(0, 0), r.opt(0, 1)};
}

bool save_kiosk(connection& c, const std::string& client_id, const std::string& name, const std::string& secret_hash) {
  return c.exec("INSERT INTO device_clients (client_id, name, secret_hash) VALUES ($1, $2, $3) "
                "ON CONFLICT (client_id) DO UPDATE SET name = EXCLUDED.name, secret_hash = EXCLUDED.secret_hash, "
                "revoked_at = NULL WHERE device_clients.secret_hash IS NOT NULL",
                {client_id, name, secret_hash})
             .affected() == 1;
}

std::optional<int> revoke_kiosk(connection& c, const std::string& client_id) {
  if (c.exec("UPDATE device_clients SET revoked_at = now() "
             "WHERE client_id = $1 AND secret_hash IS NOT NULL AND revoked_at IS NULL",
             {client_id})
          .affected() != 1)
    return std::nullopt;
  return static_cast<int>(
      c.exec("UPDATE sessions SET revoked_at = now() WHERE client_id = $1 AND revoked_at IS NULL", {client_id})
          .affected());
}

void save_device_client(connection& c, const std::string& client_id, const std::string& name) {
  c.exec("INSERT INTO device_clients (client_id, name) VALUES ($1, $2) "
         "ON CONFLICT (client_id) DO UPDATE SET name = EXCLUDED.name",
         {client_id, name});
}

}  // namespace hallpass::server::db
