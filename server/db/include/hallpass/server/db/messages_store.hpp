#pragma once
// SQL for notifications: messages for an application's unit (or person), who read them, the
// applications that need a deadline reminder, and the outbox rows for the SMS platform.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

// Whose message centre: a unit (everyone acting for it) or one person (personal applications).
struct recipient {
  std::optional<std::int64_t> unit_id, person_id;
};

struct new_message {
  std::int64_t application_id = 0;
  recipient to;
  std::string kind, title, title_en, body, body_en;
  std::optional<std::string> reminder_key;  // unique: a second message with it is not made
};
// Inserts the message and its outbox row (payload_json with "message_id" added); the message id,
// or nullopt when a message with the reminder key exists already.
std::optional<std::int64_t> insert_message(connection& c, const new_message& m, const std::string& payload_json);

struct message_row {
  std::int64_t id = 0, application_id = 0;
  std::string kind, title, title_en, body, body_en, created_at;
  bool read = false;
};
// The recipient's messages, newest first, with `reader`'s read state; only ids below `before`.
std::vector<message_row> messages_of(connection& c, const recipient& to, std::int64_t reader,
                                     std::optional<std::int64_t> before, int limit);
std::int64_t unread_count(connection& c, const recipient& to, std::int64_t reader);
// Marks the recipient's message (or, without an id, all of them) read by `reader`. False when the
// message is not the recipient's.
bool mark_read(connection& c, const recipient& to, std::int64_t reader, std::optional<std::int64_t> message_id);

// Open deadlines an applicant may need reminding of: applications in 补正 (correction_deadline)
// and accepted ones with a tolerated material still missing (supply_deadline), whose deadline
// is between `from` and `to` (YYYY-MM-DD, inclusive).
struct open_deadline {
  std::int64_t application_id = 0;
  std::optional<std::int64_t> unit_id;
  std::int64_t person_id = 0;
  std::string kind;  // correction_due | supply_due
  std::string deadline;
};
std::vector<open_deadline> open_deadlines(connection& c, const std::string& from, const std::string& to);

// The masked mobile of a person, if any.
std::optional<std::string> person_mobile_masked(connection& c, std::int64_t person_id);

// One outbox row claimed for delivery: locked (FOR UPDATE SKIP LOCKED) in the caller's
// transaction, so no other node sends it meanwhile.
struct outbox_row {
  std::int64_t id = 0;
  std::string delivery_id;  // the message id, or "code-<outbox id>" for a one-time code's SMS
  std::string payload_json;
  int attempts = 0;
};
std::optional<outbox_row> claim_due_outbox(connection& c);
void mark_delivered(connection& c, std::int64_t id);
void mark_failed(connection& c, std::int64_t id, std::int64_t retry_after_ms, const std::string& error);

}  // namespace hallpass::server::db
