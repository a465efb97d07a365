// GET /healthz, /readyz, /metrics.
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/services/event_hub.hpp"
#include "hallpass/server/json_io.hpp"

namespace hallpass::server::api {

response healthz(app&, request&) { return json_response({{"status", "ok"}}); }

response readyz(app& a, request&) {
  try {
    auto conn = a.db->acquire();
    conn->exec("SELECT 1");
    return json_response({{"status", "ready"}});
  } catch (const db::db_error&) {
    auto e = errors::database_unavailable();
    e.code = "not_ready";
    e.message = "数据库不可用";
    e.message_en = "The database is not reachable";
    return error_json(e);
  }
}

response metrics_text(app& a, request&) {
  auto c = a.connections();
  auto p = a.db->stats();
  response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = a.stats.render({
      {"hallpass_open_connections", "Client connections open now.", static_cast<double>(c.open)},
      {"hallpass_connections_refused_total", "Connections refused at the connection limit.", static_cast<double>(c.refused)},
      {"hallpass_db_pool_size", "PostgreSQL connections the pool may hold.", static_cast<double>(p.size)},
      {"hallpass_db_pool_in_use", "PostgreSQL connections lent out now.", static_cast<double>(p.in_use)},
      {"hallpass_db_pool_waits_total", "Times a request waited for a free connection.", static_cast<double>(p.waits)},
      {"hallpass_db_connect_failures_total", "Failed attempts to connect to PostgreSQL.", static_cast<double>(p.failures)},
      {"hallpass_ticket_waiters", "Portals waiting for a login ticket change on this node.",
       a.ticket_events ? static_cast<double>(a.ticket_events->waiting()) : 0.0},
      {"hallpass_ticket_insert_batch_max", "Most login tickets one INSERT has carried since start.",
       a.ticket_inserts ? static_cast<double>(a.ticket_inserts->largest_batch()) : 0.0},
  });
  return r;
}

}  // namespace hallpass::server::api
