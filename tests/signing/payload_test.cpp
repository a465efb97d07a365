// Payload layout: what is written, what parses, and what the signature covers.
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace hallpass::signing;
using namespace hallpass::signing::test;

TEST(SigningPayload, LayoutOfATypicalReceipt) {
  const auto c = receipt();
  const auto part = signed_part(c);
  // 20 fixed bytes, office 1+6, reference 1+16, holder 1+28, hash 16.
  ASSERT_EQ(part.size(), 20u + 7 + 17 + 29 + 16);
  EXPECT_EQ(static_cast<unsigned char>(part[0]), 0x11);  // version 1, algorithm 1
  EXPECT_EQ(part.substr(1, 4), std::string("\0\0\0\x07", 4));
  EXPECT_EQ(part[5], 1);
  EXPECT_EQ(part.substr(14, 4), std::string("\x6b\x0e\x0e\x00", 4));  // 1796083200 big-endian
  EXPECT_EQ(part.substr(18, 2), std::string("\x01\x6d", 2));          // 365
  EXPECT_EQ(part.substr(20, 7), std::string("\x06HC-RSJ"));
  EXPECT_EQ(c.serial_hex(), "3a915c07e24418bd");
  EXPECT_EQ(c.expires_at(), issued + 365 * 86400);
  EXPECT_EQ(document_type_name(document_type::approval), "approval");
}

TEST(SigningPayload, SignAndParseRoundTrip) {
  const auto c = receipt();
  const auto payload = sign_payload(c, key(0).private_pem);
  ASSERT_EQ(payload.size(), signed_part(c).size() + signature_size);
  const auto p = parse_payload(payload);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->signed_bytes, signed_part(c));
  EXPECT_EQ(p->signature, payload.substr(payload.size() - 64));
  EXPECT_EQ(p->claims.key_id, 7u);
  EXPECT_EQ(p->claims.serial, c.serial);
  EXPECT_EQ(p->claims.issued_at, c.issued_at);
  EXPECT_EQ(p->claims.valid_days, 365);
  EXPECT_EQ(p->claims.office, "HC-RSJ");
  EXPECT_EQ(p->claims.reference, "HC20261201000123");
  EXPECT_EQ(p->claims.holder, "常州示范****有限公司");
  EXPECT_EQ(p->claims.document_hash, c.document_hash);
  EXPECT_TRUE(p256_verify(key(0).public_pem, p->signed_bytes, p->signature));
  EXPECT_FALSE(p256_verify(key(1).public_pem, p->signed_bytes, p->signature));
}

TEST(SigningPayload, DocumentHashIsTheFirstHalfOfSha256) {
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223 b00361a396177a9cb410ff61f20015ad
  const auto h = document_hash_of("abc");
  const std::array<std::uint8_t, 16> want{0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                          0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23};
  EXPECT_EQ(h, want);
}

TEST(SigningPayload, SignedPartRefusesFieldsOutsideTheLayout) {
  auto bad = [](auto change) {
    auto c = receipt();
    change(c);
    return c;
  };
  const document_claims cases[] = {
      bad([](document_claims& c) { c.office = ""; }),
      bad([](document_claims& c) { c.office = std::string(17, 'A'); }),
      bad([](document_claims& c) { c.office = "HC.RSJ"; }),
      bad([](document_claims& c) { c.reference = "HC_2026"; }),
      bad([](document_claims& c) { c.reference = std::string(25, '1'); }),
      bad([](document_claims& c) { c.holder = ""; }),
      bad([](document_claims& c) { c.holder = std::string(49, 'x'); }),
      bad([](document_claims& c) { c.holder = "\xe5\xb8"; }),          // cut UTF-8
      bad([](document_claims& c) { c.holder = "\xc0\xaf"; }),          // overlong
      bad([](document_claims& c) { c.holder = "\xed\xa0\x80"; }),      // surrogate
      bad([](document_claims& c) { c.holder = "王\n*"; }),             // control character
      bad([](document_claims& c) { c.valid_days = 0; }),
      bad([](document_claims& c) { c.valid_days = 3661; }),
      bad([](document_claims& c) { c.type = static_cast<document_type>(4); }),
      bad([](document_claims& c) { c.issued_at = -1; }),
      bad([](document_claims& c) { c.issued_at = 0x100000000LL; }),
  };
  for (const auto& c : cases) EXPECT_THROW(signed_part(c), std::invalid_argument) << c.holder;
  auto ok = receipt();
  ok.office = std::string(16, 'z');
  ok.reference = std::string(24, '9');
  ok.holder = std::string(48, 'h');
  ok.valid_days = 3660;
  EXPECT_NO_THROW(signed_part(ok));
}

