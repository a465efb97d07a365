#include "hallpass/qr/encode.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace hallpass::qr {
namespace {

const std::string login_url = "https://hall.example.gov.cn/l/q3Zk8Rw1XbT0yPq-ZpLc_A"; // 128-bit token
const std::string upload_url = "https://hall.example.gov.cn/u/Vb7_Kq2LmXo9TzRcWp4YhN1sAe6D0fGu"; // 192-bit

// A ~200-character receipt URL: path + base64url of key id, type, serial, times, office,
// masked fields, document hash and an ECDSA P-256 signature.
std::string signed_receipt_url()
{
    std::string url = "https://hall.example.gov.cn/v/";
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (std::size_t i = 0; url.size() < 200; ++i)
        url += alphabet[(i * 37 + 11) % alphabet.size()];
    return url;
}

TEST(Encode, DefaultsToLevelMAndASquareSymbol)
{
    const auto m = encode(login_url);
    ASSERT_TRUE(m.has_value()) << m.error().detail;
    EXPECT_EQ(m->level(), ec_level::medium);
    EXPECT_EQ(m->size(), 17 + 4 * m->version());
    EXPECT_EQ(m->modules().size(), static_cast<std::size_t>(m->size()) * m->size());
}

TEST(Encode, LoginAndUploadUrlsStaySmall)
{
    // Phones must read these from a screen at a distance: version 4 (33 x 33) at level M.
    for (const auto& url : {login_url, upload_url}) {
        const auto m = encode(url);
        ASSERT_TRUE(m.has_value());
        EXPECT_LE(m->version(), 4) << url;
    }
}

TEST(Encode, SignedReceiptUrlFitsVersion11AtLevelM)
{
    const std::string url = signed_receipt_url();
    ASSERT_EQ(url.size(), 200u);
    const auto m = encode(url, ec_level::medium);
    ASSERT_TRUE(m.has_value());
    EXPECT_LE(m->version(), 11);
}

TEST(Encode, HigherLevelNeverGivesASmallerSymbol)
{
    int previous = 0;
    for (auto level : {ec_level::low, ec_level::medium, ec_level::quartile, ec_level::high}) {
        const auto m = encode(upload_url, level);
        ASSERT_TRUE(m.has_value());
        EXPECT_EQ(m->level(), level);
        EXPECT_GE(m->version(), previous) << ec_level_name(level);
        previous = m->version();
    }
    EXPECT_GT(previous, encode(upload_url, ec_level::low)->version());
}

TEST(Encode, FinderPatternsSitInThreeCorners)
{
    const auto m = encode("HALLPASS");
    ASSERT_TRUE(m.has_value());
    const int n = m->size();
    // 7x7 finder: dark border, light ring, dark 3x3 core; origin of each of the three patterns.
    const int origins[3][2] = {{0, 0}, {n - 7, 0}, {0, n - 7}};
    for (const auto& o : origins) {
        for (int y = 0; y < 7; ++y) {
            for (int x = 0; x < 7; ++x) {
                const bool border = x == 0 || y == 0 || x == 6 || y == 6;
                const bool core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
                EXPECT_EQ(m->dark(o[0] + x, o[1] + y), border || core) << o[0] << "," << o[1] << " +" << x << "," << y;
            }
        }
    }
}

TEST(Encode, EmptyTextIsAnError)
{
    const auto m = encode("");
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().code, errc::empty_text);
    EXPECT_EQ(code_name(m.error().code), "qr_empty_text");
    EXPECT_FALSE(m.error().message.empty());
    EXPECT_FALSE(m.error().message_en.empty());
}

TEST(Encode, TextMustBeUtf8)
{
    for (const std::string& bad : {std::string("\xff\xfe"), std::string("\xe4\xb8"), std::string("\xc0\xaf"),
                                  std::string("\xed\xa0\x80"), std::string("ok\x80")}) {
        const auto m = encode(bad);
        ASSERT_FALSE(m.has_value());
        EXPECT_EQ(m.error().code, errc::invalid_text);
    }
    for (const std::string& good : {std::string("\xe4\xb8\xad"), std::string("\xf0\x9f\x98\x80"), std::string("a\0b", 3)})
        EXPECT_TRUE(encode(good).has_value());
}

TEST(Encode, LargestByteModePayloadFitsVersion40)
{
    // 2953 bytes is the version-40-L byte-mode capacity; one more does not fit.
    const auto fits = encode(std::string(2953, 'a'), ec_level::low);
    ASSERT_TRUE(fits.has_value()) << fits.error().detail;
    EXPECT_EQ(fits->version(), 40);
    const auto too_long = encode(std::string(2954, 'a'), ec_level::low);
    ASSERT_FALSE(too_long.has_value());
    EXPECT_EQ(too_long.error().code, errc::text_too_long);
    EXPECT_EQ(code_name(too_long.error().code), "qr_text_too_long");
}

TEST(Encode, LevelHHoldsLessThanLevelL)
{
    const auto m = encode(std::string(1300, 'a'), ec_level::high);
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().code, errc::text_too_long);
}

TEST(Encode, ErrorMessagesAreChineseAndEnglish)
{
    for (auto e : {errc::empty_text, errc::invalid_text, errc::text_too_long, errc::invalid_options, errc::invalid_image,
                   errc::image_unreadable, errc::image_too_large, errc::not_found, errc::sequence_incomplete,
                   errc::internal}) {
        const auto err = make_error(e);
        EXPECT_TRUE(code_name(e).starts_with("qr_"));
        EXPECT_NE(err.message, err.message_en);
        // Chinese text is UTF-8 with multi-byte characters; English is plain ASCII.
        EXPECT_TRUE(std::any_of(err.message.begin(), err.message.end(), [](char c) { return c & 0x80; }));
        EXPECT_TRUE(std::none_of(err.message_en.begin(), err.message_en.end(), [](char c) { return c & 0x80; }));
    }
}

} // namespace
} // namespace hallpass::qr
