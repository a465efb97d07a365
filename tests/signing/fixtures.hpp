#pragma once
// Shared by the signing tests: keys made once per test program, a typical receipt, a trust list.
#include "hallpass/signing/document_code.hpp"

#include <string>

namespace hallpass::signing::test {

inline constexpr std::string_view hall = "https://hall.example.gov.cn";
inline constexpr std::int64_t issued = 1796083200;  // 2026-12-01T00:00:00Z

// Three P-256 key pairs, generated on first use.
inline const p256_key_pair& key(int i) {
  static const p256_key_pair keys[3] = {generate_p256_key(), generate_p256_key(), generate_p256_key()};
  return keys[i];
}

// A receipt as the hall prints it, signed by key id 7.
inline document_claims receipt() {
  document_claims c;
  c.key_id = 7;
  c.type = document_type::receipt;
  c.serial = {0x3a, 0x91, 0x5c, 0x07, 0xe2, 0x44, 0x18, 0xbd};
  c.issued_at = issued;
  c.valid_days = 365;
  c.office = "HC-RSJ";
  c.reference = "HC20261201000123";
  c.holder = "常州示范****有限公司";
  c.document_hash = document_hash_of("受理回执 HC20261201000123 常州示范****有限公司 …");
  return c;
}

inline trusted_key live_key(std::uint32_t id, int which) {
  return trusted_key{id, key(which).public_pem, issued - 86400 * 30, std::nullopt};
}

// The hall's list: key 7 (key(0)) live.
inline trust_list hall_list() {
  return trust_list{std::string(hall), issued - 86400, {live_key(7, 0)}};
}

}  // namespace hallpass::signing::test
