#include "hallpass/server/identity/tokens.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace id = hallpass::server::identity;

namespace {

bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

}  // namespace

TEST(RandomToken, HasTheEncodedLengthOfItsBytes) {
  EXPECT_EQ(id::random_token().size(), 22u);  // 16 bytes = 128 bits
  EXPECT_EQ(id::random_token(32).size(), 43u);
  EXPECT_EQ(id::random_token(1).size(), 2u);
  EXPECT_EQ(id::random_token(3).size(), 4u);
  EXPECT_EQ(id::random_token(0), "");
  for (std::size_t bytes = 0; bytes <= 40; ++bytes) {
    const auto decoded = id::base64url_decode(id::random_token(bytes));
    ASSERT_TRUE(decoded.has_value()) << bytes;
    EXPECT_EQ(decoded->size(), bytes);
  }
}

TEST(RandomToken, UsesOnlyTheUrlSafeAlphabet) {
  std::array<bool, 256> seen{};
  for (int i = 0; i < 2000; ++i) {
    for (const char c : id::random_token(30)) {
      EXPECT_TRUE(is_base64url_char(c)) << c;
      seen[static_cast<unsigned char>(c)] = true;
    }
  }
  // 2000 x 40 characters: every one of the 64 should have appeared.
  int distinct = 0;
  for (const bool s : seen) distinct += s;
  EXPECT_EQ(distinct, 64);
}

TEST(RandomToken, DoesNotRepeat) {
  std::unordered_set<std::string> tokens;
  constexpr int draws = 50000;
  for (int i = 0; i < draws; ++i) tokens.insert(id::random_token());
  EXPECT_EQ(tokens.size(), static_cast<std::size_t>(draws));
  // Short tokens collide eventually, which shows the set does detect repeats.
  std::unordered_set<std::string> short_tokens;
  for (int i = 0; i < 2000; ++i) short_tokens.insert(id::random_token(1));
  EXPECT_LE(short_tokens.size(), 256u);
}

// Small draws come from a per-thread block of CSPRNG output: a forked child must not hand out the
// bytes its parent hands out next, and two threads must not share a block.
TEST(RandomToken, AForkedChildDrawsOtherBytesThanItsParent) {
  (void)id::random_token();  // the parent's block is filled and partly used
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto token = id::random_token(32);
    _exit(write(out[1], token.data(), token.size()) == static_cast<ssize_t>(token.size()) ? 0 : 1);
  }
  close(out[1]);
  auto mine = id::random_token(32);
  std::string theirs(64, '\0');
  auto n = read(out[0], theirs.data(), theirs.size());
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  theirs.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  EXPECT_EQ(theirs.size(), mine.size());
  EXPECT_NE(theirs, mine);
}

TEST(RandomToken, ThreadsDrawDifferentBytesAndABlockIsNeverReused) {
  constexpr int per_thread = 3000;  // 3000 x 32 bytes: many blocks each
  std::vector<std::string> a, b;
  std::thread ta([&] { for (int i = 0; i < per_thread; ++i) a.push_back(id::random_token(32)); });
  std::thread tb([&] { for (int i = 0; i < per_thread; ++i) b.push_back(id::random_token(32)); });
  ta.join();
  tb.join();
  std::unordered_set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 2u * per_thread);
}

TEST(RandomUniform, StaysBelowTheBound) {
  EXPECT_EQ(id::random_uniform(0), 0u);
  EXPECT_EQ(id::random_uniform(1), 0u);
  for (const std::uint32_t bound : {2u, 3u, 7u, 100u, (1u << 31) + 1, 4294967295u}) {
    for (int i = 0; i < 2000; ++i) EXPECT_LT(id::random_uniform(bound), bound) << bound;
  }
}

