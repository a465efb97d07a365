// Fuzz target: what a verifier of the hall's signed document codes reads (signing/): the scanned
// QR text, the payload bytes inside it, and the trust list JSON. The first byte picks the reader,
// the rest is its input:
//   0 parse_payload     (what parses must write back byte for byte)
//   1 base41_decode     (what decodes must encode back to the same text)
//   2 payload_of_url    (what is accepted must be document_url of the payload, up to case)
//   3 check_offline     against a fixed trust list (a verdict other than not_hallpass has claims)
//   4 parse_trust_list  alone and after the fixed list
// Nothing may crash, and every property above must hold.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hallpass/signing/document_code.hpp"

using namespace hallpass::signing;

namespace {

constexpr std::string_view issuer = "https://hall.example.gov.cn";

// Key 1 is live, key 2 retired. The seed corpus (corpus/document_code/) holds payloads and a list
// signed with their private keys, which are kept nowhere: nothing else ever trusts these keys.
const trust_list& fixed_list() {
  static const trust_list list{
      std::string(issuer),
      1796000000,
      {
          trusted_key{1,
                      "-----BEGIN PUBLIC KEY-----\n"
                      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESiW1zSPL4aQf25lCbKkDE3Erx5bN\n"
                      "MRLxnYDO1yQhY6nq9abBg54YqP7nXwfglI4dd3aEp8FZ0KFxwLvYptC07w==\n"
                      "-----END PUBLIC KEY-----\n",
                      1790000000, std::nullopt},
          trusted_key{2,
                      "-----BEGIN PUBLIC KEY-----\n"
                      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEO31e9xVt1XV/aEFUIlguantRSU6v\n"
                      "oDNWTBCLcmnTeZuIegQWyHlUdyDPpXRJMgKAZpBmaUgWnkAZdLdhujy3aQ==\n"
                      "-----END PUBLIC KEY-----\n",
                      1780000000, 1795000000},
      }};
  return list;
}

constexpr std::int64_t now = 1796083200 + 86400;  // 2026-12-02

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      const auto p = parse_payload(in);
      if (!p) break;
      if (p->signature.size() != signature_size || p->signed_bytes + p->signature != in) std::abort();
      if (signed_part(p->claims) != p->signed_bytes) std::abort();  // must not throw either
      for (const auto& k : fixed_list().keys) (void)p256_verify(k.public_pem, p->signed_bytes, p->signature);
      break;
    }
    case 1: {
      const auto bytes = base41_decode(in);
      if (bytes && base41_encode(*bytes) != in) std::abort();
      if (base41_decode(base41_encode(in)) != std::string(in)) std::abort();
      break;
    }
    case 2: {
      const auto payload = payload_of_url(in, issuer);
      if (payload && document_url(issuer, *payload) != upper(in)) std::abort();
      break;
    }
    case 3: {
      const auto r = check_offline(in, fixed_list(), now);
      if (r.outcome != verdict::not_hallpass && !r.claims) std::abort();
      if (r.outcome == verdict::revoked) std::abort();  // only known online
      (void)verdict_name(r.outcome);
      if (r.claims) (void)r.claims->serial_hex();
      break;
    }
    case 4: {
      (void)parse_trust_list(in);
      const auto next = parse_trust_list(in, &fixed_list());
      if (next && (next->issuer != issuer || next->issued_at < fixed_list().issued_at)) std::abort();
      break;
    }
  }
  return 0;
}
