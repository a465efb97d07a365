#pragma once
// Random secrets, digests and encodings for sessions, tickets and upload codes
// (PRODUCT.md §2: opaque random tokens of at least 128 bits, stored only as hashes).
//
// Randomness comes from OpenSSL's CSPRNG (RAND_bytes). If OpenSSL itself fails (the
// system cannot supply entropy, a broken library), random_token, random_uniform and the
// sha256 functions throw std::runtime_error instead of returning something guessable:
// that ends the request. Nothing else throws (except std::bad_alloc); all is thread-safe.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace hallpass::server::identity {

// `bytes` random bytes encoded with base64url without padding: the default 16 bytes
// (128 bits) give 22 characters from A-Z a-z 0-9 '-' '_'. bytes == 0 gives "".
std::string random_token(std::size_t bytes = 16);

// A uniformly distributed number in [0, bound), without modulo bias (rejection sampling
// over the CSPRNG). bound 0 or 1 gives 0.
std::uint32_t random_uniform(std::uint32_t bound);

// `length` characters drawn uniformly and independently from `alphabet` (1 to 256 distinct
// characters), from one draw of the CSPRNG for up to 64 characters.
std::string random_text(std::string_view alphabet, std::size_t length);

// SHA-256 of the bytes, as 64 lower-case hex digits / as 43 base64url characters.
std::string sha256_hex(std::string_view data);
std::string sha256_b64url(std::string_view data);

// Lower-case hex digits back to bytes: fills `out` whole from exactly 2 * size digits, else false.
bool lower_hex_decode(std::string_view hex, unsigned char* out, std::size_t size);

// SHA-256 of bytes that come in parts (a file read back piece by piece): update() with each part
// in order; hex() then gives what sha256_hex gives for all of them joined, and does not end the
// stream (more parts may follow). Movable, not copyable; a moved-from stream may only be
// destroyed or assigned to.
class sha256_stream {
 public:
  sha256_stream();
  void update(std::string_view data);
  std::string hex() const;

 private:
  struct free_context {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, free_context> context_;
};

// True when both hold the same bytes. For equal lengths the time does not depend on the
// contents (CRYPTO_memcmp); a length difference returns at once, so compare values of a
// public, fixed length (digests, tokens of one kind).
bool constant_time_equal(std::string_view a, std::string_view b);

// RFC 4648 §5 base64url without '=' padding.
std::string base64url_encode(std::string_view bytes);
// Decodes only the canonical form base64url_encode produces: no padding, no white space,
// no other characters, unused trailing bits zero. Anything else gives std::nullopt.
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 §4 base64 (alphabet with '+' and '/') without '=' padding, as in the PHC
// string format used for stored password hashes. Decoding is just as strict.
std::string base64_encode_unpadded(std::string_view bytes);
std::optional<std::string> base64_decode_unpadded(std::string_view text);

}  // namespace hallpass::server::identity
