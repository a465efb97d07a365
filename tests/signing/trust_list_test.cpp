// The signed trust list: who may sign it, tampering, and key rotation.
#include "fixtures.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdexcept>

using namespace hallpass::signing;
using namespace hallpass::signing::test;
namespace json = boost::json;

namespace {

std::string base64url(std::string_view bytes) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) out.push_back(digits[(acc >> (bits -= 6)) & 63]);
  }
  if (bits > 0) out.push_back(digits[(acc << (6 - bits)) & 63]);
  return out;
}

// A signed list document made here, without trust_list_json's checks on the signer.
std::string signed_by_hand(const std::string& list_text, std::uint32_t signer, int which) {
  return json::serialize(json::object{{"list", list_text},
                                      {"signed_by", signer},
                                      {"signature", base64url(p256_sign(key(which).private_pem, list_text))}});
}

// The "list" string of a signed document, changed by `edit`, put back.
template <class Edit>
std::string with_list_text(const std::string& doc, Edit edit) {
  auto v = json::parse(doc);
  std::string text(v.at("list").as_string());
  edit(text);
  v.as_object()["list"] = text;
  return json::serialize(v);
}

std::string list_text_of(const std::string& doc) { return std::string(json::parse(doc).at("list").as_string()); }

trust_list two_keys() {
  auto list = hall_list();
  list.keys.push_back(live_key(8, 1));
  return list;
}

}  // namespace

TEST(SigningTrustList, SignedByALiveKeyOfItsOwnIsAcceptedWithoutAPriorList) {
  auto list = two_keys();
  list.keys[0].retired_at = issued + 5;
  const auto doc = trust_list_json(list, 8, key(1).private_pem);
  const auto v = json::parse(doc);
  EXPECT_TRUE(v.at("list").is_string());
  EXPECT_EQ(v.at("signed_by").to_number<std::uint32_t>(), 8u);
  EXPECT_EQ(v.at("signature").as_string().size(), 86u);  // 64 bytes, unpadded
  // The signed string is itself the list as JSON.
  const auto inner = json::parse(v.at("list").as_string());
  EXPECT_EQ(inner.at("issuer").as_string(), hall);
  EXPECT_TRUE(inner.at("keys").as_array()[1].at("retired_at").is_null());

  const auto parsed = parse_trust_list(doc);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->issuer, hall);
  EXPECT_EQ(parsed->issued_at, list.issued_at);
  ASSERT_EQ(parsed->keys.size(), 2u);
  EXPECT_EQ(parsed->keys[0].key_id, 7u);
  EXPECT_EQ(parsed->keys[0].public_pem, key(0).public_pem);
  EXPECT_EQ(parsed->keys[0].created_at, list.keys[0].created_at);
  EXPECT_EQ(parsed->keys[0].retired_at, issued + 5);
  EXPECT_EQ(parsed->keys[1].key_id, 8u);
  EXPECT_FALSE(parsed->keys[1].retired_at);
}

TEST(SigningTrustList, OuterDocumentMayBeReformatted) {
  const auto doc = trust_list_json(hall_list(), 7, key(0).private_pem);
  const auto v = json::parse(doc);
  const std::string reordered = "{\n  \"signature\": " + json::serialize(v.at("signature")) +
                                ",\n  \"signed_by\": 7,\n  \"list\": " + json::serialize(v.at("list")) + "\n}\n";
  EXPECT_TRUE(parse_trust_list(reordered));
}

TEST(SigningTrustList, TamperedListIsRefused) {
  auto list = two_keys();
  list.keys[0].retired_at = issued + 5;
  const auto doc = trust_list_json(list, 8, key(1).private_pem);
  ASSERT_TRUE(parse_trust_list(with_list_text(doc, [](std::string&) {})));
  // One character of a public key.
  const auto pem_at = list_text_of(doc).find("BEGIN PUBLIC KEY-----\\n") + 30;
  EXPECT_FALSE(parse_trust_list(with_list_text(doc, [&](std::string& t) { t[pem_at] = t[pem_at] == 'A' ? 'B' : 'A'; })));
  // Another valid key in place of key 7's.
  EXPECT_FALSE(parse_trust_list(with_list_text(doc, [&](std::string& t) {
    const auto old_pem = json::serialize(json::value(key(0).public_pem));
    const auto new_pem = json::serialize(json::value(key(2).public_pem));
    const auto at = t.find(old_pem.substr(1, old_pem.size() - 2));
    ASSERT_NE(at, std::string::npos);
    t.replace(at, old_pem.size() - 2, new_pem.substr(1, new_pem.size() - 2));
  })));
  // A retired_at.
  const auto retired = std::to_string(issued + 5);
  EXPECT_FALSE(parse_trust_list(with_list_text(doc, [&](std::string& t) {
    auto at = t.find(retired);
    ASSERT_NE(at, std::string::npos);
    t[at + retired.size() - 1] = '6';
  })));
  EXPECT_FALSE(parse_trust_list(with_list_text(doc, [&](std::string& t) {
    auto at = t.find(retired);
    t.replace(at, retired.size(), "null");
  })));
  EXPECT_FALSE(parse_trust_list(with_list_text(doc, [](std::string& t) { t += ' '; })));
  // The signer or the signature.
  auto v = json::parse(doc);
  v.as_object()["signed_by"] = 7;
  EXPECT_FALSE(parse_trust_list(json::serialize(v)));
  v = json::parse(doc);
  std::string sig(v.at("signature").as_string());
  sig[10] = sig[10] == 'A' ? 'B' : 'A';
  v.as_object()["signature"] = sig;
  EXPECT_FALSE(parse_trust_list(json::serialize(v)));
}

