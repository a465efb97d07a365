#pragma once
// One-time codes (schema/0006_one_time_codes.sql) and their SMS in the outbox.
#include <cstdint>
#include <optional>
#include <string>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

// The person whose ID number and mobile hash to these values (both must match), if any.
std::optional<std::int64_t> person_by_id_and_mobile(connection& c, const std::string& id_number_hash,
                                                    const std::string& mobile_hash);

// Stores a code (its keyed hash, and for a new mobile that mobile's hash) valid for `minutes`,
// ends the person's earlier live codes of that purpose, and queues its SMS (`payload_json`, which
// names the mobile) in the outbox. A registration code has no person: it belongs to its mobile,
// whose earlier live registration codes it ends.
std::int64_t insert_one_time_code(connection& c, const std::string& purpose, std::optional<std::int64_t> person_id,
                                  const std::string& code_hash, const std::optional<std::string>& mobile_hash,
                                  int minutes, const std::string& payload_json);

struct one_time_code_row {
  std::int64_t id = 0;
  std::string code_hash;
  int tries = 0;
};
// The person's newest code of `purpose` that is unused and unexpired, locked for the check;
// with `mobile_hash`, only one that went to that mobile. Without a person: the mobile's newest
// live registration code.
std::optional<one_time_code_row> live_one_time_code(connection& c, const std::string& purpose,
                                                    std::optional<std::int64_t> person_id,
                                                    const std::optional<std::string>& mobile_hash);
// Replaces the person's mobile (false when another person has it).
bool set_mobile(connection& c, std::int64_t person_id, const std::string& mobile_hash, const std::string& mobile_masked);
void count_try(connection& c, std::int64_t code_id);
// Whether an identity check of the real-name service registered someone already; recording that
// it has (a unique violation when another transaction did so first).
bool identity_check_used(connection& c, const std::string& check_id);
void use_identity_check(connection& c, const std::string& check_id, const std::string& purpose);
void mark_code_used(connection& c, std::int64_t code_id);

}  // namespace hallpass::server::db
