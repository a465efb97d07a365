#pragma once
// Signed document codes: the anti-counterfeit QR code printed in the top-left corner of the
// hall's documents (受理回执, 准予 / 不予许可决定书). A compact binary payload, signed with
// ECDSA P-256 (SHA-256, raw r||s), carried in an https URL that stays in the QR code's
// alphanumeric mode, and verified offline against a trust list of the hall's public keys.
//
// Payload, version 1 (all integers big-endian):
//   0       1  version (high 4 bits, = 1) and algorithm (low 4 bits, 1 = ECDSA P-256 SHA-256)
//   1       4  key id
//   5       1  document type (1 = 受理回执, 2 = 准予许可决定书, 3 = 不予许可决定书)
//   6       8  serial (random)
//   14      4  issued at, Unix seconds
//   18      2  validity in days (1..3660)
//   20      1+n issuing office code, ASCII [0-9A-Za-z_-], n 1..16
//   ..      1+n reference: the application number, ASCII [0-9A-Za-z-], n 1..24
//   ..      1+n holder, masked as printed (王* / 常州示范****有限公司), UTF-8, n 1..48
//   ..      16 document hash: the first 16 bytes of SHA-256 over the document's printed content
//   ..      64 signature r||s over every byte before it
// Nothing may follow the signature.
#include <array>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallpass::signing {

inline constexpr std::uint8_t payload_version = 1;
inline constexpr std::uint8_t algorithm_p256 = 1;
inline constexpr std::size_t signature_size = 64;

enum class document_type : std::uint8_t { receipt = 1, approval = 2, rejection = 3 };
// "receipt", "approval", "rejection".
std::string_view document_type_name(document_type t) noexcept;

struct document_claims {
  std::uint32_t key_id = 0;
  document_type type = document_type::receipt;
  std::array<std::uint8_t, 8> serial{};
  std::int64_t issued_at = 0;  // Unix seconds
  std::uint16_t valid_days = 0;
  std::string office;     // office code
  std::string reference;  // application number
  std::string holder;     // masked, as printed
  std::array<std::uint8_t, 16> document_hash{};

  std::int64_t expires_at() const noexcept { return issued_at + std::int64_t{valid_days} * 86400; }
  std::string serial_hex() const;         // 16 lowercase hex digits
  std::string document_hash_hex() const;  // 32 lowercase hex digits
};

// SHA-256 of `printed_content` cut to 16 bytes: what document_hash holds.
std::array<std::uint8_t, 16> document_hash_of(std::string_view printed_content);

// The bytes that are signed (the payload without its signature). Throws std::invalid_argument
// when a field breaks the layout above.
std::string signed_part(const document_claims& claims);

struct parsed_payload {
  document_claims claims;
  std::string signed_bytes;  // what the signature covers
  std::string signature;     // 64 bytes r||s
};
// nullopt for anything that is not exactly one version-1 payload: truncated, padded, another
// version or algorithm, a field out of its range or alphabet.
std::optional<parsed_payload> parse_payload(std::string_view bytes);

// ECDSA P-256 keys as PEM (PKCS#8 private, SubjectPublicKeyInfo public).
struct p256_key_pair {
  std::string private_pem, public_pem;
};
p256_key_pair generate_p256_key();  // from the CSPRNG; throws std::runtime_error
// The payload: signed_part(claims) followed by its 64-byte signature. Throws
// std::invalid_argument for a key that is not a P-256 private key.
std::string sign_payload(const document_claims& claims, std::string_view private_pem);
// The raw 64-byte r||s signature of `message` (SHA-256). Throws std::invalid_argument for a key
// that is not a P-256 private key.
std::string p256_sign(std::string_view private_pem, std::string_view message);
// True only for a valid raw r||s signature of `message` by the P-256 public key.
bool p256_verify(std::string_view public_pem, std::string_view message, std::string_view signature);

