#pragma once
// Password storage: scrypt (memory-hard, salted) through OpenSSL 3's EVP_KDF "SCRYPT".
//
// A stored hash is one self-describing string in the PHC string format:
//   $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>
// with salt (16 random bytes) and hash (32 bytes) in base64 without padding. The
// parameters travel with the hash, so they can be raised later: old hashes still verify,
// and needs_rehash() tells when to store a fresh hash after a successful login.
//
// Hashing is deliberately slow (about 50 ms and 16 MiB by default): never call it on an
// I/O thread. All functions are thread-safe and never throw (except std::bad_alloc).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hallpass::server::identity {

struct scrypt_params {
  // Defaults: N = 2^14, r = 8, p = 2: 128 * r * N = 16 MiB of memory per hash, about
  // 50 ms on the 2-core reference machine. p = 2 doubles the work without doubling the
  // memory, which keeps concurrent logins within budget; raise log2_n or p as hardware
  // allows (OWASP's equivalent minimum at this N is p = 5).
  std::uint32_t log2_n = 14;
  std::uint32_t r = 8;
  std::uint32_t p = 2;

  friend bool operator==(const scrypt_params&, const scrypt_params&) = default;
};

// Cheap parameters (1 MiB, about a millisecond) for tests that hash many passwords.
// Never for stored production hashes.
inline constexpr scrypt_params test_scrypt_params{10, 8, 1};

// Accepted range, for hashing and for stored strings alike (a stored string asking for
// more is malformed, so a tampered row cannot make verification eat the server):
// 1 <= log2_n <= 20, 1 <= r <= 32, 1 <= p <= 16, and 128 * r * 2^log2_n <= 256 MiB.
bool are_acceptable(const scrypt_params& params);

// Hashes with a fresh random 16-byte salt. Returns "" if the parameters are not
// acceptable, the password contains a NUL byte (HMAC inside scrypt would treat trailing
// NULs as absent), or OpenSSL fails; an empty stored hash never verifies.
std::string hash_password(std::string_view password, const scrypt_params& params = {});

// True only if `stored` is a well-formed hash string (as above: canonical, acceptable
// parameters, a 16-byte salt and a 32-byte hash), `password` has no NUL byte, and it
// hashes to it. The final
// comparison is constant-time (CRYPTO_memcmp). Malformed or tampered strings give false,
// never an error.
bool verify_password(std::string_view password, std::string_view stored);

// The parameters of a well-formed stored hash string, std::nullopt if it is malformed.
std::optional<scrypt_params> stored_params(std::string_view stored);

// True when `stored` is malformed or was made with parameters other than `wanted`: after
// a successful login, store hash_password(password, wanted) in its place.
bool needs_rehash(std::string_view stored, const scrypt_params& wanted = {});

}  // namespace hallpass::server::identity