TEST(RandomUniform, IsRoughlyUniform) {
  constexpr std::uint32_t bound = 10;
  constexpr int draws = 100000;
  std::array<int, bound> counts{};
  for (int i = 0; i < draws; ++i) ++counts[id::random_uniform(bound)];
  // Each count is Binomial(100000, 0.1): sd ~ 95; 7 sd keeps false alarms below 1e-10.
  for (const int c : counts) {
    EXPECT_NEAR(c, draws / bound, 7 * std::sqrt(draws * 0.1 * 0.9));
  }
  // With bound 3 * 2^30 a biased "r % bound" would put half of all draws below 2^30
  // (those values have two preimages); unbiased, a third of them land there.
  constexpr std::uint32_t big = 3u << 30;
  constexpr int big_draws = 20000;
  int low = 0;
  for (int i = 0; i < big_draws; ++i) low += id::random_uniform(big) < (1u << 30);
  EXPECT_NEAR(low, big_draws / 3.0, 7 * std::sqrt(big_draws * (1.0 / 3) * (2.0 / 3)));
}

TEST(RandomText, DrawsOnlyFromTheAlphabetAndEvenly) {
  EXPECT_EQ(id::random_text("AB", 0), "");
  EXPECT_EQ(id::random_text("x", 5), "xxxxx");
  EXPECT_THROW(id::random_text("", 1), std::invalid_argument);
  // 20 letters: a byte maps to a letter only below 240, else a biased "b % 20" would favour
  // the first 16 letters (13 preimages against 12).
  const std::string alphabet = "BCDFGHJKLMNPQRSTVWXZ";
  constexpr int draws = 200000;
  auto text = id::random_text(alphabet, draws);  // many draws of the CSPRNG, not one
  ASSERT_EQ(text.size(), std::size_t(draws));
  std::array<int, 20> counts{};
  for (char c : text) {
    auto at = alphabet.find(c);
    ASSERT_NE(at, std::string::npos) << c;
    ++counts[at];
  }
  // Each count is Binomial(200000, 0.05): sd ~ 97; 7 sd keeps false alarms below 1e-10. With the
  // bias the first 16 would average 10,156 and the last 4 9,375.
  for (const int c : counts) EXPECT_NEAR(c, draws / 20, 7 * std::sqrt(draws * 0.05 * 0.95));
  int first16 = 0;
  for (int i = 0; i < 16; ++i) first16 += counts[std::size_t(i)];
  EXPECT_NEAR(first16, draws * 0.8, 7 * std::sqrt(draws * 0.8 * 0.2));
}

