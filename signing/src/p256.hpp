#pragma once
// Internal: key checks shared by the trust list and the signing code.
#include <string_view>

namespace hallpass::signing::detail {

// True when `pem` is a SubjectPublicKeyInfo PEM of a P-256 public key.
bool is_p256_public_pem(std::string_view pem);

}  // namespace hallpass::signing::detail
