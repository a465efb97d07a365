#pragma once
// Secrets of the kiosk (the local API's per-boot token, idempotency keys) from OpenSSL's CSPRNG.
#include <cstddef>
#include <string>

namespace hallpass::kiosk {

// `bytes` random bytes as lower-case hex; throws std::runtime_error if the CSPRNG fails.
std::string random_hex(std::size_t bytes);

}  // namespace hallpass::kiosk
