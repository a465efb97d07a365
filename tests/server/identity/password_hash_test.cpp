#include "hallpass/server/identity/password_hash.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "hallpass/server/identity/tokens.hpp"

namespace id = hallpass::server::identity;

namespace {

const id::scrypt_params cheap = id::test_scrypt_params;

// The stored string split at '$': "", "scrypt", params, salt, hash.
std::vector<std::string> split(const std::string& stored) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto pos = stored.find('$', start);
    parts.push_back(stored.substr(start, pos - start));
    if (pos == std::string::npos) return parts;
    start = pos + 1;
  }
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "$" : "") + parts[i];
  return out;
}

// Changes one character of a base64 field to another alphabet character.
std::string flip_at(std::string field, std::size_t pos) {
  field[pos] = field[pos] == 'A' ? 'B' : 'A';
  return field;
}

}  // namespace

TEST(PasswordHash, RoundTrip) {
  const std::string password = "Correct-Horse9";
  const auto stored = id::hash_password(password, cheap);
  ASSERT_FALSE(stored.empty());
  EXPECT_TRUE(id::verify_password(password, stored));
}

TEST(PasswordHash, StoredFormIsSelfDescribing) {
  const auto stored = id::hash_password("Correct-Horse9", cheap);
  const std::regex form(R"(\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})");
  EXPECT_TRUE(std::regex_match(stored, form)) << stored;
  const auto params = id::stored_params(stored);
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(*params, cheap);
  const auto parts = split(stored);
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(id::base64_decode_unpadded(parts[3]).value_or("").size(), 16u);
  EXPECT_EQ(id::base64_decode_unpadded(parts[4]).value_or("").size(), 32u);
}

TEST(PasswordHash, DefaultParametersRoundTripWithinBudget) {
  const auto start = std::chrono::steady_clock::now();
  const auto stored = id::hash_password("Correct-Horse9");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(id::stored_params(stored), id::scrypt_params{});
  EXPECT_TRUE(stored.starts_with("$scrypt$ln=14,r=8,p=2$")) << stored;
  EXPECT_TRUE(id::verify_password("Correct-Horse9", stored));
  EXPECT_FALSE(id::verify_password("Correct-Horse8", stored));
  // Generous bound for a loaded machine; the figure itself is measured by the bench.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
}

TEST(PasswordHash, RejectsWrongPasswords) {
  const auto stored = id::hash_password("Correct-Horse9", cheap);
  for (const std::string& wrong :
       {std::string(""), std::string("correct-Horse9"), std::string("Correct-Horse9 "),
        std::string("Correct-Horse"), std::string("Correct-Horse9\0", 15),
        std::string("Correct-Horse99")}) {
    EXPECT_FALSE(id::verify_password(wrong, stored)) << wrong;
  }
}

TEST(PasswordHash, SamePasswordHashesDifferently) {
  const auto a = id::hash_password("Correct-Horse9", cheap);
  const auto b = id::hash_password("Correct-Horse9", cheap);
  EXPECT_NE(a, b);
  EXPECT_NE(split(a)[3], split(b)[3]);  // different salts
  EXPECT_TRUE(id::verify_password("Correct-Horse9", a));
  EXPECT_TRUE(id::verify_password("Correct-Horse9", b));
}

TEST(PasswordHash, TamperedSaltOrHashFails) {
  const std::string password = "Correct-Horse9";
  const auto parts = split(id::hash_password(password, cheap));
  // Every character but the last, whose low bits are unused padding (changing them is
  // malformed rather than different).
  for (std::size_t pos = 0; pos + 1 < parts[3].size(); ++pos) {
    auto salt = parts;
    salt[3] = flip_at(salt[3], pos);
    EXPECT_FALSE(id::verify_password(password, join(salt))) << pos;
  }
  for (std::size_t pos = 0; pos + 1 < parts[4].size(); ++pos) {
    auto hash = parts;
    hash[4] = flip_at(hash[4], pos);
    EXPECT_FALSE(id::verify_password(password, join(hash))) << pos;
  }
  auto swapped = parts;
  std::swap(swapped[3], swapped[4]);  // still well-formed lengths, wrong roles
  EXPECT_FALSE(id::verify_password(password, join(swapped)));
  EXPECT_TRUE(id::verify_password(password, join(parts)));
}

TEST(PasswordHash, TamperedParametersFail) {
  const std::string password = "Correct-Horse9";
  const auto parts = split(id::hash_password(password, cheap));
  for (const char* params : {"ln=11,r=8,p=1", "ln=9,r=8,p=1", "ln=10,r=7,p=1", "ln=10,r=8,p=2"}) {
    auto changed = parts;
    changed[2] = params;
    const auto stored = join(changed);
    EXPECT_TRUE(id::stored_params(stored).has_value()) << stored;  // well-formed...
    EXPECT_FALSE(id::verify_password(password, stored)) << stored;  // ...but wrong
  }
}

