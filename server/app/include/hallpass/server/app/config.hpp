#pragma once
// Server configuration: defaults < config file < environment (HALLPASS_<NAME>) < flags (--name=value).
#include <string>
#include <vector>

#include "hallpass/server/net/http_server.hpp"

namespace hallpass::server {

struct config {
  net_options net;
  std::string data_dir = "var";      // embedded PostgreSQL and keys live here
  std::string database_url;          // postgresql://… ; empty: embedded PostgreSQL under data_dir
  std::string database_read_url;     // a replica (or HAProxy's read port) for page bytes of submitted applications; empty: none
  int replica_max_lag_ms = 2000;        // reads go to the primary while the replica is further behind
  int replica_pool_size = 4;            // connections to the replica
  std::string schema_dir;            // migrations; default: the schema/ folder of the source tree
  std::string public_url;            // base of URLs put in QR codes; default http://<address>:<port>
  std::string data_key;              // secret for keyed hashes of personal data; default: data_dir/keys/data.key
  int db_pool_size = 16;
  int db_acquire_timeout = 5;           // seconds a request waits for a free PostgreSQL connection, then 503
  int db_connect_timeout = 5;           // seconds to connect to PostgreSQL
  int db_statement_timeout = 15;        // seconds one statement may run (PostgreSQL statement_timeout)
  int db_keepalive_idle = 10;           // TCP keepalives: seconds idle before the first probe,
  int db_keepalive_interval = 5;        // seconds between probes,
  int db_keepalive_count = 3;           // unanswered probes before the connection is dead
  int session_idle_minutes = 30;
  int session_absolute_hours = 12;
  int login_failures_per_account = 5;   // within 15 minutes, then 429
  int login_attempts_per_ip = 30;       // per minute
  int tickets_per_ip_per_minute = 60;
  int ticket_polls_per_minute = 120;   // state requests per login ticket
  int device_poll_interval = 5;         // RFC 8628 interval in seconds
  int upload_code_minutes = 10;         // how long a material's upload QR stays valid
  int upload_code_max_pages = 10;       // pages one upload code may add
  int video_max_mb = 200;               // one video material (MiB)
  int upload_photos_per_code_per_minute = 20;  // per upload code; on the portal, per person
  int upload_photos_per_ip_per_minute = 60;    // per address, phone and portal together
  std::size_t upload_body_limit = 20 * 1024 * 1024;  // bytes of one photo upload
  int imaging_threads = 0;              // photo processing threads; 0: one per core
  int imaging_queue = 64;               // photos waiting for an imaging thread before 503 imaging_busy
  std::string catalogue_file;           // service catalogue; default: server/data/catalogue.json of the source tree
  std::string calendar_file;            // working-day calendar; default: server/data/calendar-cn.txt of the source tree
  std::string web_dir;                  // pages and scripts; default: the web/ folder of the source tree
  std::string document_font;            // TrueType CJK font of receipts and decisions; default: an installed one
  std::string sms_webhook_url;          // the SMS platform's endpoint for outbox messages; empty: kept, not sent
  std::string sms_webhook_secret;       // HMAC key of the signature; default: data_dir/keys/sms-webhook.key
  std::string real_name_url;            // the real-name service (identity checks); empty: no registration online
  std::string real_name_public_key;     // PEM file of its Ed25519 public key
  int sms_retry_min_ms = 1000;          // first delay after a failed delivery, doubled each time
  int sms_retry_max_ms = 300000;        // longest delay between two attempts
  std::size_t json_body_limit = 64 * 1024;
  int shutdown_delay = 0;               // seconds /readyz answers 503 before the server stops
  int streams_per_session = 8;          // live event streams one session (or login ticket) may hold
  bool demo = false;                    // load the demo data set at start-up (idempotent)
  bool log_requests = true;
  std::string trusted_proxies;          // CIDRs whose X-Forwarded-For / X-Forwarded-Proto are believed
  std::string config_file;
};

struct config_outcome {
  bool show_help = false;
  std::string help;
  std::vector<std::string> errors;
};

// Fills cfg from the file named by --config or HALLPASS_CONFIG, the environment and argv.
config_outcome load_config(config& cfg, int argc, const char* const* argv);

}  // namespace hallpass::server
