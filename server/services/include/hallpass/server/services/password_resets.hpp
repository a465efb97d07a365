#pragma once
// 忘记密码 (PRODUCT.md §11): a six-digit code by SMS to the mobile registered with the ID number,
// then a new password with that code. Answers never tell whether an account exists: a request
// for an unknown ID number or a mobile that is not the person's is answered like any other,
// and no code is sent.
#include <string>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/personal_data.hpp"
#include "hallpass/server/services/rate_limiter.hpp"

namespace hallpass::server::services {

struct password_reset_settings {
  int code_minutes = 5;       // how long a code lives
  int code_tries = 5;         // wrong codes before it is dead
  int sends_per_hour = 5;     // per account (ID number) and per address
};

class password_resets {
 public:
  password_resets(db::pool& db, const personal_data_hasher& hash, rate_limiter& limits,
                  password_reset_settings settings = {});

  // Sends a code when the ID number and the mobile are one person's; the same answer otherwise.
  status request(const std::string& id_number, const std::string& mobile, const std::string& ip);
  // The code, then the new password under the password rule: the password is replaced, the code
  // is used up, and every session of the person ends. invalid_code for a wrong, expired, used or
  // exhausted code, and for an ID number and mobile that are no one's.
  status confirm(const std::string& id_number, const std::string& mobile, const std::string& code,
                 const std::string& new_password, const std::string& ip);

  const password_reset_settings& settings() const { return settings_; }

 private:
  std::string code_hash(std::int64_t person_id, const std::string& code) const;

  db::pool& db_;
  const personal_data_hasher& hash_;
  rate_limiter& limits_;
  password_reset_settings settings_;
};

}  // namespace hallpass::server::services
