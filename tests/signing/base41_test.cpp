// Base 41 and document URLs.
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace hallpass::signing;
using namespace hallpass::signing::test;

namespace {
constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-:";
}

TEST(SigningBase41, KnownValues) {
  EXPECT_EQ(base41_encode(""), "");
  EXPECT_EQ(base41_encode("AB"), "J+9");  // 0x4142 = 16706 = 19 + 38*41 + 9*41^2
  EXPECT_EQ(base41_encode("Hello!!"), "11B:KG$*GX0");
  EXPECT_EQ(base41_encode("\xff\xff"), "H:+");
  EXPECT_EQ(base41_encode(std::string(1, '\0')), "00");
  EXPECT_EQ(base41_encode("\xff"), "96");
  EXPECT_EQ(base41_decode("J+9"), "AB");
  EXPECT_EQ(base41_decode("11B:KG$*GX0"), "Hello!!");
  EXPECT_EQ(base41_decode(""), "");
}

TEST(SigningBase41, RoundTripOfRandomBytesOfEveryLengthUpTo300) {
  std::mt19937 rng(20261201);
  for (std::size_t n = 0; n <= 300; ++n) {
    std::string bytes(n, '\0');
    for (auto& b : bytes) b = static_cast<char>(rng() & 0xff);
    const auto text = base41_encode(bytes);
    EXPECT_EQ(text.size(), n / 2 * 3 + (n % 2) * 2);
    EXPECT_EQ(text.find_first_not_of(alphabet), std::string::npos);
    const auto back = base41_decode(text);
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, bytes) << n;
  }
}

TEST(SigningBase41, RefusesWhatIsNotBase41) {
  EXPECT_FALSE(base41_decode("0"));         // length % 3 == 1
  EXPECT_FALSE(base41_decode("J+90"));
  EXPECT_FALSE(base41_decode("J+9J+9J"));
  EXPECT_FALSE(base41_decode("I:+"));       // 65536
  EXPECT_FALSE(base41_decode(":::"));       // 68920
  EXPECT_FALSE(base41_decode("J+9I:+"));
  EXPECT_FALSE(base41_decode("A6"));        // 256
  EXPECT_FALSE(base41_decode("::"));
  EXPECT_TRUE(base41_decode("96"));         // 255
  EXPECT_TRUE(base41_decode("H:+"));        // 65535
  for (int c = 0; c < 256; ++c) {
    if (alphabet.find(static_cast<char>(c)) != std::string_view::npos) continue;
    std::string text = "J+9";
    text[1] = static_cast<char>(c);
    EXPECT_FALSE(base41_decode(text)) << c;
    EXPECT_FALSE(base41_decode(std::string("0") + static_cast<char>(c))) << c;
  }
  EXPECT_FALSE(base41_decode("j+9"));  // lower case is not in the alphabet
  EXPECT_FALSE(base41_decode("J 9"));
  EXPECT_FALSE(base41_decode("J%9"));
  EXPECT_FALSE(base41_decode("J/9"));
}

TEST(SigningUrl, DocumentUrlIsUpperCaseAndReadsBack) {
  const std::string payload = "\x11\x00\x01\xfe\xff";
  const auto url = document_url("https://hall.example.gov.cn/", payload);
  EXPECT_EQ(url, "HTTPS://HALL.EXAMPLE.GOV.CN/V/" + base41_encode(payload));
  EXPECT_EQ(payload_of_url(url, hall), payload);
  EXPECT_EQ(payload_of_url(url, "HTTPS://Hall.Example.gov.cn/"), payload);
  EXPECT_EQ(payload_of_url("https://hall.example.gov.cn/v/" + base41_encode(payload), hall), payload);
  EXPECT_EQ(document_url("http://127.0.0.1:8080", "AB"), "HTTP://127.0.0.1:8080/V/J+9");
  EXPECT_EQ(payload_of_url("HTTP://127.0.0.1:8080/V/J+9", "http://127.0.0.1:8080"), "AB");
}

TEST(SigningUrl, RefusesOtherHostsPathsAndText) {
  const std::string b = base41_encode("payload!");
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.COM/V/" + b, hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN.EVIL.CN/V/" + b, hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN@EVIL.CN/V/" + b, hall));
  EXPECT_FALSE(payload_of_url("HTTP://HALL.EXAMPLE.GOV.CN/V/" + b, hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN:8443/V/" + b, hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN/W/" + b, hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN/V/X/" + b, hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN/V" + b, hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN/V/", hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN/V/" + b + "?x=1", hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN/V/" + b + "0", hall));
  EXPECT_FALSE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN/V/" + b, ""));
  EXPECT_FALSE(payload_of_url("", hall));
  EXPECT_TRUE(payload_of_url("HTTPS://HALL.EXAMPLE.GOV.CN/V/" + b, hall));
}
