#pragma once
// What a six-digit code sent by SMS proves (PRODUCT.md §11):
// - 忘记密码: a code to the mobile registered with the ID number, then a new password with it.
//   Answers never tell whether an account exists: for an unknown ID number, or a mobile that is
//   not the person's, the answer is the same and no code is sent.
// - 修改手机: a signed-in person has a code sent to the new mobile, then confirms it with the
//   code and their password.
// - 注册: a code to the mobile of a person who registers, before they have an account.
// A code lives 5 minutes, allows 5 tries and works once; only its keyed hash is stored, bound to
// its person and (for a new mobile) to that number. Sends are limited per account and address.
#include <string>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/services/auth.hpp"
#include "hallpass/server/services/caller.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/personal_data.hpp"
#include "hallpass/server/services/rate_limiter.hpp"

namespace hallpass::server::services {

struct mobile_code_settings {
  int code_minutes = 5;    // how long a code lives
  int code_tries = 5;      // wrong codes before it is dead
  int sends_per_hour = 5;  // per account and per address
};

class mobile_codes {
 public:
  mobile_codes(db::pool& db, const personal_data_hasher& hash, rate_limiter& limits, sessions& sessions,
               mobile_code_settings settings = {});

  // 忘记密码. request: sends a code when the ID number and the mobile are one person's; the same
  // answer otherwise. confirm: the new password (under the password rule, checked first), the
  // code; the password is replaced, the code used up, every session of the person ends.
  // invalid_code for a wrong, expired, used or exhausted code, and for a pair that is no one's.
  status request_password_reset(const std::string& id_number, const std::string& mobile, const std::string& ip);
  status confirm_password_reset(const std::string& id_number, const std::string& mobile, const std::string& code,
                                const std::string& new_password, const std::string& ip);

  // 修改手机. request: a code to the new mobile (mobile_taken when it is another person's,
  // mobile_unchanged when it is already the person's). confirm: the password, then the code for
  // that same new mobile; the mobile is replaced.
  status request_mobile_change(const caller& who, const std::string& new_mobile, const std::string& ip);
  status confirm_mobile_change(const caller& who, const std::string& new_mobile, const std::string& code,
                               const std::string& password, const std::string& ip);

  // 注册: a code to a mobile that no account has yet (mobile_taken otherwise), limited per mobile
  // and per address. use_registration_code, within the registration's transaction: ok when it
  // is that mobile's live code, which is then used up; a wrong code counts a try.
  status request_registration_code(const std::string& mobile, const std::string& ip);
  status use_registration_code(db::transaction& tx, const std::string& mobile_hash, const std::string& code,
                               const std::string& ip);

  const mobile_code_settings& settings() const { return settings_; }

 private:
  // Limits, then the code stored and its SMS queued, in `tx`.
  status limit_sends(const std::string& account_key, const std::string& ip);
  void send_code(db::transaction& tx, const char* purpose, std::optional<std::int64_t> person_id, const std::string& mobile,
                 const std::string& mobile_hash, const std::string& what_zh, const std::string& what_en);
  // The person's live code of `purpose` (for `mobile_hash` when given): ok when it matches;
  // a wrong one counts a try.
  status check_code(db::transaction& tx, const char* purpose, std::optional<std::int64_t> person_id,
                    const std::optional<std::string>& mobile_hash, const std::string& code, const std::string& ip);
  std::string code_hash(std::optional<std::int64_t> person_id, const std::string& mobile_hash,
                        const std::string& code) const;

  db::pool& db_;
  const personal_data_hasher& hash_;
  rate_limiter& limits_;
  sessions& sessions_;
  mobile_code_settings settings_;
};

}  // namespace hallpass::server::services
