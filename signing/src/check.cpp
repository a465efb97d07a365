// The offline check of a scanned document code against the trust list.
#include "hallpass/signing/document_code.hpp"

namespace hallpass::signing {

std::string_view verdict_name(verdict v) noexcept {
  switch (v) {
    case verdict::genuine: return "genuine";
    case verdict::altered: return "altered";
    case verdict::unknown_key: return "unknown_key";
    case verdict::retired_key_expired: return "retired_key_expired";
    case verdict::expired: return "expired";
    case verdict::revoked: return "revoked";
    case verdict::not_hallpass: return "not_hallpass";
  }
  return "not_hallpass";
}

check_result check_offline(std::string_view qr_text, const trust_list& keys, std::int64_t now) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = qr_text.find_first_not_of(space);
  qr_text = first == std::string_view::npos ? std::string_view() : qr_text.substr(first, qr_text.find_last_not_of(space) - first + 1);

  check_result r;
  const auto payload = payload_of_url(qr_text, keys.issuer);
  if (!payload) return r;
  auto parsed = parse_payload(*payload);
  if (!parsed) return r;
  r.claims = parsed->claims;
  const auto& c = parsed->claims;

  const trusted_key* key = nullptr;
  for (const auto& k : keys.keys)
    if (k.key_id == c.key_id) key = &k;
  if (key == nullptr) {
    r.outcome = verdict::unknown_key;
    return r;
  }
  if (!p256_verify(key->public_pem, parsed->signed_bytes, parsed->signature) ||
      (key->retired_at && *key->retired_at < c.issued_at)) {
    r.outcome = verdict::altered;
    return r;
  }
  const bool expired = now >= c.expires_at();
  const bool retired = key->retired_at && *key->retired_at <= now;
  if (expired) r.outcome = retired ? verdict::retired_key_expired : verdict::expired;
  else r.outcome = verdict::genuine;
  return r;
}

}  // namespace hallpass::signing
