#include "hallpass/server/db/sessions_store.hpp"

#include <boost/json/parse.hpp>

namespace hallpass::server::db {

std::optional<session_row> find_session(connection& c, const std::string& token_hash, int idle_minutes) {
  auto r = c.exec(
      std::string(
          "SELECT s.id, s.person_id, s.unit_id, s.grant_id, s.role, s.channel, p.name, p.id_number_masked, "
          "p.mobile_masked, u.name, u.uscc, array_to_json(g.scope)::text, s.csrf_hash, ") +
          rfc3339("s.expires_at") +
          ", s.last_seen_at < now() - interval '60 seconds', "
          "CASE s.role WHEN 'person' THEN true "
          " WHEN 'legal_rep' THEN u.legal_rep_id = s.person_id "
          " WHEN 'staff' THEN st.person_id IS NOT NULL AND st.revoked_at IS NULL "
          " ELSE g.revoked_at IS NULL AND (now() AT TIME ZONE 'Asia/Shanghai')::date BETWEEN g.valid_from AND g.valid_until END, "
          "s.office_code, o.name, st.role "
          "FROM sessions s JOIN persons p ON p.id = s.person_id "
          "LEFT JOIN units u ON u.id = s.unit_id LEFT JOIN grants g ON g.id = s.grant_id "
          "LEFT JOIN staff st ON st.person_id = s.person_id AND st.office_code = s.office_code "
          "LEFT JOIN offices o ON o.code = s.office_code "
          "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() "
          "AND s.last_seen_at > now() - make_interval(mins => $2)",
      {bytea{token_hash}, idle_minutes});
  if (r.empty()) return std::nullopt;
  session_row s;
  s.id = r.int64(0, 0);
  s.person_id = r.int64(0, 1);
  if (!r.is_null(0, 2)) s.unit_id = r.int64(0, 2);
  if (!r.is_null(0, 3)) s.grant_id = r.int64(0, 3);
  s.role = r.str(0, 4);
  s.channel = r.str(0, 5);
  s.person_name = r.str(0, 6);
  s.id_number_masked = r.str(0, 7);
  s.mobile_masked = r.opt(0, 8);
  s.unit_name = r.opt(0, 9);
  s.uscc = r.opt(0, 10);
  if (!r.is_null(0, 11)) {
    std::vector<std::string> scope;
    auto parsed = boost::json::parse(r.text(0, 11));  // keep it alive for the loop
    for (auto& v : parsed.as_array()) scope.emplace_back(v.as_string());
    s.scope = std::move(scope);
  }
  s.csrf_hash = r.bytes(0, 12);
  s.expires_at = r.str(0, 13);
  s.needs_touch = r.boolean(0, 14);
  s.still_entitled = r.boolean(0, 15);
  s.office_code = r.opt(0, 16);
  s.office_name = r.opt(0, 17);
  s.staff_role = r.opt(0, 18);
  return s;
}

void touch_session(connection& c, std::int64_t id) {
  c.exec("UPDATE sessions SET last_seen_at = now() WHERE id = $1", {id});
}

std::pair<std::int64_t, std::string> insert_session(connection& c, const new_session& s) {
  auto r = c.exec(std::string("INSERT INTO sessions (token_hash, csrf_hash, person_id, unit_id, grant_id, role, channel, "
                              "expires_at, office_code, device, client_id) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                              "now() + make_interval(hours => $8), $9, NULLIF(left($10, 80), ''), $11) "
                              "RETURNING id, ") +
                      rfc3339("expires_at"),
                  {bytea{s.token_hash}, bytea{s.csrf_hash}, s.person_id, s.unit_id, s.grant_id, s.role, s.channel,
                   s.absolute_hours, s.office_code, s.device, s.client_id});
  return {r.int64(0, 0), r.str(0, 1)};
}

int revoke_sessions_of(connection& c, std::int64_t person_id, std::optional<std::int64_t> keep) {
  return static_cast<int>(c.exec("UPDATE sessions SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL "
                                 "AND id IS DISTINCT FROM $2",
                                 {person_id, keep})
                              .affected());
}

std::vector<own_session> live_sessions_of(connection& c, std::int64_t person_id) {
  auto r = c.exec(
      "SELECT s.id, s.channel, s.role, u.name, o.name, "
      "to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
      "to_char(s.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), s.device "
      "FROM sessions s LEFT JOIN units u ON u.id = s.unit_id LEFT JOIN offices o ON o.code = s.office_code "
      "WHERE s.person_id = $1 AND s.revoked_at IS NULL AND s.expires_at > now() ORDER BY s.id DESC LIMIT 100",
      {person_id});
  std::vector<own_session> out;
  for (int i = 0; i < r.size(); ++i) {
    own_session s{.id = r.int64(i, 0), .channel = r.str(i, 1), .role = r.str(i, 2), .created_at = r.str(i, 5),
                  .last_seen_at = r.str(i, 6)};
    if (!r.is_null(i, 3)) s.unit_name = r.str(i, 3);
    if (!r.is_null(i, 4)) s.office_name = r.str(i, 4);
    if (!r.is_null(i, 7)) s.device = r.str(i, 7);
    out.push_back(std::move(s));
  }
  return out;
}

bool revoke_own_session(connection& c, std::int64_t person_id, std::int64_t session_id) {
  return c.exec("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND person_id = $2 AND revoked_at IS NULL",
                {session_id, person_id})
             .affected() == 1;
}

bool revoke_session(connection& c, std::int64_t id) {
  return c.exec("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", {id}).affected() == 1;
}

}  // namespace hallpass::server::db
