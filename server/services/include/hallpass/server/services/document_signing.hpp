#pragma once
// The anti-counterfeit QR code of the hall's documents (PRODUCT.md §6): each 受理回执 and
// decision is signed once, with the live signing key, and its code answers online whether it is
// genuine, revoked or expired. The keys live in the database, their private halves sealed with
// a key derived from the data key; the operator rotates and retires them (hallpass-admin keys).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/signing_store.hpp"
#include "hallpass/server/services/clock.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/personal_data.hpp"
#include "hallpass/server/services/rate_limiter.hpp"
#include "hallpass/signing/document_code.hpp"

namespace hallpass::server::services {

struct document_to_sign {
  std::int64_t application_id = 0;
  signing::document_type type = signing::document_type::receipt;
  std::string office, reference, holder;  // as printed; holder masked
  std::string printed_content;            // documents::printed_text of the document
  std::int64_t issued_at = 0;             // Unix seconds
};

struct document_check {
  signing::verdict verdict = signing::verdict::not_hallpass;
  std::optional<signing::document_claims> claims;
  std::optional<db::signed_document_row> record;  // the hall's record of that serial
};

class document_signing {
 public:
  // public_url: the hall's address, the host of every document URL.
  document_signing(db::pool& db, const personal_data_hasher& sealing, rate_limiter& limits, std::string public_url,
                   const clock& clk);

  // The document URL for the QR code: the document's signed code, made the first time (with a
  // new key when there is none yet) and the same on every later call.
  result<std::string> sign(const document_to_sign& doc);
  // The keys as verifiers get them, and that list signed by the live key.
  signing::trust_list trust_list();
  std::string signed_trust_list();
  // The online check of a code (its base-41 text): the offline verdict against the hall's keys,
  // then revoked when the hall has revoked its serial. rate_limited beyond checks_per_minute
  // from one address (anyone may ask, without signing in).
  result<document_check> check(std::string_view payload_text, const std::string& ip);

  // Operator: a new live key (the previous one retired); its id.
  std::int64_t rotate_key();
  status retire_key(std::int64_t key_id);
  std::vector<db::signing_key_row> keys();
  // Revokes a document by its serial (16 hex digits).
  status revoke(std::string_view serial_hex, const std::string& reason);

  static constexpr int checks_per_minute = 60;
  static constexpr int receipt_valid_days = 2 * 366;
  static constexpr int decision_valid_days = 3660;

 private:
  db::signing_key_row live_key(db::connection& c);
  std::int64_t rotate_on(db::connection& c);
  std::string private_pem(const db::signing_key_row& key) const;

  db::pool& db_;
  rate_limiter& limits_;
  std::string seal_key_;
  std::string public_url_;
  const clock& clock_;
};

}  // namespace hallpass::server::services
