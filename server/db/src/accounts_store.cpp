#include "hallpass/server/db/accounts_store.hpp"

#include <boost/json/parse.hpp>

namespace hallpass::server::db {

namespace {

// Today's date where the halls are.
constexpr const char* today_sql = "(now() AT TIME ZONE 'Asia/Shanghai')::date";

std::optional<std::vector<std::string>> parse_scope(const rows& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  std::vector<std::string> out;
  auto parsed = boost::json::parse(r.text(row, col));  // keep it alive for the loop
  for (auto& v : parsed.as_array()) out.emplace_back(v.as_string());
  return out;
}

person_row read_person(const rows& r, int i) {
  return {r.int64(i, 0), r.str(i, 1), r.str(i, 2), r.opt(i, 3), r.opt(i, 4)};
}

constexpr const char* person_cols = "id, name, id_number_masked, mobile_masked, password_hash";

unit_row read_unit(const rows& r, int i) { return {r.int64(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.int64(i, 4)}; }

constexpr const char* unit_cols = "id, uscc, unit_number, name, legal_rep_id";

std::string grant_select() {
  return std::string(
             "SELECT g.id, g.unit_id, g.person_id, g.role, array_to_json(g.scope)::text, g.valid_from::text, "
             "g.valid_until::text, g.revoked_at IS NOT NULL, "
             "g.revoked_at IS NULL AND ") +
         today_sql + " BETWEEN g.valid_from AND g.valid_until, p.name, p.id_number_masked, p.mobile_masked "
                     "FROM grants g JOIN persons p ON p.id = g.person_id ";
}

grant_row read_grant(const rows& r, int i) {
  grant_row g;
  g.id = r.int64(i, 0);
  g.unit_id = r.int64(i, 1);
  g.person_id = r.int64(i, 2);
  g.role = r.str(i, 3);
  g.scope = parse_scope(r, i, 4);
  g.valid_from = r.str(i, 5);
  g.valid_until = r.str(i, 6);
  g.revoked = r.boolean(i, 7);
  g.valid_now = r.boolean(i, 8);
  g.person_name = r.str(i, 9);
  g.person_id_masked = r.str(i, 10);
  g.person_mobile_masked = r.opt(i, 11);
  return g;
}

}  // namespace

std::optional<std::string> text_array(const std::optional<std::vector<std::string>>& v) {
  if (!v) return std::nullopt;
  std::string s = "{";
  for (std::size_t i = 0; i < v->size(); ++i) s += (i ? "," : "") + (*v)[i];
  return s + "}";
}

std::vector<activity_row> unit_activity(transaction& tx, std::int64_t unit_id, const std::string& category,
                                        const std::optional<std::string>& before, int limit) {
  auto r = tx.exec(
      "SELECT " + rfc3339("x.at") + ", x.category, x.event, x.actor, x.subject, x.application_id, x.ip, x.detail FROM ("
      "  SELECT a.at, CASE WHEN a.event IN ('login', 'logout', 'login_failed', 'qr_login_confirmed') THEN 'sign_in' "
      "                    WHEN a.event LIKE 'grant%' OR a.event = 'legal_rep_changed' THEN 'grants' "
      "                    WHEN a.event LIKE 'application%' THEN 'applications' ELSE 'other' END AS category, "
      "         a.event, pa.name AS actor, ps.name AS subject, NULL::bigint AS application_id, "
      "         COALESCE(a.ip, '') AS ip, a.detail::text AS detail "
      "  FROM audit_log a LEFT JOIN persons pa ON pa.id = a.actor_person_id "
      "  LEFT JOIN persons ps ON ps.id = a.subject_person_id WHERE a.unit_id = $1 "
      "  UNION ALL "
      "  SELECT e.at, 'applications', 'application_' || e.action, pe.name, NULL, e.application_id, '', "
      "         json_build_object('from', e.from_state, 'to', e.to_state, 'by', e.actor_role)::text "
      "  FROM application_events e JOIN applications ap ON ap.id = e.application_id "
      "  LEFT JOIN persons pe ON pe.id = e.actor_id WHERE ap.unit_id = $1 AND e.action <> 'submit'"
      ") x WHERE ($2 = '' OR x.category = $2) AND ($3::timestamptz IS NULL OR x.at < $3::timestamptz) "
      "ORDER BY x.at DESC LIMIT $4",
      {unit_id, category, before, limit});
  std::vector<activity_row> out;
  for (int i = 0; i < r.size(); ++i) {
    activity_row a{r.str(i, 0), r.str(i, 1), r.str(i, 2), r.opt(i, 3), r.opt(i, 4), std::nullopt, r.str(i, 6), r.str(i, 7)};
    if (auto app = r.opt(i, 5)) a.application_id = std::stoll(*app);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<std::string> unknown_service_codes(transaction& tx, const std::vector<std::string>& codes) {
  auto r = tx.exec("SELECT c FROM unnest($1::text[]) WITH ORDINALITY AS u(c, n) "
                   "WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.code = u.c) ORDER BY n",
                   {text_array(codes)});
  std::vector<std::string> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(r.str(i, 0));
  return out;
}

void set_legal_rep(transaction& tx, std::int64_t unit_id, std::int64_t person_id) {
  tx.exec("UPDATE units SET legal_rep_id = $2 WHERE id = $1", {unit_id, person_id});
}

void set_password_hash(transaction& tx, std::int64_t person_id, const std::string& hash) {
  tx.exec("UPDATE persons SET password_hash = $2 WHERE id = $1", {person_id, hash});
}

std::optional<person_row> find_person_by_id(transaction& tx, std::int64_t id) {
  auto r = tx.exec(std::string("SELECT ") + person_cols + " FROM persons WHERE id = $1", {id});
  if (r.empty()) return std::nullopt;
  return read_person(r, 0);
}

std::optional<person_row> find_person_by_login(transaction& tx, const std::string& login_hash) {
  auto r = tx.exec(std::string("SELECT ") + person_cols + " FROM persons WHERE id_number_hash = $1 OR mobile_hash = $1",
                   {bytea{login_hash}});
  if (r.empty()) return std::nullopt;
  return read_person(r, 0);
}

std::int64_t insert_person(transaction& tx, const new_person& p) {
  std::optional<bytea> mobile;
  if (p.mobile_hash) mobile = bytea{*p.mobile_hash};
  auto r = tx.exec(
      "INSERT INTO persons (name, id_number_hash, id_number_masked, mobile_hash, mobile_masked, password_hash) "
      "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
      {p.name, bytea{p.id_number_hash}, p.id_number_masked, mobile, p.mobile_masked, p.password_hash});
  return r.int64(0, 0);
}

std::optional<unit_row> find_unit_by_code(transaction& tx, const std::string& code) {
  auto r = tx.exec(std::string("SELECT ") + unit_cols + " FROM units WHERE uscc = $1 OR unit_number = $1", {code});
  if (r.empty()) return std::nullopt;
  return read_unit(r, 0);
}

std::optional<unit_row> find_unit(transaction& tx, std::int64_t id, bool for_update) {
  auto r = tx.exec(std::string("SELECT ") + unit_cols + " FROM units WHERE id = $1" + (for_update ? " FOR UPDATE" : ""),
                   {id});
  if (r.empty()) return std::nullopt;
  return read_unit(r, 0);
}

std::int64_t insert_unit(transaction& tx, const std::string& uscc, const std::string& unit_number,
                         const std::string& name, std::int64_t legal_rep_id) {
  auto r = tx.exec("INSERT INTO units (uscc, unit_number, name, legal_rep_id) VALUES ($1, $2, $3, $4) RETURNING id",
                   {uscc, unit_number, name, legal_rep_id});
  return r.int64(0, 0);
}

std::string next_unit_number(transaction& tx) {
  auto r = tx.exec("SELECT (32000000 + coalesce(max(id), 0) + 1)::text FROM units");
  return r.str(0, 0);
}

std::optional<grant_row> find_live_grant(transaction& tx, std::int64_t unit_id, std::int64_t person_id) {
  auto r = tx.exec(grant_select() + "WHERE g.unit_id = $1 AND g.person_id = $2 AND g.revoked_at IS NULL", {unit_id, person_id});
  if (r.empty()) return std::nullopt;
  return read_grant(r, 0);
}

std::optional<grant_row> find_grant(transaction& tx, std::int64_t unit_id, std::int64_t grant_id, bool for_update) {
  auto r = tx.exec(grant_select() + "WHERE g.unit_id = $1 AND g.id = $2" + (for_update ? " FOR UPDATE OF g" : ""),
                   {unit_id, grant_id});
  if (r.empty()) return std::nullopt;
  return read_grant(r, 0);
}

std::vector<grant_row> grants_of_unit(transaction& tx, std::int64_t unit_id) {
  auto r = tx.exec(grant_select() + "WHERE g.unit_id = $1 AND g.revoked_at IS NULL ORDER BY g.role, g.id", {unit_id});
  std::vector<grant_row> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(read_grant(r, i));
  return out;
}

int count_live_agents(transaction& tx, std::int64_t unit_id) {
  auto r = tx.exec(std::string("SELECT count(*) FROM grants WHERE unit_id = $1 AND role = 'agent' AND revoked_at IS NULL "
                               "AND valid_until >= ") + today_sql,
                   {unit_id});
  return static_cast<int>(r.int64(0, 0));
}

std::int64_t insert_grant(transaction& tx, std::int64_t unit_id, std::int64_t person_id, const std::string& role,
                          const grant_change& g, std::int64_t granted_by) {
  auto r = tx.exec(
      "INSERT INTO grants (unit_id, person_id, role, scope, valid_from, valid_until, granted_by) "
      "VALUES ($1, $2, $3, $4::text[], $5::date, $6::date, $7) RETURNING id",
      {unit_id, person_id, role, text_array(g.scope), g.valid_from, g.valid_until, granted_by});
  return r.int64(0, 0);
}

void update_grant(transaction& tx, std::int64_t grant_id, const grant_change& g) {
  tx.exec("UPDATE grants SET scope = $2::text[], valid_from = $3::date, valid_until = $4::date, updated_at = now() "
          "WHERE id = $1",
          {grant_id, text_array(g.scope), g.valid_from, g.valid_until});
}

void revoke_grant(transaction& tx, std::int64_t grant_id, std::int64_t by) {
  tx.exec("UPDATE grants SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL", {grant_id, by});
}

std::vector<unit_role> units_of_person(transaction& tx, std::int64_t person_id) {
  auto r = tx.exec(
      std::string("SELECT u.id, u.uscc, u.unit_number, u.name, u.legal_rep_id, 'legal_rep', NULL, NULL, NULL, NULL, true "
                  "FROM units u WHERE u.legal_rep_id = $1 "
                  "UNION ALL "
                  "SELECT u.id, u.uscc, u.unit_number, u.name, u.legal_rep_id, g.role, g.id, array_to_json(g.scope)::text, "
                  "g.valid_from::text, g.valid_until::text, ") +
          today_sql +
          " BETWEEN g.valid_from AND g.valid_until "
          "FROM grants g JOIN units u ON u.id = g.unit_id "
          "WHERE g.person_id = $1 AND g.revoked_at IS NULL AND u.legal_rep_id <> $1 ORDER BY 4",
      {person_id});
  std::vector<unit_role> out;
  for (int i = 0; i < r.size(); ++i) {
    unit_role ur;
    ur.unit = read_unit(r, i);
    ur.role = r.str(i, 5);
    if (!r.is_null(i, 6)) ur.grant_id = r.int64(i, 6);
    ur.scope = parse_scope(r, i, 7);
    ur.valid_from = r.opt(i, 8);
    ur.valid_until = r.opt(i, 9);
    ur.valid_now = r.boolean(i, 10);
    out.push_back(std::move(ur));
  }
  return out;
}

void audit(transaction& tx, const audit_entry& e) {
  tx.exec("INSERT INTO audit_log (event, actor_person_id, unit_id, subject_person_id, grant_id, ip, detail) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
          {e.event, e.actor_person_id, e.unit_id, e.subject_person_id, e.grant_id,
           e.ip.empty() ? param(std::nullopt) : param(e.ip), e.detail_json});
}

std::string record_data_key_fingerprint(connection& c, const std::string& fingerprint) {
  c.exec("INSERT INTO data_key_fingerprint (fingerprint) VALUES ($1) ON CONFLICT DO NOTHING", {bytea{fingerprint}});
  return c.exec("SELECT fingerprint FROM data_key_fingerprint").bytes(0, 0);
}

}  // namespace hallpass::server::db
