#pragma once
// Sessions: password login, bearer/cookie authentication, logout. Tokens are CSPRNG values
// stored only as SHA-256 hashes; unit sessions are re-checked against the grant on every use,
// so a revoked or expired grant ends them at once.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/api_error.hpp"
#include "hallpass/server/app.hpp"
#include "hallpass/server/http.hpp"

namespace hallpass::server::services {

// Who is calling: a person alone, or a person acting for a unit in a role.
struct caller {
  std::int64_t session_id = 0;
  std::int64_t person_id = 0;
  std::optional<std::int64_t> unit_id, grant_id;
  std::string role;     // person | legal_rep | admin | agent
  std::string channel;  // web | app | kiosk
  std::string person_name, id_number_masked;
  std::optional<std::string> mobile_masked;
  std::optional<std::string> unit_name, uscc;
  std::optional<std::vector<std::string>> scope;  // agents: granted service codes; nullopt: all
  std::string expires_at;

  // Whether this caller may do business `service_code` for its unit (or for itself).
  bool may_do(std::string_view service_code) const;
};

struct issued_session {
  std::string token;       // give to the client once; only its hash is stored
  std::string csrf_token;  // for cookie-authenticated state changes
  caller who;
};

struct password_login {
  std::optional<std::string> unit;  // USCC or unit number; absent: log in as a person
  std::string account;              // resident ID number or mobile
  std::string password;
  std::string channel = "web";
  std::string ip;
};

result<issued_session> login_with_password(app& a, const password_login& in);

// Opens a session for a person, acting for unit_id when set (role and grant looked up and
// checked to be valid today). Used by password login and by QR login.
result<issued_session> open_session(app& a, std::int64_t person_id, std::optional<std::int64_t> unit_id,
                                    const std::string& channel, const std::string& ip);

// From `Authorization: Bearer …` or the session cookie (which then needs X-CSRF-Token on
// anything but GET/HEAD).
result<caller> authenticate(app& a, const request& req);
// authenticate() or throw api_exception.
caller require_caller(app& a, const request& req);

status logout(app& a, const caller& who, const std::string& ip);

std::string session_cookie_name(const request& req);

}  // namespace hallpass::server::services
