#pragma once
// Persons, units and grants, with the rules of PRODUCT.md §2: one administrator, at most ten
// agents, validity windows, business scope, agents cannot grant, changes effective at once.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/services/caller.hpp"
#include "hallpass/server/services/clock.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/personal_data.hpp"

namespace hallpass::server::services {

inline constexpr int max_agents_per_unit = 10;

struct person_input {
  std::string name;
  std::string id_number;            // resident ID (GB 11643)
  std::optional<std::string> mobile;
  std::optional<std::string> password;  // checked against the password rule
  std::string ip;                       // audited: where the request came from ("" for the operator)
  std::string audit_detail_json = "{}";
};

struct unit_input {
  std::string uscc;
  std::string name;
  std::optional<std::string> unit_number;  // issued by the hall; generated when absent
  std::string legal_rep_id_number;         // an existing person
  std::optional<std::int64_t> actor_person_id;  // audited as the actor when it is the legal representative
  std::string ip;
  std::string audit_detail_json = "{}";
};

struct grant_input {
  std::string role;  // admin | agent
  std::string person_id_number;
  std::string person_name;  // must match the registered name
  std::optional<std::vector<std::string>> scope;  // agents only; nullopt: all business
  std::optional<std::string> valid_from;          // YYYY-MM-DD, default today
  std::string valid_until;                        // YYYY-MM-DD
};

struct grant_update {
  std::optional<std::optional<std::vector<std::string>>> scope;  // set: replace (inner nullopt: all business)
  std::optional<std::string> valid_from, valid_until;
};

class accounts {
 public:
  accounts(db::pool& db, const personal_data_hasher& hash, const clock& clock);

  // A step of registration inside the transaction that creates a person or unit, after the input
  // is checked and before the insert: an error from it ends the call, and what it changed (a
  // wrong code's try) is committed. With it, a registered ID number or mobile (person) or USCC
  // (unit) is refused before it runs.
  using before_insert = std::function<status(db::transaction&)>;
  result<std::int64_t> create_person(const person_input& in, const before_insert& first = {});
  result<std::int64_t> create_unit(const unit_input& in, const before_insert& first = {});
  // Gives the person (by resident ID number) a staff role (clerk, reviewer, head) in an office
  // of the catalogue; again with another role, changes it. The operator's command.
  status add_staff(const std::string& id_number, const std::string& office_code, const std::string& role);
  result<db::grant_row> add_grant(const caller& who, std::int64_t unit_id, const grant_input& in, const std::string& ip);
  result<db::grant_row> change_grant(const caller& who, std::int64_t unit_id, std::int64_t grant_id,
                                     const grant_update& in, const std::string& ip);
  status revoke_grant(const caller& who, std::int64_t unit_id, std::int64_t grant_id, const std::string& ip);
  // The operator records a new legal representative (name and ID number of an existing person).
  // A grant the person held in the unit ends; the former representative's sessions for the unit
  // end at their next request (they have no role there any more). Audited with both persons.
  status change_legal_rep(std::int64_t unit_id, const std::string& id_number, const std::string& name,
                          const std::string& ip);
  result<std::vector<db::grant_row>> list_grants(const caller& who, std::int64_t unit_id);
  // The unit's activity log (db::unit_activity), for its legal representative and administrator.
  result<std::vector<db::activity_row>> unit_activity(const caller& who, std::int64_t unit_id, const std::string& category,
                                                      const std::optional<std::string>& before, int limit);
  // The units a person may act for, with role and whether the grant is valid today.
  std::vector<db::unit_role> units_of(std::int64_t person_id);
  // A unit by USCC or unit number.
  std::optional<db::unit_row> find_unit(const std::string& code);
  // Today's date in China time, YYYY-MM-DD.
  std::string today() const;

 private:
  std::optional<error> check_window(const std::string& from, const std::string& until) const;

  db::pool& db_;
  const personal_data_hasher& hash_;
  const clock& clock_;
};

}  // namespace hallpass::server::services
