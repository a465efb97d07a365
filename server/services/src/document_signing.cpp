// Signing the hall's documents, the keys that do it, and the online check of a code.
#include "hallpass/server/services/document_signing.hpp"

#include <chrono>

#include <openssl/rand.h>

#include "hallpass/server/identity/sealed_box.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/log.hpp"

namespace hallpass::server::services {

namespace {

std::int64_t unix_now(const clock& c) {
  return std::chrono::duration_cast<std::chrono::seconds>(c.now().time_since_epoch()).count();
}

std::string kind_of(signing::document_type t) { return std::string(signing::document_type_name(t)); }

std::optional<std::string> serial_from_hex(std::string_view hex) {
  std::string out(8, '\0');
  if (!identity::lower_hex_decode(hex, reinterpret_cast<unsigned char*>(out.data()), out.size())) return std::nullopt;
  return out;
}

}  // namespace

document_signing::document_signing(db::pool& db, const personal_data_hasher& sealing, rate_limiter& limits,
                                   std::string public_url, const clock& clk)
    : db_(db), limits_(limits), seal_key_(sealing("signing-key-seal", "v1")), public_url_(std::move(public_url)), clock_(clk) {}

std::string document_signing::private_pem(const db::signing_key_row& key) const {
  auto pem = identity::unseal(seal_key_, key.sealed_private_key);
  if (!pem) throw std::runtime_error("signing key " + std::to_string(key.key_id) + " cannot be unsealed with this node's data key");
  return *pem;
}

db::signing_key_row document_signing::live_key(db::connection& c) {
  if (auto key = db::live_signing_key(c)) return *key;
  try {
    rotate_on(c);  // the first document makes the first key
  } catch (const db::db_error& e) {
    if (e.constraint != "signing_keys_one_live") throw;  // another node made it at the same time
  }
  return *db::live_signing_key(c);
}

std::int64_t document_signing::rotate_key() {
  auto conn = db_.acquire();
  return rotate_on(*conn);
}

std::int64_t document_signing::rotate_on(db::connection& c) {
  auto pair = signing::generate_p256_key();
  db::signing_key_row next;
  next.public_pem = pair.public_pem;
  next.sealed_private_key = identity::seal(seal_key_, pair.private_pem);
  for (;;) {
    std::uint32_t id = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1) throw std::runtime_error("no random bytes");
    if (id == 0) continue;
    next.key_id = id;
    try {
      db::transaction tx(c);
      db::rotate_signing_key(tx, next);
      tx.commit();
      break;
    } catch (const db::db_error& e) {
      if (e.constraint != "signing_keys_pkey") throw;  // a key id taken already: draw another
    }
  }
  log_line("info", "signing_key_created", {{"key_id", std::to_string(next.key_id)}});
  return next.key_id;
}

status document_signing::retire_key(std::int64_t key_id) {
  auto conn = db_.acquire();
  if (!db::retire_signing_key(*conn, key_id)) return errc::signing_key_not_found;
  log_line("info", "signing_key_retired", {{"key_id", std::to_string(key_id)}});
  return ok();
}

std::vector<db::signing_key_row> document_signing::keys() {
  auto conn = db_.acquire();
  return db::list_signing_keys(*conn);
}

result<std::string> document_signing::sign(const document_to_sign& doc) {
  auto conn = db_.acquire();
  const auto kind = kind_of(doc.type);
  if (auto existing = db::find_signed_document(*conn, doc.application_id, kind))
    return signing::document_url(public_url_, existing->payload);
  auto key = live_key(*conn);
  signing::document_claims claims;
  claims.key_id = static_cast<std::uint32_t>(key.key_id);
  claims.type = doc.type;
  if (RAND_bytes(claims.serial.data(), static_cast<int>(claims.serial.size())) != 1) return errc::internal;
  claims.issued_at = doc.issued_at;
  claims.valid_days = doc.type == signing::document_type::receipt ? receipt_valid_days : decision_valid_days;
  claims.office = doc.office;
  claims.reference = doc.reference;
  claims.holder = doc.holder;
  claims.document_hash = signing::document_hash_of(doc.printed_content);
  db::signed_document_row row;
  row.serial.assign(claims.serial.begin(), claims.serial.end());
  row.application_id = doc.application_id;
  row.kind = kind;
  row.key_id = key.key_id;
  row.issued_at = claims.issued_at;
  row.expires_at = claims.expires_at();
  row.payload = signing::sign_payload(claims, private_pem(key));
  auto stored = db::save_signed_document(*conn, row);  // a concurrent download may have won
  return signing::document_url(public_url_, stored.payload);
}

signing::trust_list document_signing::trust_list() {
  signing::trust_list list;
  list.issuer = public_url_;
  list.issued_at = unix_now(clock_);
  for (auto& k : keys())
    list.keys.push_back({static_cast<std::uint32_t>(k.key_id), k.public_pem, k.created_at, k.retired_at});
  return list;
}

std::string document_signing::signed_trust_list() {
  auto conn = db_.acquire();
  auto key = live_key(*conn);
  return signing::trust_list_json(trust_list(), static_cast<std::uint32_t>(key.key_id), private_pem(key));
}

result<document_check> document_signing::check(std::string_view payload_text, const std::string& ip) {
  if (int wait = limits_.hit("document-check-ip:" + ip, checks_per_minute, 60)) return error(errc::rate_limited, wait);
  document_check out;
  auto payload = signing::base41_decode(payload_text);
  if (!payload) return out;
  auto offline = signing::check_offline(signing::document_url(public_url_, *payload), trust_list(), unix_now(clock_));
  out.verdict = offline.outcome;
  out.claims = offline.claims;
  if (out.claims && signing::signature_held(out.verdict)) {
    auto conn = db_.acquire();
    const auto& s = out.claims->serial;
    out.record = db::find_signed_document_by_serial(*conn, std::string(s.begin(), s.end()));
    if (out.record && out.record->revoked_at) out.verdict = signing::verdict::revoked;
  }
  return out;
}

status document_signing::revoke(std::string_view serial_hex, const std::string& reason) {
  auto serial = serial_from_hex(serial_hex);
  if (!serial || reason.empty() || reason.size() > 200) return errc::signed_document_not_found;
  auto conn = db_.acquire();
  if (!db::revoke_signed_document(*conn, *serial, reason)) return errc::signed_document_not_found;
  log_line("info", "signed_document_revoked", {{"serial", json_str(std::string(serial_hex))}});
  return ok();
}

}  // namespace hallpass::server::services
