#pragma once
// A document code signed by a hall's key 7, and that hall's trust list, for the printing tests:
// what a receipt's QR code carries, made with the real signing library.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hallpass/signing/document_code.hpp"

namespace hallpass::kiosk::test {

struct signed_code {
  std::string url;
  signing::trust_list keys;
};

// A receipt of application `reference` for `holder` (as printed, masked), issued at `issued`.
inline signed_code make_signed_code(std::string_view hall, std::int64_t issued, const std::string& reference,
                                    const std::string& holder, std::array<std::uint8_t, 8> serial) {
  namespace sg = hallpass::signing;
  const auto key = sg::generate_p256_key();
  sg::document_claims c;
  c.key_id = 7;
  c.type = sg::document_type::receipt;
  c.serial = serial;
  c.issued_at = issued;
  c.valid_days = 365;
  c.office = "HC-RSJ";
  c.reference = reference;
  c.holder = holder;
  c.document_hash = sg::document_hash_of("受理回执 " + reference + " " + holder);
  sg::trust_list keys{std::string(hall), issued - 86400, {{7, key.public_pem, issued - 86400 * 30, std::nullopt}}};
  return {sg::document_url(hall, sg::sign_payload(c, key.private_pem)), keys};
}

}  // namespace hallpass::kiosk::test