TEST(Sha256, MatchesKnownDigests) {
  EXPECT_EQ(id::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(id::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(id::sha256_b64url("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  EXPECT_EQ(id::sha256_hex(std::string("a\0b", 3)).size(), 64u);
  EXPECT_NE(id::sha256_hex(std::string("a\0b", 3)), id::sha256_hex("a"));
}

TEST(Sha256Stream, MatchesKnownDigests) {
  EXPECT_EQ(id::sha256_stream().hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  id::sha256_stream abc;
  abc.update("abc");
  EXPECT_EQ(abc.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  id::sha256_stream with_empty_parts;  // an empty part changes nothing
  with_empty_parts.update("");
  with_empty_parts.update("abc");
  with_empty_parts.update("");
  EXPECT_EQ(with_empty_parts.hex(), abc.hex());
}

TEST(Sha256Stream, AnInputInPartsHashesAsTheWhole) {
  // FIPS 180-2's two-block message, cut at every byte.
  const std::string whole = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  ASSERT_EQ(id::sha256_hex(whole), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  for (std::size_t cut = 0; cut <= whole.size(); ++cut) {
    id::sha256_stream s;
    s.update(std::string_view(whole).substr(0, cut));
    s.update(std::string_view(whole).substr(cut));
    EXPECT_EQ(s.hex(), id::sha256_hex(whole)) << cut;
  }
  // A million 'a' in uneven parts, with zero bytes and every byte value in a second input.
  id::sha256_stream million;
  std::size_t given = 0;
  for (std::size_t part = 1; given < 1000000; part = part * 7 % 65537 + 1) {
    const std::size_t n = std::min(part, 1000000 - given);
    million.update(std::string(n, 'a'));
    given += n;
  }
  EXPECT_EQ(million.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes.push_back(static_cast<char>(i * 131 % 256));
  id::sha256_stream binary;
  for (std::size_t at = 0; at < bytes.size(); at += 1000) binary.update(std::string_view(bytes).substr(at, 1000));
  EXPECT_EQ(binary.hex(), id::sha256_hex(bytes));
}

TEST(Sha256Stream, HexDoesNotEndTheStreamAndAMoveKeepsIt) {
  id::sha256_stream s;
  s.update("ab");
  EXPECT_EQ(s.hex(), id::sha256_hex("ab"));
  EXPECT_EQ(s.hex(), id::sha256_hex("ab"));  // asked twice: the same
  s.update("c");
  EXPECT_EQ(s.hex(), id::sha256_hex("abc"));
  id::sha256_stream moved = std::move(s);
  moved.update("d");
  EXPECT_EQ(moved.hex(), id::sha256_hex("abcd"));
  s = id::sha256_stream();  // a moved-from stream assigned a fresh one starts over
  s.update("x");
  EXPECT_EQ(s.hex(), id::sha256_hex("x"));
}

TEST(ConstantTimeEqual, ComparesWholeValues) {
  EXPECT_TRUE(id::constant_time_equal("", ""));
  EXPECT_TRUE(id::constant_time_equal("token-abc", "token-abc"));
  EXPECT_FALSE(id::constant_time_equal("token-abc", "token-abd"));
  EXPECT_FALSE(id::constant_time_equal("token-abc", "Token-abc"));
  EXPECT_FALSE(id::constant_time_equal("token-abc", "token-ab"));
  EXPECT_FALSE(id::constant_time_equal("", "a"));
  EXPECT_FALSE(id::constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
  const auto t = id::random_token();
  EXPECT_TRUE(id::constant_time_equal(id::sha256_hex(t), id::sha256_hex(std::string(t))));
}

TEST(Base64Url, MatchesRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg"},         {"fo", "Zm8"},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(id::base64url_encode(plain), encoded);
    EXPECT_EQ(id::base64url_decode(encoded), plain);
    EXPECT_EQ(id::base64_encode_unpadded(plain), encoded);
    EXPECT_EQ(id::base64_decode_unpadded(encoded), plain);
  }
  // The two alphabets differ in the last two characters.
  const std::string fb_ff("\xFB\xFF", 2);
  EXPECT_EQ(id::base64url_encode(fb_ff), "-_8");
  EXPECT_EQ(id::base64_encode_unpadded(fb_ff), "+/8");
  EXPECT_EQ(id::base64url_decode("-_8"), fb_ff);
  EXPECT_EQ(id::base64_decode_unpadded("+/8"), fb_ff);
}

TEST(Base64Url, RoundTripsAllByteValuesAndLengths) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const auto plain = all.substr(all.size() - n);
    const auto encoded = id::base64url_encode(plain);
    for (const char c : encoded) ASSERT_TRUE(is_base64url_char(c)) << n;
    EXPECT_EQ(id::base64url_decode(encoded), plain) << n;
    EXPECT_EQ(id::base64_decode_unpadded(id::base64_encode_unpadded(plain)), plain) << n;
  }
}

TEST(Base64Url, RejectsNonCanonicalText) {
  for (const char* bad : {"Zg==", "Zg=", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm/v", "Zm9v ",
                          " Zm9v", "Zm\n9v", "Zm9v!", "\xC3\xA9"}) {
    EXPECT_FALSE(id::base64url_decode(bad).has_value()) << bad;
  }
  for (const char* bad : {"Zg==", "Z", "Zh", "Zm-v", "Zm_v", "Zm9v "}) {
    EXPECT_FALSE(id::base64_decode_unpadded(bad).has_value()) << bad;
  }
}
