#pragma once
// SQL for the hall's side: offices and staff, state changes of applications after submission
// (each a conditional UPDATE, so of two staff acting at once exactly one wins), the events of
// an application's timeline, and an office's open applications.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

// The person's live role in the office (clerk, reviewer, head), if any.
std::optional<std::string> find_staff_role(connection& c, std::int64_t person_id, const std::string& office_code);
// Adds the person to the office in the role (again, when revoked before). False when the
// office does not exist.
bool upsert_staff(connection& c, std::int64_t person_id, const std::string& office_code, const std::string& role);
// The office a service belongs to ("" when none).
std::string office_of_service(connection& c, const std::string& service_code);

// One state change and the columns it sets. Columns left empty keep their value.
struct state_change {
  std::int64_t id = 0;
  std::string from, to;
  std::optional<std::string> due_date, supply_deadline, calendar;
  std::optional<std::string> correction_from, correction_since, correction_deadline;
  std::optional<std::vector<std::string>> reopened_materials;
  std::optional<std::string> decision_text, licence_number;
  bool stamp_accepted = false, stamp_decided = false, stamp_completed = false;
  bool end_correction = false;  // clears correction_* and the reopened materials
};
// Applies it when the application is still in `from`; false otherwise (someone else moved it).
bool change_state(connection& c, const state_change& change);

struct event_row {
  std::int64_t id = 0;
  std::string at;
  std::optional<std::string> actor_name;
  std::string actor_role, action, from_state, to_state, comment, details_json;
};
void insert_event(connection& c, std::int64_t application_id, std::optional<std::int64_t> actor_id,
                  const std::string& actor_role, const std::string& action, const std::string& from,
                  const std::string& to, const std::string& comment, const std::string& details_json);
std::vector<event_row> events_of(connection& c, std::int64_t application_id);

struct rating_row {
  int stars = 0;
  std::string comment, rated_at;
};
// Stores the rating unless the application has one already (false then).
bool insert_rating(connection& c, std::int64_t application_id, std::int64_t person_id, int stars,
                   const std::string& comment);
std::optional<rating_row> find_rating(connection& c, std::int64_t application_id);

// An application in an office's queue, with what its row shows.
struct queue_row {
  application_row app;
  std::string service_name;
  std::optional<std::string> unit_name, unit_number;
  std::string applicant_name;             // masked by the caller
  std::vector<std::string> missing_tolerated;  // tolerated materials still without a page
};
// The office's applications in submitted, accepted, correction, approved or rejected, oldest
// submission first; `search` matches the application number or the unit's name or number.
std::vector<queue_row> office_queue(connection& c, const std::string& office_code, const std::string& search,
                                    int limit);
// Tolerated materials of the application (those the service may take after acceptance) that
// have no page yet.
std::vector<std::string> missing_tolerated(connection& c, std::int64_t application_id);
// Brings the due date forward to `due` when it is later (the file was completed early).
bool bring_due_date_forward(connection& c, std::int64_t application_id, const std::string& due);

}  // namespace hallpass::server::db