TEST(SigningTrustList, SignedByARetiredKeyIsRefused) {
  auto list = two_keys();
  list.keys[0].retired_at = issued;
  EXPECT_THROW(trust_list_json(list, 7, key(0).private_pem), std::invalid_argument);
  // The same list signed with key 7 by hand.
  const auto good = trust_list_json(list, 8, key(1).private_pem);
  const auto text = list_text_of(good);
  EXPECT_TRUE(parse_trust_list(signed_by_hand(text, 8, 1)));
  EXPECT_FALSE(parse_trust_list(signed_by_hand(text, 7, 0)));
  // Signed by a key that a prior list had retired.
  auto prior = two_keys();
  prior.keys[0].retired_at = issued;
  EXPECT_FALSE(parse_trust_list(trust_list_json(hall_list(), 7, key(0).private_pem), &prior));
}

TEST(SigningTrustList, SignerMustBeInTheListWithItsOwnPrivateKey) {
  EXPECT_THROW(trust_list_json(hall_list(), 8, key(1).private_pem), std::invalid_argument);  // not in the list
  EXPECT_THROW(trust_list_json(hall_list(), 7, key(1).private_pem), std::invalid_argument);  // wrong private key
  EXPECT_THROW(trust_list_json(hall_list(), 7, "garbage"), std::invalid_argument);
  auto dup = hall_list();
  dup.keys.push_back(live_key(7, 1));
  EXPECT_THROW(trust_list_json(dup, 7, key(0).private_pem), std::invalid_argument);
  auto bad_pem = hall_list();
  bad_pem.keys.push_back(trusted_key{9, "not a key", 0, std::nullopt});
  EXPECT_THROW(trust_list_json(bad_pem, 7, key(0).private_pem), std::invalid_argument);
  // Not in the list at all, signed by hand: refused.
  const auto text = list_text_of(trust_list_json(hall_list(), 7, key(0).private_pem));
  EXPECT_FALSE(parse_trust_list(signed_by_hand(text, 8, 1)));
}

TEST(SigningTrustList, RotationNeedsAKeyThePriorListHolds) {
  const auto prior = *parse_trust_list(trust_list_json(hall_list(), 7, key(0).private_pem));
  // The old key signs the list that adds the new one.
  auto next = two_keys();
  next.issued_at = prior.issued_at + 100;
  const auto rotated = parse_trust_list(trust_list_json(next, 7, key(0).private_pem), &prior);
  ASSERT_TRUE(rotated);
  EXPECT_EQ(rotated->keys.size(), 2u);
  // Signed only by the brand-new key: refused against the prior list (fine on first use).
  const auto by_new = trust_list_json(next, 8, key(1).private_pem);
  EXPECT_FALSE(parse_trust_list(by_new, &prior));
  EXPECT_TRUE(parse_trust_list(by_new));
  // Once the new key is trusted, it may sign the list that retires the old one.
  auto later = next;
  later.issued_at += 100;
  later.keys[0].retired_at = later.issued_at;
  const auto retired_old = parse_trust_list(trust_list_json(later, 8, key(1).private_pem), &*rotated);
  ASSERT_TRUE(retired_old);
  EXPECT_EQ(retired_old->keys[0].retired_at, later.issued_at);
  // ...and after that the old key may no longer sign.
  EXPECT_FALSE(parse_trust_list(signed_by_hand(list_text_of(trust_list_json(later, 8, key(1).private_pem)), 7, 0),
                                &*retired_old));
  // A brand-new key unknown to every list never signs its way in.
  auto intruder = hall_list();
  intruder.keys.push_back(live_key(9, 2));
  intruder.issued_at = next.issued_at;
  EXPECT_FALSE(parse_trust_list(trust_list_json(intruder, 9, key(2).private_pem), &prior));
}

