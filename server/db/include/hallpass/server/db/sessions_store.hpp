#pragma once
// SQL for sessions. Tokens arrive here only as hashes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

struct session_row {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  std::optional<std::int64_t> unit_id, grant_id;
  std::string role, channel;
  std::string person_name, id_number_masked;
  std::optional<std::string> mobile_masked;
  std::optional<std::string> unit_name, uscc;
  std::optional<std::vector<std::string>> scope;
  std::string csrf_hash;
  std::string expires_at;  // RFC 3339 UTC
  bool needs_touch = false;
  bool still_entitled = false;  // grant live and in its window, still the legal representative, or still staff
  std::optional<std::string> office_code, office_name, staff_role;  // staff sessions
};

struct new_session {
  std::string token_hash, csrf_hash;
  std::int64_t person_id = 0;
  std::optional<std::int64_t> unit_id, grant_id;
  std::string role, channel;
  std::optional<std::string> office_code;  // staff sessions
  std::string device;                      // "Chrome · Android", a device client's name; "" unknown
  std::optional<std::string> client_id;    // the kiosk that opened it (revoking the kiosk ends it)
  int absolute_hours = 12;
};

// A live session (not revoked, not past its absolute or idle expiry) by token hash.
std::optional<session_row> find_session(connection& c, const std::string& token_hash, int idle_minutes);
void touch_session(connection& c, std::int64_t id);
// Returns the id and the absolute expiry (RFC 3339).
std::pair<std::int64_t, std::string> insert_session(connection& c, const new_session& s);
bool revoke_session(connection& c, std::int64_t id);
// A person's live sessions (not revoked, not expired), newest first: 我的设备.
struct own_session {
  std::int64_t id = 0;
  std::string channel, role;
  std::optional<std::string> unit_name, office_name, device;
  std::string created_at, last_seen_at;  // RFC 3339 UTC
};
std::vector<own_session> live_sessions_of(connection& c, std::int64_t person_id);
// Ends one of the person's sessions; false when it is not theirs or already ended.
bool revoke_own_session(connection& c, std::int64_t person_id, std::int64_t session_id);
// Ends every open session of a person but `keep` (the one asking, when given); how many ended.
int revoke_sessions_of(connection& c, std::int64_t person_id, std::optional<std::int64_t> keep);

}  // namespace hallpass::server::db
