#pragma once
// SQL for login tickets. Every state change is one UPDATE … WHERE state = … RETURNING, so two
// racing requests can never both move a ticket. The table is a ring of partitions by the time a
// ticket leaves it (schema/0015): ended tickets are gone 30 to 60 s after their end.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

struct ticket_row {
  std::int64_t id = 0;
  std::string kind;   // portal | device
  std::string state;  // effective: an open ticket past its expiry reads as expired
  int match_number = 0;
  std::string portal_name, user_agent, portal_ip;
  std::string created_at, expires_at;  // RFC 3339
  int expires_in = 0;                  // seconds left, >= 0
  std::optional<std::int64_t> claimed_session, person_id, unit_id;
  int poll_interval = 5;
  std::string client_id;  // RFC 8628 client of a device request
  std::optional<std::string> office_code;  // confirmed for a staff session of this office
  std::optional<std::string> user_code;    // a device request's code (BCDF-GHJK)
};

struct new_ticket_row {
  std::string scan_hash, poll_hash;
  std::optional<std::string> user_code;
  std::string kind, portal_name, user_agent, portal_ip;
  std::optional<std::string> client_id;
  int match_number = 0;
  int ttl_seconds = 120;
  int poll_interval = 5;
};

// Inserts the tickets in one statement; returns them in the order given.
std::vector<ticket_row> insert_tickets(connection& c, const std::vector<const new_ticket_row*>& batch);

// Groups the ticket inserts asked for at the same moment into one statement. Its own threads
// insert (one statement each at a time, each on a pool connection), so that neither a request's
// thread nor one slow round trip holds every creation back. Two threads by default: while one
// statement is in PostgreSQL the next batch forms. More only split the same tickets into smaller
// statements, each paying PostgreSQL's fixed cost of a statement (4 threads on 2 cores made
// about a fifth fewer tickets per second than 2). Thread-safe.
class ticket_batcher {
 public:
  // done(row, nullptr), or done(nullopt, the db_error); it runs on an inserting thread and must
  // be quick.
  using done_fn = std::function<void(std::optional<ticket_row>, std::exception_ptr)>;
  explicit ticket_batcher(pool& p, int threads = 2);
  ~ticket_batcher();  // what is still queued fails with a db_error (unavailable)
  ticket_batcher(const ticket_batcher&) = delete;
  ticket_batcher& operator=(const ticket_batcher&) = delete;

  void insert_then(new_ticket_row t, done_fn done);  // returns at once
  ticket_row insert(const new_ticket_row& t);        // waits; throws the db_error
  std::size_t submitted() const { return submitted_; }          // tickets asked for so far
  std::size_t largest_batch() const { return largest_batch_; }  // most tickets one INSERT carried

 private:
  struct queued {
    new_ticket_row row;
    done_fn done;
  };
  void run();
  pool& pool_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::vector<queued> queue_;
  bool stop_ = false;
  int idle_ = 0;  // threads waiting for work
  std::atomic<std::size_t> submitted_{0}, largest_batch_{0};
  std::vector<std::thread> threads_;
};
std::optional<ticket_row> find_ticket(connection& c, std::int64_t id);
// By id and hash together: a ticket's tokens carry its id (services' ticket_tokens.hpp).
std::optional<ticket_row> find_ticket_by_poll(connection& c, std::int64_t id, const std::string& poll_hash);
std::optional<ticket_row> find_ticket_by_scan(connection& c, std::int64_t id, const std::string& scan_hash);
// By RFC 8628 user code: the open ticket holding it, else the latest that held it. Codes are not
// checked for uniqueness when tickets are made (34 random bits); `ambiguous` says two open tickets
// hold this one.
struct user_code_match {
  std::optional<ticket_row> ticket;
  bool ambiguous = false;
};
user_code_match find_ticket_by_user_code(connection& c, const std::string& user_code);

// pending → scanned, bound to the phone session; the confirm window starts.
std::optional<ticket_row> claim_ticket(connection& c, std::int64_t id, std::int64_t session_id, int confirm_seconds);
// scanned → confirmed by the phone that claimed it, inside its window; for a unit role, or for
// a staff session of an office.
bool confirm_ticket(connection& c, std::int64_t id, std::int64_t session_id, std::int64_t person_id,
                    std::optional<std::int64_t> unit_id, std::optional<std::int64_t> grant_id,
                    const std::optional<std::string>& office_code);
// pending|scanned → cancelled; by the claiming phone (session_id) or the portal (poll_hash).
bool cancel_ticket(connection& c, std::int64_t id, std::optional<std::int64_t> session_id,
                   const std::optional<std::string>& poll_hash);
// confirmed → consumed with the poll secret, inside a transaction; returns the ticket as consumed.
std::optional<ticket_row> consume_ticket(connection& c, std::int64_t id, const std::string& poll_hash);


// Announces the tickets that expired since the last sweep of any node (no row is changed: an open
// ticket past its expiry reads as expired) and empties the partitions of tickets that ended
// 30 to 90 s ago with a TRUNCATE each. Returns the tickets announced.
std::int64_t sweep_tickets(connection& c);

// Registered device clients (schema/0008, 0012): public ones (a TV app) and kiosks, which hold a
// secret. Registering a public client again renames it.
struct device_client_row {
  std::string name;
  std::optional<std::string> secret_hash;  // SHA-256 hex of a kiosk's secret
};
// A registered client that is not revoked.
std::optional<device_client_row> find_device_client(connection& c, const std::string& client_id);
void save_device_client(connection& c, const std::string& client_id, const std::string& name);
// A kiosk, new or again (a new secret; the old one stops working, a revoked kiosk comes back).
// False when client_id names a public device client.
bool save_kiosk(connection& c, const std::string& client_id, const std::string& name, const std::string& secret_hash);
// Revokes a kiosk and ends its open sessions: how many ended, or nullopt when no such live kiosk.
std::optional<int> revoke_kiosk(connection& c, const std::string& client_id);

}  // namespace hallpass::server::db
