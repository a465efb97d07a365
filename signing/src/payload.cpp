// Payload layout (document_code.hpp): writing the signed part, parsing a whole payload, and the
// document hash.
#include "hallpass/signing/document_code.hpp"

#include <openssl/sha.h>

#include <stdexcept>

namespace hallpass::signing {
namespace {

constexpr std::uint8_t version_byte = (payload_version << 4) | algorithm_p256;
constexpr std::uint16_t max_valid_days = 3660;
constexpr std::size_t max_office = 16, max_reference = 24, max_holder = 48;

bool alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool office_ok(std::string_view s) {
  if (s.empty() || s.size() > max_office) return false;
  for (unsigned char c : s)
    if (!alnum(c) && c != '_' && c != '-') return false;
  return true;
}
bool reference_ok(std::string_view s) {
  if (s.empty() || s.size() > max_reference) return false;
  for (unsigned char c : s)
    if (!alnum(c) && c != '-') return false;
  return true;
}
// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) without
// control characters: a name as printed.
bool holder_ok(std::string_view s) {
  if (s.empty() || s.size() > max_holder) return false;
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
    else return false;
    if (s.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    if (cp >= 0x80 && cp <= 0x9f) return false;  // C1 controls
    i += n + 1;
  }
  return true;
}

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_field(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>(s.size()));
  out.append(s);
}

// Reads the payload front to back; every read fails once the bytes run out.
struct reader {
  std::string_view in;
  std::size_t pos = 0;
  bool ok = true;

  std::uint64_t be(std::size_t n) {
    if (!ok || in.size() - pos < n) { ok = false; return 0; }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(in[pos + i]);
    pos += n;
    return v;
  }
  std::string_view bytes(std::size_t n) {
    if (!ok || in.size() - pos < n) { ok = false; return {}; }
    auto s = in.substr(pos, n);
    pos += n;
    return s;
  }
  std::string_view field() { return bytes(static_cast<std::size_t>(be(1))); }
};

}  // namespace

std::string_view document_type_name(document_type t) noexcept {
  switch (t) {
    case document_type::receipt: return "receipt";
    case document_type::approval: return "approval";
    case document_type::rejection: return "rejection";
  }
  return "unknown";
}

namespace {

template <std::size_t N>
std::string hex_of(const std::array<std::uint8_t, N>& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

}  // namespace

std::string document_claims::serial_hex() const { return hex_of(serial); }
std::string document_claims::document_hash_hex() const { return hex_of(document_hash); }

std::array<std::uint8_t, 16> document_hash_of(std::string_view printed_content) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(printed_content.data()), printed_content.size(), digest);
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = digest[i];
  return out;
}

std::string signed_part(const document_claims& c) {
  const auto t = static_cast<std::uint8_t>(c.type);
  if (t < 1 || t > 3) throw std::invalid_argument("document code: unknown document type");
  if (c.issued_at < 0 || c.issued_at > 0xffffffffLL)
    throw std::invalid_argument("document code: issue time out of range");
  if (c.valid_days < 1 || c.valid_days > max_valid_days)
    throw std::invalid_argument("document code: validity must be 1..3660 days");
  if (!office_ok(c.office)) throw std::invalid_argument("document code: office code must be 1..16 of [0-9A-Za-z_-]");
  if (!reference_ok(c.reference))
    throw std::invalid_argument("document code: reference must be 1..24 of [0-9A-Za-z-]");
  if (!holder_ok(c.holder))
    throw std::invalid_argument("document code: holder must be 1..48 bytes of UTF-8 without control characters");
  std::string out;
  out.reserve(20 + 3 + c.office.size() + c.reference.size() + c.holder.size() + 16);
  out.push_back(static_cast<char>(version_byte));
  put_be(out, c.key_id, 4);
  out.push_back(static_cast<char>(t));
  for (auto b : c.serial) out.push_back(static_cast<char>(b));
  put_be(out, static_cast<std::uint64_t>(c.issued_at), 4);
  put_be(out, c.valid_days, 2);
  put_field(out, c.office);
  put_field(out, c.reference);
  put_field(out, c.holder);
  for (auto b : c.document_hash) out.push_back(static_cast<char>(b));
  return out;
}

std::optional<parsed_payload> parse_payload(std::string_view bytes) {
  reader r{bytes};
  if (r.be(1) != version_byte || !r.ok) return std::nullopt;
  parsed_payload p;
  auto& c = p.claims;
  c.key_id = static_cast<std::uint32_t>(r.be(4));
  const auto t = r.be(1);
  if (t < 1 || t > 3) return std::nullopt;
  c.type = static_cast<document_type>(t);
  const auto serial = r.bytes(8);
  if (!r.ok) return std::nullopt;
  for (std::size_t i = 0; i < 8; ++i) c.serial[i] = static_cast<std::uint8_t>(serial[i]);
  c.issued_at = static_cast<std::int64_t>(r.be(4));
  c.valid_days = static_cast<std::uint16_t>(r.be(2));
  if (c.valid_days < 1 || c.valid_days > max_valid_days) return std::nullopt;
  const auto office = r.field();
  const auto reference = r.field();
  const auto holder = r.field();
  const auto hash = r.bytes(16);
  const auto signed_end = r.pos;
  const auto signature = r.bytes(signature_size);
  if (!r.ok || r.pos != bytes.size()) return std::nullopt;
  if (!office_ok(office) || !reference_ok(reference) || !holder_ok(holder)) return std::nullopt;
  c.office = office;
  c.reference = reference;
  c.holder = holder;
  for (std::size_t i = 0; i < 16; ++i) c.document_hash[i] = static_cast<std::uint8_t>(hash[i]);
  p.signed_bytes = bytes.substr(0, signed_end);
  p.signature = signature;
  return p;
}

}  // namespace hallpass::signing
