#pragma once
// SQL for the document signing keys and the signed documents. Times are Unix seconds.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

struct signing_key_row {
  std::int64_t key_id = 0;
  std::string public_pem, sealed_private_key;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> retired_at;
};

// Every key, oldest first.
std::vector<signing_key_row> list_signing_keys(connection& c);
// The key that signs new documents (the one not retired), if any.
std::optional<signing_key_row> live_signing_key(connection& c);
// Retires the live key (if any) and stores `next` as the live one, in one transaction.
void rotate_signing_key(transaction& tx, const signing_key_row& next);
// Retires a key now; false when it is unknown or retired already.
bool retire_signing_key(connection& c, std::int64_t key_id);

struct signed_document_row {
  std::string serial;  // 8 bytes
  std::int64_t application_id = 0;
  std::string kind;    // receipt, approval, rejection
  std::int64_t key_id = 0;
  std::int64_t issued_at = 0, expires_at = 0;
  std::string payload;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> revoked_reason;
};

std::optional<signed_document_row> find_signed_document(connection& c, std::int64_t application_id, const std::string& kind);
std::optional<signed_document_row> find_signed_document_by_serial(connection& c, const std::string& serial);
// Stores it unless the application already has a document of that kind; returns the one stored.
signed_document_row save_signed_document(connection& c, const signed_document_row& d);
// Revokes it now; false when unknown or revoked already.
bool revoke_signed_document(connection& c, const std::string& serial, const std::string& reason);

}  // namespace hallpass::server::db