TEST(SigningPayload, SignRefusesKeysThatAreNotP256PrivateKeys) {
  EXPECT_THROW(sign_payload(receipt(), "not a key"), std::invalid_argument);
  EXPECT_THROW(sign_payload(receipt(), key(0).public_pem), std::invalid_argument);
  EXPECT_THROW(p256_sign("", "message"), std::invalid_argument);
}

TEST(SigningPayload, VerifyRefusesBadSignaturesAndKeys) {
  const auto sig = p256_sign(key(0).private_pem, "message");
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(p256_verify(key(0).public_pem, "message", sig));
  EXPECT_FALSE(p256_verify(key(0).public_pem, "messagE", sig));
  EXPECT_FALSE(p256_verify(key(0).public_pem, "message", sig.substr(0, 63)));
  EXPECT_FALSE(p256_verify(key(0).public_pem, "message", sig + "x"));
  EXPECT_FALSE(p256_verify(key(0).public_pem, "message", std::string(64, '\0')));
  EXPECT_FALSE(p256_verify(key(0).public_pem, "message", std::string(64, '\xff')));
  EXPECT_FALSE(p256_verify("garbage", "message", sig));
  EXPECT_FALSE(p256_verify(key(0).private_pem, "message", sig));
}

TEST(SigningPayload, ParseRefusesTruncatedPaddedAndOtherVersions) {
  const auto payload = sign_payload(receipt(), key(0).private_pem);
  for (std::size_t cut = 1; cut <= payload.size(); ++cut)
    EXPECT_FALSE(parse_payload(payload.substr(0, payload.size() - cut))) << "cut " << cut;
  EXPECT_FALSE(parse_payload(payload + '\0'));
  EXPECT_FALSE(parse_payload(payload + 'A'));
  // A correctly signed payload of version 2, or of algorithm 2.
  for (unsigned char first : {0x21, 0x12, 0x01, 0x10}) {
    auto part = signed_part(receipt());
    part[0] = static_cast<char>(first);
    EXPECT_FALSE(parse_payload(part + p256_sign(key(0).private_pem, part))) << int(first);
  }
}

TEST(SigningPayload, ParseRefusesFieldsOutOfRange) {
  const auto good = signed_part(receipt());
  auto resigned = [](std::string part) { return part + p256_sign(key(0).private_pem, part); };
  auto with = [&](std::size_t at, char v) {
    auto p = good;
    p[at] = v;
    return resigned(p);
  };
  EXPECT_FALSE(parse_payload(with(5, 0)));      // type 0
  EXPECT_FALSE(parse_payload(with(5, 4)));      // type 4
  {  // validity 0 and 3661
    auto p = good;
    p[18] = 0, p[19] = 0;
    EXPECT_FALSE(parse_payload(resigned(p)));
    p[18] = 0x0e, p[19] = 0x4d;
    EXPECT_FALSE(parse_payload(resigned(p)));
  }
  EXPECT_FALSE(parse_payload(with(20, 0)));     // empty office
  EXPECT_FALSE(parse_payload(with(21, '.')));   // office alphabet
  EXPECT_FALSE(parse_payload(with(28, '_')));   // reference alphabet
  EXPECT_FALSE(parse_payload(with(45, '\xff'))); // holder not UTF-8
  EXPECT_TRUE(parse_payload(resigned(good)));
}