// QR text. The payload is written in base 41 over the QR alphanumeric characters that are safe
// in a URL path (0-9 A-Z $ * + - :): like Base45 (RFC 9285), 2 bytes become 3 characters, but
// without Base45's space, % and /, which a URL cannot carry as they are. The URL is
// upper-cased ("HTTPS://HALL.EXAMPLE/V/…") so that the whole text stays in alphanumeric mode.
std::string base41_encode(std::string_view bytes);
std::optional<std::string> base41_decode(std::string_view text);  // nullopt: not base 41
// `base_url` is the hall's public URL (scheme://host[:port], no path): the result is
// upper-case(base_url) + "/V/" + base41_encode(payload).
std::string document_url(std::string_view base_url, std::string_view payload);
// The payload inside a document URL of the hall at `base_url` (scheme, host and the "/V/" segment
// compared without case; the base-41 text is upper case only); nullopt for another host, another
// path, or text that is not base 41.
std::optional<std::string> payload_of_url(std::string_view url, std::string_view base_url);

// The hall's public keys as a verifier caches them.
struct trusted_key {
  std::uint32_t key_id = 0;
  std::string public_pem;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> retired_at;  // signs nothing after this; its documents verify until they expire
};
struct trust_list {
  std::string issuer;  // the hall's public URL
  std::int64_t issued_at = 0;
  std::vector<trusted_key> keys;
};
// The list as signed JSON: {"list": "<the list serialized as JSON>", "signed_by": key id,
// "signature": base64url without padding of the raw r||s signature}. "list" is a JSON *string*
// holding the serialized list object {"issuer", "issued_at", "keys": [{"key_id", "public_pem",
// "created_at", "retired_at" (or null)}]} (times in Unix seconds); the signature covers the UTF-8
// bytes of that string, so the outer document may be re-formatted freely. A verifier checks the
// signature over the string, then parses it. The signer must be a key of the list that is not
// retired, and `signer_private_pem` its private key. Throws std::invalid_argument otherwise.
std::string trust_list_json(const trust_list& list, std::uint32_t signer_key_id, std::string_view signer_private_pem);
// A signed list is believed when its signer is a live (not retired) key of `trusted`, the list
// the verifier already holds; with no such list (first use, a list handed over by the operator),
// when its signer is a live key of the list itself. A list that follows `trusted` must also name
// the same issuer and be issued no earlier. Rotation: a list adding a new key is signed by a key
// the verifier already trusts. Every public_pem must be a P-256 key and key ids distinct.
// nullopt: malformed or not believed.
std::optional<trust_list> parse_trust_list(std::string_view json, const trust_list* trusted = nullptr);

// Unix seconds as RFC 3339 UTC, "2026-12-01T08:00:00Z".
inline std::string utc_time(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

enum class verdict { genuine, altered, unknown_key, retired_key_expired, expired, revoked, not_hallpass };
std::string_view verdict_name(verdict v) noexcept;  // "genuine", "altered", …
// Whether the signature verified under a key of the list (genuine, expired, retired_key_expired,
// revoked): only then do the claims say what the hall signed.
constexpr bool signature_held(verdict v) noexcept {
  return v == verdict::genuine || v == verdict::expired || v == verdict::retired_key_expired || v == verdict::revoked;
}

struct check_result {
  verdict outcome = verdict::not_hallpass;
  std::optional<document_claims> claims;  // when the payload parsed
};
// Offline check of a QR text (surrounding white space ignored) at time `now` against `keys`:
//  - not_hallpass: not a document URL of keys.issuer, or a payload that does not parse;
//  - unknown_key: no key with its id;
//  - altered: the signature does not verify, or the key had been retired before the issue time;
//  - retired_key_expired: a retired key (retired_at <= now), and the document has expired;
//  - expired: past its validity (now >= expires_at());
//  - genuine otherwise. (revoked is only known online.)
check_result check_offline(std::string_view qr_text, const trust_list& keys, std::int64_t now);

// A printed field that does not say what the code signs.
struct field_difference {
  std::string field;    // as printed: 文书类型, 申请编号, 申请人, 受理时间 / 决定日期
  std::string printed;  // what the page says ("" when the field is missing)
  std::string signed_value;
};
// Compares the page's text (pdftotext of it, or OCR, with all white space removed) with the
// signed fields: the title for the type, 申请编号, 申请人 against its mask (each run of '*'
// stands for one or more characters), and 受理时间 (a receipt, China time to the minute) or
// 决定日期 (a decision). Empty when every field agrees.
std::vector<field_difference> compare_printed(const document_claims& claims, std::string_view page_text);

}  // namespace hallpass::signing
