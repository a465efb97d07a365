#include "hallpass/server/db/messages_store.hpp"

namespace hallpass::server::db {

namespace {

// Messages of the recipient in $1 (unit) / $2 (person).
const std::string of_recipient = "((m.unit_id = $1) OR ($1 IS NULL AND m.person_id = $2))";

}  // namespace

std::optional<std::int64_t> insert_message(connection& c, const new_message& m, const std::string& payload_json) {
  auto r = c.exec("INSERT INTO messages (application_id, unit_id, person_id, kind, title, title_en, body, body_en, "
                  "reminder_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                  "ON CONFLICT (reminder_key) DO NOTHING RETURNING id",
                  {m.application_id, m.to.unit_id, m.to.person_id, m.kind, m.title, m.title_en, m.body, m.body_en,
                   m.reminder_key});
  if (r.empty()) return std::nullopt;
  auto id = r.int64(0, 0);
  c.exec("INSERT INTO outbox (message_id, payload) VALUES ($1, jsonb_build_object('message_id', $1::bigint) || $2::jsonb)",
         {id, payload_json});
  return id;
}

std::vector<message_row> messages_of(connection& c, const recipient& to, std::int64_t reader,
                                     std::optional<std::int64_t> before, int limit) {
  auto r = c.exec("SELECT m.id, m.application_id, m.kind, m.title, m.title_en, m.body, m.body_en, " +
                      rfc3339("m.created_at") +
                      ", EXISTS (SELECT 1 FROM message_reads r WHERE r.message_id = m.id AND r.person_id = $3) "
                      "FROM messages m WHERE " + of_recipient +
                      " AND ($4::bigint IS NULL OR m.id < $4) ORDER BY m.id DESC LIMIT $5",
                  {to.unit_id, to.person_id, reader, before, limit});
  std::vector<message_row> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r.int64(i, 0), r.int64(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4), r.str(i, 5), r.str(i, 6),
                   r.str(i, 7), r.boolean(i, 8)});
  return out;
}

std::int64_t unread_count(connection& c, const recipient& to, std::int64_t reader) {
  auto r = c.exec("SELECT count(*) FROM messages m WHERE " + of_recipient +
                      " AND NOT EXISTS (SELECT 1 FROM message_reads r WHERE r.message_id = m.id AND r.person_id = $3)",
                  {to.unit_id, to.person_id, reader});
  return r.int64(0, 0);
}

bool mark_read(connection& c, const recipient& to, std::int64_t reader, std::optional<std::int64_t> message_id) {
  if (message_id &&
      c.exec("SELECT 1 FROM messages m WHERE m.id = $3 AND " + of_recipient, {to.unit_id, to.person_id, *message_id})
          .empty())
    return false;
  c.exec("INSERT INTO message_reads (message_id, person_id) SELECT m.id, $3 FROM messages m WHERE " + of_recipient +
             " AND ($4::bigint IS NULL OR m.id = $4) ON CONFLICT DO NOTHING",
         {to.unit_id, to.person_id, reader, message_id});
  return true;
}

std::vector<open_deadline> open_deadlines(connection& c, const std::string& from, const std::string& to) {
  auto r = c.exec(
      "SELECT a.id, a.unit_id, a.person_id, 'correction_due', a.correction_deadline::text FROM applications a "
      "WHERE a.state = 'correction' AND a.correction_deadline BETWEEN $1::date AND $2::date "
      "UNION ALL "
      "SELECT a.id, a.unit_id, a.person_id, 'supply_due', a.supply_deadline::text FROM applications a "
      "WHERE a.state = 'accepted' AND a.supply_deadline BETWEEN $1::date AND $2::date AND EXISTS ("
      "  SELECT 1 FROM service_materials m WHERE m.service_code = a.service_code AND m.tolerable "
      "  AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.application_id = a.id AND p.material_code = m.code)) "
      "ORDER BY 1",
      {from, to});
  std::vector<open_deadline> out;
  for (int i = 0; i < r.size(); ++i) {
    open_deadline d{r.int64(i, 0), std::nullopt, r.int64(i, 2), r.str(i, 3), r.str(i, 4)};
    if (!r.is_null(i, 1)) d.unit_id = r.int64(i, 1);
    out.push_back(std::move(d));
  }
  return out;
}

std::optional<std::string> person_mobile_masked(connection& c, std::int64_t person_id) {
  auto r = c.exec("SELECT mobile_masked FROM persons WHERE id = $1", {person_id});
  return r.empty() ? std::nullopt : r.opt(0, 0);
}

std::optional<outbox_row> claim_due_outbox(connection& c) {
  auto r = c.exec("SELECT id, COALESCE(message_id::text, 'code-' || id), payload::text, attempts FROM outbox "
                  "WHERE delivered_at IS NULL AND next_attempt_at <= now() "
                  "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (r.empty()) return std::nullopt;
  return outbox_row{r.int64(0, 0), r.str(0, 1), r.str(0, 2), static_cast<int>(r.int64(0, 3))};
}

void mark_delivered(connection& c, std::int64_t id) {
  // A one-time code's SMS names the mobile in clear: kept only until it is delivered.
  c.exec("UPDATE outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL, "
         "payload = payload - 'mobile' WHERE id = $1",
         {id});
}

void mark_failed(connection& c, std::int64_t id, std::int64_t retry_after_ms, const std::string& error) {
  c.exec("UPDATE outbox SET attempts = attempts + 1, last_error = $3, "
         "next_attempt_at = now() + $2 * interval '1 millisecond' WHERE id = $1",
         {id, retry_after_ms, error.substr(0, 500)});
}

}  // namespace hallpass::server::db
