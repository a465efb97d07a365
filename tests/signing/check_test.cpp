// check_offline: every verdict, and every single-bit change of a signed payload.
#include "fixtures.hpp"

#include <gtest/gtest.h>

using namespace hallpass::signing;
using namespace hallpass::signing::test;

namespace {

const std::int64_t now = issued + 86400;  // the day after issue

std::string url_of(const std::string& payload) { return document_url(hall, payload); }

verdict check(const std::string& qr_text, const trust_list& list = hall_list(), std::int64_t at = now) {
  return check_offline(qr_text, list, at).outcome;
}

}  // namespace

TEST(SigningCheck, SignedDocumentIsGenuine) {
  const auto payload = sign_payload(receipt(), key(0).private_pem);
  const auto r = check_offline(url_of(payload), hall_list(), now);
  EXPECT_EQ(r.outcome, verdict::genuine);
  ASSERT_TRUE(r.claims);
  EXPECT_EQ(r.claims->reference, "HC20261201000123");
  EXPECT_EQ(r.claims->holder, "常州示范****有限公司");
  EXPECT_EQ(verdict_name(r.outcome), "genuine");
  EXPECT_EQ(check(url_of(payload) + "\r\n"), verdict::genuine);
  EXPECT_EQ(check(" " + url_of(payload)), verdict::genuine);
}

TEST(SigningCheck, LowerCaseSchemeAndHostAreAccepted) {
  const auto payload = sign_payload(receipt(), key(0).private_pem);
  EXPECT_EQ(check("https://hall.example.gov.cn/V/" + base41_encode(payload)), verdict::genuine);
  EXPECT_EQ(check("https://hall.example.gov.cn/v/" + base41_encode(payload)), verdict::genuine);
  EXPECT_EQ(check("Https://Hall.Example.Gov.Cn/V/" + base41_encode(payload)), verdict::genuine);
}

TEST(SigningCheck, EverySingleBitFlipIsNotGenuine) {
  const auto payload = sign_payload(receipt(), key(0).private_pem);
  const auto signed_size = payload.size() - signature_size;
  int altered = 0, unknown = 0, not_ours = 0;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = payload;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      const auto r = check_offline(url_of(bad), hall_list(), now);
      ASSERT_NE(r.outcome, verdict::genuine) << "byte " << i << " bit " << bit;
      if (i >= signed_size || (i >= 6 && i < 18) || i >= signed_size - 16) {  // signature, serial, time, hash
        EXPECT_EQ(r.outcome, verdict::altered) << "byte " << i << " bit " << bit;
      }
      if (i >= 1 && i < 5) {
        EXPECT_EQ(r.outcome, verdict::unknown_key) << "byte " << i << " bit " << bit;
      }
      altered += r.outcome == verdict::altered;
      unknown += r.outcome == verdict::unknown_key;
      not_ours += r.outcome == verdict::not_hallpass;
    }
  }
  EXPECT_EQ(unknown, 32);
  EXPECT_GT(altered, 64 * 8);
  EXPECT_GT(not_ours, 8);  // the version byte, lengths, field alphabets
}

TEST(SigningCheck, TruncatedPaddedOtherVersionOrAlgorithmIsNotHallpass) {
  const auto payload = sign_payload(receipt(), key(0).private_pem);
  for (std::size_t cut = 1; cut <= payload.size(); ++cut)
    EXPECT_EQ(check(url_of(payload.substr(0, payload.size() - cut))), verdict::not_hallpass) << cut;
  EXPECT_EQ(check(url_of(payload + '\0')), verdict::not_hallpass);
  for (unsigned char first : {0x21, 0x12}) {  // version 2; algorithm 2 — both properly signed
    auto part = signed_part(receipt());
    part[0] = static_cast<char>(first);
    EXPECT_EQ(check(url_of(part + p256_sign(key(0).private_pem, part))), verdict::not_hallpass);
  }
  EXPECT_EQ(check("HTTPS://HALL.EXAMPLE.GOV.CN/V/" + base41_encode(payload) + "0"), verdict::not_hallpass);
  EXPECT_EQ(check("not a url"), verdict::not_hallpass);
  EXPECT_EQ(check(""), verdict::not_hallpass);
}

