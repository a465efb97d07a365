#include "hallpass/server/db/review_store.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace hallpass::server::db {

namespace {

std::string json_array_of(const std::vector<std::string>& items) {
  boost::json::array a;
  for (auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

// Tolerated materials without a page, of the applications in $1 (a JSON array of ids).
const char* missing_tolerated_sql =
    "SELECT a.id, m.code FROM applications a JOIN service_materials m ON m.service_code = a.service_code "
    "WHERE a.id = ANY(ARRAY(SELECT json_array_elements_text($1::json)::bigint)) AND m.tolerable "
    "AND a.supply_deadline IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.application_id = a.id AND p.material_code = m.code) "
    "ORDER BY a.id, m.position";

}  // namespace

std::optional<std::string> find_staff_role(connection& c, std::int64_t person_id, const std::string& office_code) {
  auto r = c.exec("SELECT role FROM staff WHERE person_id = $1 AND office_code = $2 AND revoked_at IS NULL",
                  {person_id, office_code});
  if (r.empty()) return std::nullopt;
  return r.str(0, 0);
}

bool upsert_staff(connection& c, std::int64_t person_id, const std::string& office_code, const std::string& role) {
  if (c.exec("SELECT 1 FROM offices WHERE code = $1", {office_code}).empty()) return false;
  c.exec("INSERT INTO staff (person_id, office_code, role) VALUES ($1, $2, $3) ON CONFLICT (person_id, office_code) "
         "DO UPDATE SET role = $3, revoked_at = NULL",
         {person_id, office_code, role});
  return true;
}

std::string office_of_service(connection& c, const std::string& service_code) {
  auto r = c.exec("SELECT COALESCE(office_code, '') FROM services WHERE code = $1", {service_code});
  return r.empty() ? "" : r.str(0, 0);
}

bool change_state(connection& c, const state_change& ch) {
  std::optional<std::string> reopened;
  if (ch.reopened_materials) reopened = json_array_of(*ch.reopened_materials);
  auto r = c.exec(
      "UPDATE applications SET state = $3, updated_at = now(), "
      "due_date = COALESCE($4::date, due_date), supply_deadline = COALESCE($5::date, supply_deadline), "
      "calendar = COALESCE($6, calendar), "
      "accepted_at = CASE WHEN $7 THEN now() ELSE accepted_at END, "
      "decided_at = CASE WHEN $8 THEN now() ELSE decided_at END, "
      "completed_at = CASE WHEN $9 THEN now() ELSE completed_at END, "
      "correction_from = CASE WHEN $10 THEN NULL ELSE COALESCE($11, correction_from) END, "
      "correction_since = CASE WHEN $10 THEN NULL ELSE COALESCE($12::date, correction_since) END, "
      "correction_deadline = CASE WHEN $10 THEN NULL ELSE COALESCE($13::date, correction_deadline) END, "
      "reopened_materials = CASE WHEN $10 THEN '{}' "
      "  WHEN $14::json IS NULL THEN reopened_materials ELSE ARRAY(SELECT json_array_elements_text($14::json)) END, "
      "decision_text = COALESCE($15, decision_text), licence_number = COALESCE($16, licence_number) "
      "WHERE id = $1 AND state = $2",
      {ch.id, ch.from, ch.to, ch.due_date, ch.supply_deadline, ch.calendar, ch.stamp_accepted, ch.stamp_decided,
       ch.stamp_completed, ch.end_correction, ch.correction_from, ch.correction_since, ch.correction_deadline, reopened,
       ch.decision_text, ch.licence_number});
  return r.affected() == 1;
}

void insert_event(connection& c, std::int64_t application_id, std::optional<std::int64_t> actor_id,
                  const std::string& actor_role, const std::string& action, const std::string& from,
                  const std::string& to, const std::string& comment, const std::string& details_json) {
  c.exec("INSERT INTO application_events (application_id, actor_id, actor_role, action, from_state, to_state, "
         "comment, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
         {application_id, actor_id, actor_role, action, from, to, comment, details_json});
}

std::vector<event_row> events_of(connection& c, std::int64_t application_id) {
  auto r = c.exec("SELECT e.id, " + rfc3339("e.at") +
                      ", p.name, e.actor_role, e.action, e.from_state, e.to_state, e.comment, e.details::text "
                      "FROM application_events e LEFT JOIN persons p ON p.id = e.actor_id "
                      "WHERE e.application_id = $1 ORDER BY e.id",
                  {application_id});
  std::vector<event_row> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back({r.int64(i, 0), r.str(i, 1), r.opt(i, 2), r.str(i, 3), r.str(i, 4), r.str(i, 5), r.str(i, 6),
                   r.str(i, 7), r.str(i, 8)});
  return out;
}

bool insert_rating(connection& c, std::int64_t application_id, std::int64_t person_id, int stars,
                   const std::string& comment) {
  return c.exec("INSERT INTO application_ratings (application_id, person_id, stars, comment) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (application_id) DO NOTHING",
                {application_id, person_id, stars, comment})
             .affected() == 1;
}

std::optional<rating_row> find_rating(connection& c, std::int64_t application_id) {
  auto r = c.exec("SELECT stars, comment, " + rfc3339("rated_at") + " FROM application_ratings WHERE application_id = $1",
                  {application_id});
  if (r.empty()) return std::nullopt;
  return rating_row{static_cast<int>(r.int64(0, 0)), r.str(0, 1), r.str(0, 2)};
}

std::vector<queue_row> office_queue(connection& c, const std::string& office_code, const std::string& search,
                                    int limit) {
  auto r = c.exec("SELECT a.id, s.name, u.name, u.unit_number, p.name FROM applications a "
                  "JOIN services s ON s.code = a.service_code JOIN persons p ON p.id = a.person_id "
                  "LEFT JOIN units u ON u.id = a.unit_id "
                  "WHERE s.office_code = $1 AND a.state IN ('submitted', 'accepted', 'correction', 'approved', 'rejected') "
                  "AND ($2 = '' OR a.id::text = $2 OR u.name LIKE '%' || $2 || '%' OR u.unit_number = $2 OR u.uscc = $2) "
                  "ORDER BY a.submitted_at, a.id LIMIT $3",
                  {office_code, search, limit});
  std::vector<std::int64_t> wanted;
  for (int i = 0; i < r.size(); ++i) wanted.push_back(r.int64(i, 0));
  auto apps = find_applications(c, wanted);  // one read for the whole queue
  std::vector<queue_row> out;
  boost::json::array ids;
  for (int i = 0; i < r.size(); ++i) {
    auto app = std::find_if(apps.begin(), apps.end(), [&](auto& a) { return a.id == wanted[i]; });
    if (app == apps.end()) continue;
    queue_row q{std::move(*app), r.str(i, 1), r.opt(i, 2), r.opt(i, 3), r.str(i, 4), {}};
    ids.emplace_back(q.app.id);
    out.push_back(std::move(q));
  }
  if (out.empty()) return out;
  auto missing = c.exec(missing_tolerated_sql, {boost::json::serialize(ids)});
  for (int i = 0; i < missing.size(); ++i)
    for (auto& q : out)
      if (q.app.id == missing.int64(i, 0)) q.missing_tolerated.push_back(missing.str(i, 1));
  return out;
}

bool bring_due_date_forward(connection& c, std::int64_t application_id, const std::string& due) {
  return c.exec("UPDATE applications SET due_date = $2::date, updated_at = now() WHERE id = $1 AND due_date > $2::date",
                {application_id, due})
             .affected() > 0;
}

std::vector<std::string> missing_tolerated(connection& c, std::int64_t application_id) {
  auto r = c.exec(missing_tolerated_sql, {"[" + std::to_string(application_id) + "]"});
  std::vector<std::string> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(r.str(i, 1));
  return out;
}

}  // namespace hallpass::server::db
