#pragma once
// Registration online (PRODUCT.md §11, seeds 001 and 004). A person registers with name, resident
// ID, a mobile proved by a one-time code and a password; a legal representative, signed in,
// registers their unit (USCC, name, their own ID) and gets its unit number. Both need an identity
// check of the real-name service (the face check) that passed within the last 10 minutes, about
// the same name and ID number, used for nothing else before.
#include <cstdint>
#include <string>

#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/services/caller.hpp"
#include "hallpass/server/services/clock.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/mobile_codes.hpp"
#include "hallpass/server/services/rate_limiter.hpp"
#include "hallpass/server/services/real_name.hpp"

namespace hallpass::server::services {

struct registration_settings {
  int check_minutes = 10;             // a passed check registers within this time (seed 004)
  int checks_per_ip_per_hour = 20;    // identity checks started
  int attempts_per_ip_per_hour = 20;  // registrations tried
};

struct person_registration {
  std::string name, id_type = "resident_id", id_number, mobile, code, password, check_id;
};

struct unit_registration {
  std::string uscc, name, legal_rep_name, legal_rep_id_type = "resident_id", legal_rep_id_number, check_id;
};

struct check_state {
  std::string status;           // pending | passed | failed | expired
  std::int64_t valid_until = 0; // Unix seconds after which a passed check no longer registers
};

struct registered_unit {
  std::int64_t id = 0;
  std::string unit_number, uscc, name;
};

class registration {
 public:
  registration(db::pool& db, const personal_data_hasher& hash, rate_limiter& limits, const clock& clock,
               accounts& accounts, mobile_codes& codes, const real_name_service& real_name,
               registration_settings settings = {});

  // Starts an identity check (purpose "person" or "unit") after the ID number is checked; for a
  // person, person_exists when the ID number is registered already.
  result<started_check> start_check(const std::string& purpose, const std::string& name, const std::string& id_type,
                                    const std::string& id_number, const std::string& ip);
  // Where a check stands, as the real-name service signed it.
  result<check_state> check(const std::string& check_id);
  result<std::int64_t> register_person(const person_registration& in, const std::string& ip);
  // The caller must be the legal representative named in `in` (not_the_legal_rep otherwise).
  result<registered_unit> register_unit(const caller& who, const unit_registration& in, const std::string& ip);

  const registration_settings& settings() const { return settings_; }

 private:
  // The check `check_id` passed within check_minutes, for `purpose`, about this name and ID.
  status verified(const std::string& check_id, const std::string& purpose, const std::string& name,
                  const std::string& id_number);
  status limit(const char* what, int per_hour, const std::string& ip);

  db::pool& db_;
  const personal_data_hasher& hash_;
  rate_limiter& limits_;
  const clock& clock_;
  accounts& accounts_;
  mobile_codes& codes_;
  const real_name_service& real_name_;
  registration_settings settings_;
};

}  // namespace hallpass::server::services
