#include "hallpass/server/db/one_time_codes_store.hpp"

namespace hallpass::server::db {

std::optional<std::int64_t> person_by_id_and_mobile(connection& c, const std::string& id_number_hash,
                                                    const std::string& mobile_hash) {
  auto r = c.exec("SELECT id FROM persons WHERE id_number_hash = $1 AND mobile_hash = $2",
                  {bytea{id_number_hash}, bytea{mobile_hash}});
  if (r.empty()) return std::nullopt;
  return r.int64(0, 0);
}

std::int64_t insert_one_time_code(connection& c, const std::string& purpose, std::optional<std::int64_t> person_id,
                                  const std::string& code_hash, const std::optional<std::string>& mobile_hash,
                                  int minutes, const std::string& payload_json) {
  std::optional<bytea> mobile;
  if (mobile_hash) mobile = bytea{*mobile_hash};
  if (person_id)
    c.exec("UPDATE one_time_codes SET used_at = now() WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL",
           {person_id, purpose});
  else
    c.exec("UPDATE one_time_codes SET used_at = now() WHERE purpose = 'registration' AND mobile_hash = $1 "
           "AND used_at IS NULL",
           {mobile});
  auto id = c.exec("INSERT INTO one_time_codes (purpose, person_id, code_hash, mobile_hash, expires_at) "
                   "VALUES ($1, $2, $3, $4, now() + $5 * interval '1 minute') RETURNING id",
                   {purpose, person_id, bytea{code_hash}, mobile, minutes})
                .int64(0, 0);
  c.exec("INSERT INTO outbox (one_time_code_id, payload) VALUES ($1, $2::jsonb)", {id, payload_json});
  return id;
}

std::optional<one_time_code_row> live_one_time_code(connection& c, const std::string& purpose,
                                                    std::optional<std::int64_t> person_id,
                                                    const std::optional<std::string>& mobile_hash) {
  std::optional<bytea> mobile;
  if (mobile_hash) mobile = bytea{*mobile_hash};
  auto r = !person_id ? c.exec("SELECT id, code_hash, tries FROM one_time_codes WHERE purpose = 'registration' "
                               "AND mobile_hash = $1 AND used_at IS NULL AND expires_at > now() "
                               "ORDER BY id DESC LIMIT 1 FOR UPDATE",
                               {mobile})
                      : c.exec("SELECT id, code_hash, tries FROM one_time_codes WHERE person_id = $1 AND purpose = $2 "
                  "AND used_at IS NULL AND expires_at > now() AND ($3::bytea IS NULL OR mobile_hash = $3) "
                  "ORDER BY id DESC LIMIT 1 FOR UPDATE",
                  {person_id, purpose, mobile});
  if (r.empty()) return std::nullopt;
  return one_time_code_row{r.int64(0, 0), r.bytes(0, 1), static_cast<int>(r.int64(0, 2))};
}

bool set_mobile(connection& c, std::int64_t person_id, const std::string& mobile_hash, const std::string& mobile_masked) {
  try {
    c.exec("UPDATE persons SET mobile_hash = $2, mobile_masked = $3 WHERE id = $1",
           {person_id, bytea{mobile_hash}, mobile_masked});
    return true;
  } catch (const db_error& e) {
    if (e.kind() == error_kind::unique_violation) return false;
    throw;
  }
}

void count_try(connection& c, std::int64_t code_id) {
  c.exec("UPDATE one_time_codes SET tries = tries + 1 WHERE id = $1", {code_id});
}

void mark_code_used(connection& c, std::int64_t code_id) {
  c.exec("UPDATE one_time_codes SET used_at = now() WHERE id = $1", {code_id});
}

}  // namespace hallpass::server::db

namespace hallpass::server::db {

bool identity_check_used(connection& c, const std::string& check_id) {
  return !c.exec("SELECT 1 FROM identity_checks_used WHERE check_id = $1", {check_id}).empty();
}

void use_identity_check(connection& c, const std::string& check_id, const std::string& purpose) {
  c.exec("INSERT INTO identity_checks_used (check_id, purpose) VALUES ($1, $2)", {check_id, purpose});
}

}  // namespace hallpass::server::db
