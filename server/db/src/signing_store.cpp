// SQL for the document signing keys and the signed documents.
#include "hallpass/server/db/signing_store.hpp"

namespace hallpass::server::db {

namespace {

constexpr const char* key_columns =
    "key_id, public_pem, sealed_private_key, extract(epoch FROM created_at)::bigint, "
    "extract(epoch FROM retired_at)::bigint";

signing_key_row key_at(const rows& r, int i) {
  signing_key_row k{r.int64(i, 0), r.str(i, 1), r.bytes(i, 2), r.int64(i, 3), std::nullopt};
  if (!r.is_null(i, 4)) k.retired_at = r.int64(i, 4);
  return k;
}

constexpr const char* document_columns =
    "serial, application_id, kind, key_id, extract(epoch FROM issued_at)::bigint, "
    "extract(epoch FROM expires_at)::bigint, payload, extract(epoch FROM revoked_at)::bigint, revoked_reason";

signed_document_row document_at(const rows& r, int i) {
  signed_document_row d{r.bytes(i, 0), r.int64(i, 1), r.str(i, 2), r.int64(i, 3), r.int64(i, 4), r.int64(i, 5),
                        r.bytes(i, 6), std::nullopt, r.opt(i, 8)};
  if (!r.is_null(i, 7)) d.revoked_at = r.int64(i, 7);
  return d;
}

std::optional<signed_document_row> first_document(const rows& r) {
  if (r.size() == 0) return std::nullopt;
  return document_at(r, 0);
}

}  // namespace

std::vector<signing_key_row> list_signing_keys(connection& c) {
  auto r = c.exec(std::string("SELECT ") + key_columns + " FROM signing_keys ORDER BY created_at, key_id");
  std::vector<signing_key_row> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(key_at(r, i));
  return out;
}

std::optional<signing_key_row> live_signing_key(connection& c) {
  auto r = c.exec(std::string("SELECT ") + key_columns + " FROM signing_keys WHERE retired_at IS NULL");
  if (r.size() == 0) return std::nullopt;
  return key_at(r, 0);
}

void rotate_signing_key(transaction& tx, const signing_key_row& next) {
  tx.exec("UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL");
  tx.exec("INSERT INTO signing_keys (key_id, public_pem, sealed_private_key) VALUES ($1, $2, $3)",
          {next.key_id, next.public_pem, bytea{next.sealed_private_key}});
}

bool retire_signing_key(connection& c, std::int64_t key_id) {
  return c.exec("UPDATE signing_keys SET retired_at = now() WHERE key_id = $1 AND retired_at IS NULL", {key_id})
             .affected() == 1;
}

std::optional<signed_document_row> find_signed_document(connection& c, std::int64_t application_id,
                                                        const std::string& kind) {
  return first_document(c.exec(std::string("SELECT ") + document_columns +
                                   " FROM signed_documents WHERE application_id = $1 AND kind = $2",
                               {application_id, kind}));
}

std::optional<signed_document_row> find_signed_document_by_serial(connection& c, const std::string& serial) {
  return first_document(
      c.exec(std::string("SELECT ") + document_columns + " FROM signed_documents WHERE serial = $1", {bytea{serial}}));
}

signed_document_row save_signed_document(connection& c, const signed_document_row& d) {
  c.exec("INSERT INTO signed_documents (serial, application_id, kind, key_id, issued_at, expires_at, payload) "
         "VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6), $7) "
         "ON CONFLICT (application_id, kind) DO NOTHING",
         {bytea{d.serial}, d.application_id, d.kind, d.key_id, d.issued_at, d.expires_at, bytea{d.payload}});
  return *find_signed_document(c, d.application_id, d.kind);
}

bool revoke_signed_document(connection& c, const std::string& serial, const std::string& reason) {
  return c.exec("UPDATE signed_documents SET revoked_at = now(), revoked_reason = $2 "
                "WHERE serial = $1 AND revoked_at IS NULL",
                {bytea{serial}, reason})
             .affected() == 1;
}

}  // namespace hallpass::server::db