TEST(SigningCheck, AnotherHostIsNotHallpass) {
  const auto payload = sign_payload(receipt(), key(0).private_pem);
  const auto r = check_offline(document_url("https://hall.example.com", payload), hall_list(), now);
  EXPECT_EQ(r.outcome, verdict::not_hallpass);
  EXPECT_FALSE(r.claims);
  EXPECT_EQ(check(document_url("https://hall.example.gov.cn.evil.cn", payload)), verdict::not_hallpass);
}

TEST(SigningCheck, UnknownKeyId) {
  auto c = receipt();
  c.key_id = 99;
  const auto r = check_offline(url_of(sign_payload(c, key(0).private_pem)), hall_list(), now);
  EXPECT_EQ(r.outcome, verdict::unknown_key);
  ASSERT_TRUE(r.claims);
  EXPECT_EQ(r.claims->key_id, 99u);
}

TEST(SigningCheck, SignedByAnotherKeyUnderTheSameIdIsAltered) {
  EXPECT_EQ(check(url_of(sign_payload(receipt(), key(1).private_pem))), verdict::altered);
}

TEST(SigningCheck, RetiredKeys) {
  const auto payload = url_of(sign_payload(receipt(), key(0).private_pem));
  const auto expiry = receipt().expires_at();
  auto list = hall_list();
  // Retired before the issue time: it could not have signed this.
  list.keys[0].retired_at = issued - 1;
  EXPECT_EQ(check(payload, list), verdict::altered);
  // Retired after the issue time: its documents verify until they expire.
  list.keys[0].retired_at = issued;
  EXPECT_EQ(check(payload, list), verdict::genuine);
  list.keys[0].retired_at = issued + 10;
  EXPECT_EQ(check(payload, list, now), verdict::genuine);
  EXPECT_EQ(check(payload, list, expiry - 1), verdict::genuine);
  EXPECT_EQ(check(payload, list, expiry), verdict::retired_key_expired);
  EXPECT_EQ(check(payload, list, expiry + 86400 * 400), verdict::retired_key_expired);
  // A retired key's list entry still needs the right signature.
  EXPECT_EQ(check(url_of(sign_payload(receipt(), key(1).private_pem)), list, expiry + 1), verdict::altered);
}

TEST(SigningCheck, Expired) {
  const auto payload = url_of(sign_payload(receipt(), key(0).private_pem));
  const auto expiry = receipt().expires_at();
  EXPECT_EQ(check(payload, hall_list(), expiry - 1), verdict::genuine);
  EXPECT_EQ(check(payload, hall_list(), expiry), verdict::expired);
  EXPECT_EQ(check(payload, hall_list(), expiry + 86400), verdict::expired);
}

TEST(SigningCheck, SeveralKeysInTheList) {
  auto list = hall_list();
  list.keys.push_back(live_key(8, 1));
  auto c = receipt();
  c.key_id = 8;
  EXPECT_EQ(check(url_of(sign_payload(c, key(1).private_pem)), list), verdict::genuine);
  EXPECT_EQ(check(url_of(sign_payload(c, key(0).private_pem)), list), verdict::altered);
  EXPECT_EQ(check(url_of(sign_payload(receipt(), key(0).private_pem)), list), verdict::genuine);
}

TEST(SigningCheck, VerdictNames) {
  EXPECT_EQ(verdict_name(verdict::altered), "altered");
  EXPECT_EQ(verdict_name(verdict::unknown_key), "unknown_key");
  EXPECT_EQ(verdict_name(verdict::retired_key_expired), "retired_key_expired");
  EXPECT_EQ(verdict_name(verdict::expired), "expired");
  EXPECT_EQ(verdict_name(verdict::revoked), "revoked");
  EXPECT_EQ(verdict_name(verdict::not_hallpass), "not_hallpass");
}
