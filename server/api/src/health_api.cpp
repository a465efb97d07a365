// GET /healthz, /readyz, /metrics.
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/json_io.hpp"

namespace hallpass::server::api {

response healthz(context&, request&) { return json_response({{"status", "ok"}}); }
std::optional<response> healthz_quick(context& ctx, request& req) { return healthz(ctx, req); }

response readyz(context& ctx, request&) {
  if (ctx.shutting_down) {
    return error_json({503, "shutting_down", "服务正在停止", "The server is shutting down", 5});
  }
  try {
    db::ping(ctx.db);
    return json_response({{"status", "ready"}});
  } catch (const db::db_error&) {
    auto e = errors::database_unavailable();
    e.code = "not_ready";
    e.message = "数据库不可用";
    e.message_en = "The database is not reachable";
    return error_json(e);
  }
}

response metrics_text(context& ctx, request&) {
  auto c = ctx.connections();
  auto p = ctx.db.stats();
  response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = ctx.stats.render({
      {"hallpass_open_connections", "Client connections open now.", static_cast<double>(c.open)},
      {"hallpass_connections_refused_total", "Connections refused at the connection limit.", static_cast<double>(c.refused)},
      {"hallpass_db_pool_size", "PostgreSQL connections the pool may hold.", static_cast<double>(p.size)},
      {"hallpass_db_pool_in_use", "PostgreSQL connections lent out now.", static_cast<double>(p.in_use)},
      {"hallpass_db_pool_waits_total", "Times a request waited for a free connection.", static_cast<double>(p.waits)},
      {"hallpass_db_connect_failures_total", "Failed attempts to connect to PostgreSQL.", static_cast<double>(p.failures)},
      {"hallpass_db_nested_acquires_total", "Times a thread took a second PostgreSQL connection while holding one.",
       static_cast<double>(p.nested)},
      {"hallpass_ticket_listener_up", "1 while login ticket changes arrive by LISTEN/NOTIFY, 0 while reconnecting.",
       ctx.tickets.events().listening() ? 1.0 : 0.0},
      {"hallpass_imaging_load", "Photos queued or being processed now.", static_cast<double>(ctx.imaging_load())},
      {"hallpass_ticket_waiters", "Portals waiting for a login ticket change on this node.",
       static_cast<double>(ctx.tickets.events().waiting())},
      {"hallpass_ticket_insert_batch_max", "Most login tickets one INSERT has carried since start.",
       static_cast<double>(ctx.tickets.largest_insert_batch())},
  });
  return r;
}

}  // namespace hallpass::server::api
