#pragma once
// Persons, units and grants, with the rules of PRODUCT.md §2: one administrator, at most ten
// agents, validity windows, business scope, agents cannot grant, changes effective at once.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/api_error.hpp"
#include "hallpass/server/app.hpp"
#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/services/auth.hpp"

namespace hallpass::server::services {

inline constexpr int max_agents_per_unit = 10;

struct person_input {
  std::string name;
  std::string id_number;            // resident ID (GB 11643)
  std::optional<std::string> mobile;
  std::optional<std::string> password;  // checked against the password rule
};
result<std::int64_t> create_person(app& a, const person_input& in);

struct unit_input {
  std::string uscc;
  std::string name;
  std::optional<std::string> unit_number;  // issued by the hall; generated when absent
  std::string legal_rep_id_number;         // an existing person
};
result<std::int64_t> create_unit(app& a, const unit_input& in);

struct grant_input {
  std::string role;  // admin | agent
  std::string person_id_number;
  std::string person_name;  // must match the registered name
  std::optional<std::vector<std::string>> scope;  // agents only; nullopt: all business
  std::optional<std::string> valid_from;          // YYYY-MM-DD, default today
  std::string valid_until;                        // YYYY-MM-DD
};

result<db::grant_row> add_grant(app& a, const caller& who, std::int64_t unit_id, const grant_input& in,
                                const std::string& ip);

struct grant_update {
  std::optional<std::optional<std::vector<std::string>>> scope;  // set: replace (inner nullopt: all business)
  std::optional<std::string> valid_from, valid_until;
};
result<db::grant_row> change_grant(app& a, const caller& who, std::int64_t unit_id, std::int64_t grant_id,
                                   const grant_update& in, const std::string& ip);
status revoke_grant(app& a, const caller& who, std::int64_t unit_id, std::int64_t grant_id, const std::string& ip);
result<std::vector<db::grant_row>> list_grants(app& a, const caller& who, std::int64_t unit_id);

std::vector<db::unit_role> units_of(app& a, std::int64_t person_id);

// Today's date in China time, YYYY-MM-DD.
std::string china_today();

}  // namespace hallpass::server::services
