#pragma once
// The state shared by every request, built once in main and passed by reference (no singletons).
#include <functional>
#include <memory>
#include <string>

#include "hallpass/server/config.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/observability.hpp"

namespace hallpass::server {

namespace db {
class ticket_batcher;
}
namespace services {
class event_hub;
class pending_tickets;
}

struct app {
  app();
  ~app();  // stops the background work

  config cfg;
  std::unique_ptr<db::pool> db;
  metrics stats;
  rate_limiter limits;
  std::string data_key;  // secret for keyed hashes of personal data
  std::function<connection_counts()> connections = [] { return connection_counts{}; };
  std::unique_ptr<services::event_hub> ticket_events;       // login ticket states, from every node
  std::unique_ptr<services::event_hub> application_events;  // page changes of applications
  std::unique_ptr<services::pending_tickets> pending_tickets;  // this node's pending login tickets
  std::unique_ptr<db::ticket_batcher> ticket_inserts;          // groups concurrent ticket INSERTs

  // Background work (listener, expiry sweeper); make_app does this, tests may call it.
  void start_background();
  void stop_background();

 private:
  struct background;
  std::unique_ptr<background> background_;
};

// Keyed hash (HMAC-SHA256) of a piece of personal data, for lookups without storing it in clear.
std::string personal_data_hash(const app& a, std::string_view kind, std::string_view value);

}  // namespace hallpass::server