TEST(SigningTrustList, AgainstAPriorListIssuerAndAgeMustFit) {
  const auto prior = *parse_trust_list(trust_list_json(hall_list(), 7, key(0).private_pem));
  auto other = hall_list();
  other.issuer = "https://other.example";
  EXPECT_FALSE(parse_trust_list(trust_list_json(other, 7, key(0).private_pem), &prior));
  auto older = hall_list();
  older.issued_at -= 1;
  EXPECT_FALSE(parse_trust_list(trust_list_json(older, 7, key(0).private_pem), &prior));
  EXPECT_TRUE(parse_trust_list(trust_list_json(hall_list(), 7, key(0).private_pem), &prior));
}

TEST(SigningTrustList, MalformedDocumentsAreRefused) {
  const auto doc = trust_list_json(hall_list(), 7, key(0).private_pem);
  const auto v = json::parse(doc);
  const std::string sig(v.at("signature").as_string());
  const auto text = list_text_of(doc);
  auto with = [&](json::object o) { return json::serialize(o); };
  EXPECT_FALSE(parse_trust_list(""));
  EXPECT_FALSE(parse_trust_list("[]"));
  EXPECT_FALSE(parse_trust_list("{"));
  EXPECT_FALSE(parse_trust_list(doc.substr(0, doc.size() - 1)));
  EXPECT_FALSE(parse_trust_list(with({{"list", text}, {"signed_by", 7}})));
  EXPECT_FALSE(parse_trust_list(with({{"list", text}, {"signed_by", "7"}, {"signature", sig}})));
  EXPECT_FALSE(parse_trust_list(with({{"list", text}, {"signed_by", -1}, {"signature", sig}})));
  EXPECT_FALSE(parse_trust_list(with({{"list", json::parse(text)}, {"signed_by", 7}, {"signature", sig}})));
  EXPECT_FALSE(parse_trust_list(with({{"list", text}, {"signed_by", 7}, {"signature", sig + "=="}})));
  EXPECT_FALSE(parse_trust_list(with({{"list", text}, {"signed_by", 7}, {"signature", sig.substr(1)}})));
  EXPECT_FALSE(parse_trust_list(with({{"list", text}, {"signed_by", 7}, {"signature", sig + "AAAA"}})));
  std::string plus = sig;
  plus[3] = '+';
  EXPECT_FALSE(parse_trust_list(with({{"list", text}, {"signed_by", 7}, {"signature", plus}})));
  EXPECT_TRUE(parse_trust_list(with({{"list", text}, {"signed_by", 7}, {"signature", sig}})));
  // Inner lists that are well signed but malformed.
  auto signed_inner = [](json::object inner) { return signed_by_hand(json::serialize(inner), 7, 0); };
  const json::object key7{{"key_id", 7}, {"public_pem", key(0).public_pem}, {"created_at", 1}, {"retired_at", nullptr}};
  EXPECT_TRUE(parse_trust_list(signed_inner({{"issuer", hall}, {"issued_at", 5}, {"keys", json::array{key7}}})));
  EXPECT_FALSE(parse_trust_list(signed_inner({{"issued_at", 5}, {"keys", json::array{key7}}})));
  EXPECT_FALSE(parse_trust_list(signed_inner({{"issuer", ""}, {"issued_at", 5}, {"keys", json::array{key7}}})));
  EXPECT_FALSE(parse_trust_list(signed_inner({{"issuer", hall}, {"issued_at", 5.5}, {"keys", json::array{key7}}})));
  EXPECT_FALSE(parse_trust_list(signed_inner({{"issuer", hall}, {"issued_at", 5}, {"keys", json::array{}}})));
  EXPECT_FALSE(parse_trust_list(signed_inner({{"issuer", hall}, {"issued_at", 5}, {"keys", json::array{key7, key7}}})));
  auto bad = key7;
  bad["retired_at"] = "soon";
  EXPECT_FALSE(parse_trust_list(signed_inner({{"issuer", hall}, {"issued_at", 5}, {"keys", json::array{bad}}})));
  bad = key7;
  bad["key_id"] = 4294967296LL;
  EXPECT_FALSE(parse_trust_list(signed_inner({{"issuer", hall}, {"issued_at", 5}, {"keys", json::array{bad}}})));
  bad = key7;
  bad["public_pem"] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  EXPECT_FALSE(parse_trust_list(signed_inner({{"issuer", hall}, {"issued_at", 5}, {"keys", json::array{bad}}})));
}
