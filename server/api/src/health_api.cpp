// GET /healthz, /readyz, /metrics.
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/json_io.hpp"

#include <sstream>

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

namespace {

// The read replica's lag and where the reads it could take went; nothing when none is configured.
std::string replica_metrics(const db::replica_stats& s) {
  if (!s.enabled) return "";
  std::ostringstream out;
  out << "# HELP hallpass_replica_lag_seconds How far the read replica was behind the primary at the last sample; "
         "-1 when it could not be measured.\n"
         "# TYPE hallpass_replica_lag_seconds gauge\n"
         "hallpass_replica_lag_seconds " << s.lag_seconds.value_or(-1) << "\n"
         "# HELP hallpass_replica_max_lag_seconds Lag beyond which reads go to the primary.\n"
         "# TYPE hallpass_replica_max_lag_seconds gauge\n"
         "hallpass_replica_max_lag_seconds " << s.max_lag_seconds << "\n"
         "# HELP hallpass_replica_usable 1 while reads go to the replica (measured lately, within the bound).\n"
         "# TYPE hallpass_replica_usable gauge\n"
         "hallpass_replica_usable " << (s.usable ? 1 : 0) << "\n"
         "# HELP hallpass_replica_reads_total Reads the replica may serve (page bytes and PDFs of submitted "
         "applications), by the server that answered.\n"
         "# TYPE hallpass_replica_reads_total counter\n"
         "hallpass_replica_reads_total{served_by=\"replica\"} " << s.replica_reads << "\n"
         "hallpass_replica_reads_total{served_by=\"primary\"} " << s.primary_reads << "\n"
         "# HELP hallpass_replica_fallbacks_total Such reads sent to the primary: lag over the bound (or not measured "
         "lately), replica failed, rows not on the replica yet.\n"
         "# TYPE hallpass_replica_fallbacks_total counter\n"
         "hallpass_replica_fallbacks_total{reason=\"lag\"} " << s.fallback_lag << "\n"
         "hallpass_replica_fallbacks_total{reason=\"error\"} " << s.fallback_error << "\n"
         "hallpass_replica_fallbacks_total{reason=\"missing\"} " << s.fallback_missing << "\n"
         "# HELP hallpass_replica_samples_failed_total Lag samples that could not be taken.\n"
         "# TYPE hallpass_replica_samples_failed_total counter\n"
         "hallpass_replica_samples_failed_total " << s.samples_failed << "\n";
  return out.str();
}

}  // namespace

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
  r.body += replica_metrics(ctx.replica());
  return r;
}

}  // namespace hallpass::server::api