TEST(PasswordHash, MalformedStringsFail) {
  const std::string password = "Correct-Horse9";
  const auto good = id::hash_password(password, cheap);
  const auto p = split(good);
  const std::string salt = p[3], hash = p[4];
  const std::vector<std::string> malformed = {
      "",
      password,
      "$scrypt$",
      "$scrypt$ln=10,r=8,p=1$",
      "$scrypt$ln=10,r=8,p=1$" + salt,
      "$scrypt$ln=10,r=8,p=1$" + salt + "$",
      "$scrypt$ln=10,r=8,p=1$$" + hash,
      "$scrypt$ln=10,r=8,p=1$" + salt + "$" + hash + "$",
      "$scrypt$ln=10,r=8,p=1$" + salt + "$" + hash + "=",
      "$scrypt$ln=10,r=8,p=1$" + salt + "==$" + hash,
      "$scrypt$ln=10,r=8,p=1$" + salt + "$" + hash.substr(0, 42),
      "$scrypt$ln=10,r=8,p=1$" + salt + "$" + hash.substr(0, 20),  // hash too short
      "$scrypt$ln=10,r=8,p=1$" + salt.substr(0, 8) + "$" + hash,   // salt too short
      "$scrypt$ln=10,r=8,p=1$" + salt + "$" + hash.substr(0, 42) + "-",
      "$scrypt$ln=010,r=8,p=1$" + salt + "$" + hash,
      "$scrypt$ln=+10,r=8,p=1$" + salt + "$" + hash,
      "$scrypt$ln=10,r=8$" + salt + "$" + hash,
      "$scrypt$r=8,ln=10,p=1$" + salt + "$" + hash,
      "$scrypt$ln=10,r=8,p=1,x=1$" + salt + "$" + hash,
      "$scrypt$ln=10,r=8,p=$" + salt + "$" + hash,
      "$scrypt$ln=0,r=8,p=1$" + salt + "$" + hash,
      "$scrypt$ln=25,r=8,p=1$" + salt + "$" + hash,         // too much memory
      "$scrypt$ln=20,r=32,p=1$" + salt + "$" + hash,        // 4 GiB
      "$scrypt$ln=10,r=0,p=1$" + salt + "$" + hash,
      "$scrypt$ln=10,r=8,p=0$" + salt + "$" + hash,
      "$scrypt$ln=10,r=8,p=99999999999$" + salt + "$" + hash,
      "$SCRYPT$ln=10,r=8,p=1$" + salt + "$" + hash,
      "$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$" + hash,
      " " + good,
      good + " ",
  };
  for (const auto& stored : malformed) {
    EXPECT_FALSE(id::verify_password(password, stored)) << stored;
    EXPECT_FALSE(id::stored_params(stored).has_value()) << stored;
    EXPECT_TRUE(id::needs_rehash(stored, cheap)) << stored;
  }
  EXPECT_TRUE(id::verify_password(password, good));
}

TEST(PasswordHash, RefusesUnacceptableParameters) {
  for (const id::scrypt_params bad : {id::scrypt_params{0, 8, 1}, id::scrypt_params{21, 8, 1},
                                      id::scrypt_params{20, 8, 1}, id::scrypt_params{10, 0, 1},
                                      id::scrypt_params{10, 33, 1}, id::scrypt_params{10, 8, 0},
                                      id::scrypt_params{10, 8, 17}}) {
    EXPECT_FALSE(id::are_acceptable(bad));
    EXPECT_EQ(id::hash_password("Correct-Horse9", bad), "");
  }
  EXPECT_TRUE(id::are_acceptable(id::scrypt_params{}));
  EXPECT_TRUE(id::are_acceptable(cheap));
  EXPECT_FALSE(id::verify_password("", ""));
}

TEST(PasswordHash, NeedsRehashWhenParametersChange) {
  const auto stored = id::hash_password("Correct-Horse9", cheap);
  EXPECT_FALSE(id::needs_rehash(stored, cheap));
  EXPECT_TRUE(id::needs_rehash(stored, id::scrypt_params{}));
  EXPECT_TRUE(id::needs_rehash(stored, id::scrypt_params{11, 8, 1}));
}

TEST(PasswordHash, HandlesEmptyLongAndBinaryPasswords) {
  const std::string empty;
  const auto stored_empty = id::hash_password(empty, cheap);
  ASSERT_FALSE(stored_empty.empty());
  EXPECT_TRUE(id::verify_password(empty, stored_empty));
  EXPECT_FALSE(id::verify_password("x", stored_empty));

  const std::string long_password(4096, 'k');
  EXPECT_TRUE(id::verify_password(long_password, id::hash_password(long_password, cheap)));

  const std::string chinese = "密码Mima2026!";
  EXPECT_TRUE(id::verify_password(chinese, id::hash_password(chinese, cheap)));
}

TEST(PasswordHash, RefusesPasswordsWithNulBytes) {
  // Inside scrypt, HMAC zero-pads its key: "pw" and "pw\0" would be the same password.
  EXPECT_EQ(id::hash_password(std::string("abc\0def", 7), cheap), "");
  EXPECT_EQ(id::hash_password(std::string("Correct-Horse9\0", 15), cheap), "");
  const auto stored = id::hash_password("Correct-Horse9", cheap);
  EXPECT_FALSE(id::verify_password(std::string("Correct-Horse9\0", 15), stored));
  EXPECT_FALSE(id::verify_password(std::string("Correct-Horse9\0\0", 16), stored));
  EXPECT_TRUE(id::verify_password("Correct-Horse9", stored));
}
