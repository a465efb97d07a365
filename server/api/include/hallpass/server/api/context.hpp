#pragma once
// What the HTTP handlers are given: the services they call, the metrics they keep, and the few
// settings that shape responses. Built in main; the services are owned there, not here.
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "hallpass/server/api/client_address.hpp"
#include "hallpass/server/api/metrics.hpp"
#include "hallpass/server/api/stream_slots.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/read_replica.hpp"
#include "hallpass/server/net/http_server.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/services/application_documents.hpp"
#include "hallpass/server/services/applications.hpp"
#include "hallpass/server/services/auth.hpp"
#include "hallpass/server/services/login_tickets.hpp"
#include "hallpass/server/services/messages.hpp"
#include "hallpass/server/services/mobile_codes.hpp"
#include "hallpass/server/services/registration.hpp"
#include "hallpass/server/services/review.hpp"

namespace hallpass::server::api {

struct api_settings {
  std::string public_url;  // issuer and base of URLs
  std::string web_dir;     // pages and scripts
  std::size_t json_body_limit = 64 * 1024;
  std::size_t upload_body_limit = 20 * 1024 * 1024;
  std::chrono::seconds upload_wait{120};  // longest a photo may queue and process before 503
  bool log_requests = true;
  int streams_per_key = 8;  // event streams one session (or one login ticket) may hold open
  std::vector<cidr> trusted_proxies;  // peers whose X-Forwarded-For / -Proto are believed
};

struct context {
  services::accounts& accounts;
  services::sessions& sessions;
  services::login_tickets& tickets;
  services::applications& applications;
  services::review& review;
  services::messages& messages;
  services::application_documents& documents;
  services::mobile_codes& mobile_codes;
  services::registration& registration;
  db::pool& db;  // readiness and pool gauges only; all data goes through the services
  api_settings settings;
  metrics stats{};
  stream_slots streams{};
  std::function<connection_counts()> connections = [] { return connection_counts{}; };
  std::function<std::size_t()> imaging_load = [] { return std::size_t{0}; };
  std::function<db::replica_stats()> replica = [] { return db::replica_stats{}; };  // for /metrics
  // Set when shutdown starts: /readyz answers 503 so that balancers stop sending new work.
  std::atomic<bool> shutting_down{false};
};

}  // namespace hallpass::server::api
