#pragma once
// Sessions: password login, token authentication, logout. Tokens are CSPRNG values stored only
// as SHA-256 hashes; unit sessions are re-checked against the grant on every use, so a revoked
// or expired grant ends them at once. How a token travels (header, cookie) is the api's business.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/sessions_store.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/services/caller.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/personal_data.hpp"
#include "hallpass/server/services/rate_limiter.hpp"

namespace hallpass::server::services {

struct issued_session {
  std::string token;       // give to the client once; only its hash is stored
  std::string csrf_token;  // for cookie-authenticated state changes
  caller who;
};

struct password_login {
  std::optional<std::string> unit;  // USCC or unit number; absent: log in as a person
  std::optional<std::string> office;  // staff: the office to act for (never with a unit)
  std::string account;              // resident ID number or mobile
  std::string password;
  std::string channel = "web";
  std::string ip;
  std::string device;  // what it comes from, for 我的设备 (device_of the User-Agent)
};

// A session token as presented by a client.
struct credentials {
  std::string token;
  // Tokens that a browser sends by itself (cookies) need the CSRF token for state changes.
  bool sent_automatically = false;
  bool changes_state = false;
  std::optional<std::string> csrf_token;
};

struct session_settings {
  int idle_minutes = 30;
  int absolute_hours = 12;
  int login_failures_per_account = 5;  // within 15 minutes, then too_many_attempts
  int login_attempts_per_ip = 30;      // per minute
};

class sessions {
 public:
  sessions(db::pool& db, const personal_data_hasher& hash, rate_limiter& limits, accounts& accounts,
           session_settings settings);

  result<issued_session> login_with_password(const password_login& in);
  // Opens a session for a person, acting for unit_id when set (role and grant looked up and
  // checked to be valid today). Used by password login and by QR login. `claim`, when given,
  // runs in the transaction that stores the session, before it: an error from it rolls
  // everything back and is the answer (QR login consumes its ticket there).
  using session_claim = std::function<status(db::connection&)>;
  // With `office`, a staff session of that office (the person's staff role checked). `device`
  // names what it is opened from, for 我的设备.
  // `kiosk`: the registered kiosk it is opened on (revoking the kiosk ends the session).
  result<issued_session> open_session(std::int64_t person_id, std::optional<std::int64_t> unit_id,
                                      const std::string& channel, const std::string& ip, const std::string& device,
                                      const session_claim& claim = {},
                                      const std::optional<std::string>& office = std::nullopt,
                                      const std::optional<std::string>& kiosk = std::nullopt);
  result<caller> authenticate(const credentials& c);
  status logout(const caller& who, const std::string& ip);
  // 我的设备: the caller's person's live sessions on every channel, and ending one of them
  // (session_not_found unless it is a live session of that person). Audited.
  std::vector<db::own_session> own_sessions(const caller& who);
  status end_own_session(const caller& who, std::int64_t session_id, const std::string& ip);
  // 修改密码: the current password, then a new one under the password rule (not the same);
  // every other session of the person ends. Wrong current passwords count like failed logins.
  status change_password(const caller& who, const std::string& current, const std::string& next,
                         const std::string& ip);
  // The caller's own password, before a change to their account: wrong_password (audited as
  // `failure_event`), or too_many_attempts after 5 wrong ones in 15 minutes, whatever the change.
  status verify_own_password(const caller& who, const std::string& password, const std::string& ip,
                             const std::string& failure_event);
  const session_settings& settings() const { return settings_; }

 private:
  std::string login_hash(const std::string& account) const;

  db::pool& db_;
  const personal_data_hasher& hash_;
  rate_limiter& limits_;
  accounts& accounts_;
  session_settings settings_;
};

}  // namespace hallpass::server::services
