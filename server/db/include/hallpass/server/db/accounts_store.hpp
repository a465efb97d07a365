#pragma once
// SQL for persons, units, grants, sessions and the audit log. Callers pass a transaction and
// keyed hashes, never clear ID numbers or mobiles.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

struct person_row {
  std::int64_t id = 0;
  std::string name;
  std::string id_number_masked;
  std::optional<std::string> mobile_masked;
  std::optional<std::string> password_hash;
};

struct new_person {
  std::string name;
  std::string id_number_hash;
  std::string id_number_masked;
  std::optional<std::string> mobile_hash;
  std::optional<std::string> mobile_masked;
  std::optional<std::string> password_hash;
};

std::optional<person_row> find_person_by_id(transaction& tx, std::int64_t id);
void set_password_hash(transaction& tx, std::int64_t person_id, const std::string& hash);
// By the keyed hash of an ID number or of a mobile.
std::optional<person_row> find_person_by_login(transaction& tx, const std::string& login_hash);
std::int64_t insert_person(transaction& tx, const new_person& p);

struct unit_row {
  std::int64_t id = 0;
  std::string uscc;
  std::string unit_number;
  std::string name;
  std::int64_t legal_rep_id = 0;
};

std::optional<unit_row> find_unit_by_code(transaction& tx, const std::string& uscc_or_number);
std::optional<unit_row> find_unit(transaction& tx, std::int64_t id, bool for_update = false);
std::int64_t insert_unit(transaction& tx, const std::string& uscc, const std::string& unit_number,
                         const std::string& name, std::int64_t legal_rep_id);
std::string next_unit_number(transaction& tx);

struct grant_row {
  std::int64_t id = 0;
  std::int64_t unit_id = 0;
  std::int64_t person_id = 0;
  std::string role;  // admin | agent
  std::optional<std::vector<std::string>> scope;
  std::string valid_from;   // YYYY-MM-DD
  std::string valid_until;  // YYYY-MM-DD
  bool revoked = false;
  bool valid_now = false;   // not revoked and today (China time) within the window
  std::string person_name;
  std::string person_id_masked;
  std::optional<std::string> person_mobile_masked;
};

struct grant_change {
  std::optional<std::vector<std::string>> scope;  // for agents; nullopt: all business
  std::string valid_from;
  std::string valid_until;
};

std::optional<grant_row> find_live_grant(transaction& tx, std::int64_t unit_id, std::int64_t person_id);
std::optional<grant_row> find_grant(transaction& tx, std::int64_t unit_id, std::int64_t grant_id, bool for_update);
std::vector<grant_row> grants_of_unit(transaction& tx, std::int64_t unit_id);
int count_live_agents(transaction& tx, std::int64_t unit_id);
std::int64_t insert_grant(transaction& tx, std::int64_t unit_id, std::int64_t person_id, const std::string& role,
                          const grant_change& g, std::int64_t granted_by);
void update_grant(transaction& tx, std::int64_t grant_id, const grant_change& g);
void revoke_grant(transaction& tx, std::int64_t grant_id, std::int64_t by);
void set_legal_rep(transaction& tx, std::int64_t unit_id, std::int64_t person_id);

// A unit a person may act for, with the role and whether it may be used today.
struct unit_role {
  unit_row unit;
  std::string role;  // legal_rep | admin | agent
  std::optional<std::int64_t> grant_id;
  std::optional<std::vector<std::string>> scope;
  std::optional<std::string> valid_from, valid_until;
  bool valid_now = true;
};
std::vector<unit_role> units_of_person(transaction& tx, std::int64_t person_id);

struct audit_entry {
  std::string event;
  std::optional<std::int64_t> actor_person_id, unit_id, subject_person_id, grant_id;
  std::string ip;
  std::string detail_json = "{}";
};
void audit(transaction& tx, const audit_entry& e);

// A unit's activity, newest first: its audit log (sign-ins, grants, submissions) and every step
// of its applications (staff actions included). category: "" for all, or sign_in, grants,
// applications; before: only entries older than that RFC 3339 time.
struct activity_row {
  std::string at, category, event;
  std::optional<std::string> actor_name, subject_name;  // in full: the caller masks them
  std::optional<std::int64_t> application_id;
  std::string ip, detail_json;
};
std::vector<activity_row> unit_activity(transaction& tx, std::int64_t unit_id, const std::string& category,
                                        const std::optional<std::string>& before, int limit);

// Encodes a list of plain codes (validated beforehand: no quotes or commas) as a text[] literal.
std::optional<std::string> text_array(const std::optional<std::vector<std::string>>& v);
// Of `codes` (already checked for their characters), those that are no service of the catalogue.
std::vector<std::string> unknown_service_codes(transaction& tx, const std::vector<std::string>& codes);

// Records the data key's fingerprint on first use; returns the one recorded (this one, or the
// key the database was first used with).
std::string record_data_key_fingerprint(connection& c, const std::string& fingerprint);

}  // namespace hallpass::server::db
