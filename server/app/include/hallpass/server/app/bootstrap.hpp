#pragma once
// Start-up: the database, the migrations, the data key, and the assembly of every part of the
// server from its configuration. Shared by hallpass-server, hallpass-admin and the tests.
#include <memory>
#include <string>

#include "hallpass/server/api/context.hpp"
#include "hallpass/server/app/config.hpp"
#include "hallpass/server/app/sms_outbox.hpp"
#include "hallpass/server/db/embedded_postgres.hpp"
#include "hallpass/server/db/read_replica.hpp"
#include "hallpass/server/services/clock.hpp"
#include "hallpass/server/services/demo.hpp"
#include "hallpass/server/services/event_hub.hpp"
#include "hallpass/server/services/imaging_executor.hpp"
#include "hallpass/server/services/messages.hpp"
#include "hallpass/server/services/pending_tickets.hpp"
#include "hallpass/server/services/rate_limiter.hpp"
#include "hallpass/server/services/working_calendar.hpp"

namespace hallpass::server {

struct database_handle {
  std::unique_ptr<db::embedded_postgres> embedded;  // null when database_url is used
  std::string conninfo;
};

// With cfg.database_url: that server. Without: the embedded cluster in data_dir/postgres.
// Throws std::runtime_error with a message for the operator.
database_handle open_database(const config& cfg);

// The time limits of the server's PostgreSQL connections (pool and listeners).
db::connection_settings db_settings_of(const config& cfg);

// The read replica's settings (none without cfg.database_read_url).
db::replica_settings replica_settings_of(const config& cfg);

// Applies the migrations in cfg.schema_dir; throws std::runtime_error on a changed file.
void run_migrations(const std::string& conninfo, const std::string& schema_dir);

// cfg.data_key, or the key in data_dir/keys/data.key (created with 0600 on first run).
std::string load_data_key(const config& cfg);
// cfg.sms_webhook_secret, or the key in data_dir/keys/sms-webhook.key (created with 0600 on first run).
std::string load_sms_webhook_secret(const config& cfg);

// What the HTTP layer takes from the configuration.
api::api_settings api_settings_of(const config& cfg);

// Everything but the network, owned in one place (main, or a test) and built in dependency
// order: each service is given only what it needs. Handlers see only `api`.
class assembly {
 public:
  // The working-day calendar is read (std::runtime_error on a malformed file), the catalogue
  // installed and the background work (listeners, ticket sweeper) started.
  // Without a clock, the system's.
  assembly(const config& cfg, const std::string& conninfo, const services::clock* clock = nullptr);
  ~assembly();  // stops background work and lets photos in progress finish, before anything goes
  assembly(const assembly&) = delete;
  assembly& operator=(const assembly&) = delete;

  const config cfg;
  const services::clock& clock;
  db::pool db;
  db::read_replica replica;  // page bytes of submitted applications, when configured
  services::personal_data_hasher personal_data;
  services::rate_limiter limits;
  services::imaging_executor imaging;
  services::pending_tickets pending_tickets;
  db::ticket_batcher ticket_inserts;
  services::event_hub ticket_events;       // login ticket states, from every node
  services::event_hub application_events;  // page changes of applications, from every node
  services::event_hub office_events;       // changes of the offices' queues, from every node
  services::event_hub message_events;      // new and read messages, from every node
  services::accounts accounts;
  services::sessions sessions;
  services::login_tickets tickets;
  services::working_calendar calendar;  // counts due dates and supply deadlines
  services::applications applications;
  services::review review;
  services::messages messages;
  services::document_signing signing;         // the documents' signed QR codes and their keys
  services::application_documents documents;  // 受理回执 and decisions as PDF
  services::mobile_codes mobile_codes;  // 忘记密码: codes by SMS
  services::real_name_service real_name;  // the hall's real-name service (identity checks)
  services::registration registration;
  sms_outbox sms;  // sends the outbox to cfg.sms_webhook_url
  api::context api;

  void load_demo_data(std::ostream& out);

 private:
  struct sweeper;
  std::unique_ptr<sweeper> sweeper_;
};

}  // namespace hallpass::server
