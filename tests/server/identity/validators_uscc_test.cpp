#include "hallpass/server/identity/validators.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace id = hallpass::server::identity;

namespace {

constexpr std::string_view alphabet31 = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// Independent formulation of the GB 32100 check: weights are 3^i mod 31, and a valid code
// has sum(value_i * w_i) + value(check) == 0 (mod 31).
bool uscc_checksum_holds(std::string_view code) {
  long sum = 0;
  long w = 1;
  for (std::size_t i = 0; i < 17; ++i) {
    sum += static_cast<long>(alphabet31.find(code[i])) * w;
    w = (w * 3) % 31;
  }
  return (sum + static_cast<long>(alphabet31.find(code[17]))) % 31 == 0;
}

// Independent formulation of the GB 11714 check: weights are 2^(8-i) mod 11 and a valid
// 9-character code has sum + value(check) == 0 (mod 11), with X = 10 and 0 standing for 11.
bool organization_checksum_holds(std::string_view code9) {
  long sum = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const char c = code9[i];
    const long v = (c >= '0' && c <= '9') ? c - '0' : c - 'A' + 10;
    long w = 1;
    for (std::size_t k = 0; k < 8 - i; ++k) w = (w * 2) % 11;
    sum += v * w;
  }
  const long check = code9[8] == 'X' ? 10 : code9[8] - '0';
  return (sum + check) % 11 == 0;
}

// Published codes: business licences of well-known companies and the seed manuals.
const std::vector<std::string> known_usccs = {
    "91440300708461136T",  // 深圳市腾讯计算机系统有限公司
    "914403001922038216",  // 华为技术有限公司
    "91110000802100433B",  // 北京百度网讯科技有限公司
    "91110108551385082Q",  // 小米科技有限责任公司
    "91100000100003962T",  // 中国工商银行股份有限公司 (national registration, region 100000)
    "91440300192317458F",  // 比亚迪股份有限公司
    "91330100716105852F",  // 阿里巴巴（中国）有限公司
    "91520000214434146R",  // 贵州茅台酒股份有限公司
    "91110000710925462X",  // 中国石油天然气股份有限公司
    "91320404MA20F9KD0C",  // seed 000: a Changzhou enterprise
    "92220102MA15438D0X",  // seed 003: an individual business (个体工商户)
    "11320404014119504M",  // seed 000: a government organ (机关)
    "932202215597513157",  // seed 003: a farmers' cooperative (农民专业合作社)
};

// A code with correct check characters around the given first 8 and organisation body.
std::string make_uscc(std::string_view first8, std::string_view org8) {
  std::string code = std::string(first8) + std::string(org8);
  code += id::organization_code_check_char(org8);
  code += id::uscc_check_char(code);
  return code;
}

}  // namespace

// ---- USCC ----

TEST(Uscc, AcceptsPublishedCodes) {
  for (const auto& code : known_usccs) {
    EXPECT_TRUE(uscc_checksum_holds(code)) << code << " (independent check)";
    EXPECT_TRUE(organization_checksum_holds(code.substr(8, 9))) << code;
    EXPECT_EQ(id::uscc_check_char(code.substr(0, 17)), code[17]) << code;
    EXPECT_EQ(id::organization_code_check_char(code.substr(8, 8)), code[16]) << code;
    EXPECT_EQ(id::check_uscc(code), id::uscc_problem::none) << code;
    EXPECT_TRUE(id::is_valid_uscc(code)) << code;
  }
}

TEST(Uscc, MadeCodesPassTheIndependentCheck) {
  for (const char* org : {"MA20F9KD", "71092546", "00000000", "XY123456", "MA1Q2R3T"}) {
    const auto code = make_uscc("91320583", org);
    EXPECT_TRUE(uscc_checksum_holds(code)) << code;
    EXPECT_TRUE(organization_checksum_holds(code.substr(8, 9))) << code;
    EXPECT_TRUE(id::is_valid_uscc(code)) << code;
  }
}

TEST(Uscc, RejectsEveryWrongCheckChar) {
  for (const auto& code : known_usccs) {
    for (const char c : alphabet31) {
      if (c == code[17]) continue;
      std::string bad = code;
      bad[17] = c;
      EXPECT_EQ(id::check_uscc(bad), id::uscc_problem::bad_check_char) << bad;
    }
  }
}

TEST(Uscc, RejectsEverySingleSubstitutionAndAdjacentSwap) {
  for (const auto& code : known_usccs) {
    for (std::size_t i = 0; i < code.size(); ++i) {
      for (const char c : alphabet31) {
        if (c == code[i]) continue;
        std::string bad = code;
        bad[i] = c;
        EXPECT_FALSE(id::is_valid_uscc(bad)) << bad;
      }
      if (i + 1 < code.size() && code[i] != code[i + 1]) {
        std::string swapped = code;
        std::swap(swapped[i], swapped[i + 1]);
        EXPECT_FALSE(id::is_valid_uscc(swapped)) << swapped;
      }
    }
  }
}

TEST(Uscc, RejectsWrongLength) {
  const std::string good = known_usccs.front();
  EXPECT_EQ(id::check_uscc(""), id::uscc_problem::wrong_length);
  EXPECT_EQ(id::check_uscc(good.substr(0, 17)), id::uscc_problem::wrong_length);
  EXPECT_EQ(id::check_uscc(good + "0"), id::uscc_problem::wrong_length);
  EXPECT_EQ(id::check_uscc("320404000000014119X"), id::uscc_problem::wrong_length);
}

TEST(Uscc, RejectsForbiddenLetters) {
  const std::string good = known_usccs.front();
  for (const char c : std::string_view("IOZSV")) {
    std::string bad = good;
    bad[10] = c;
    EXPECT_EQ(id::check_uscc(bad), id::uscc_problem::invalid_character) << bad;
    EXPECT_EQ(id::uscc_check_char(bad), '\0') << bad;
  }
  EXPECT_EQ(id::check_uscc("XXXXXXXXXXXXXXXXX-"), id::uscc_problem::invalid_character);
}

TEST(Uscc, LowerCaseIsRejectedUntilNormalised) {
  const std::string lower = "91110108551385082q";
  EXPECT_EQ(id::check_uscc(lower), id::uscc_problem::invalid_character);
  EXPECT_EQ(id::check_uscc("92220102ma15438D0X"), id::uscc_problem::invalid_character);
  EXPECT_TRUE(id::is_valid_uscc(id::normalize_code_input(lower)));
  EXPECT_TRUE(id::is_valid_uscc(id::normalize_code_input("  92220102ma15438d0x\t")));
}

TEST(Uscc, FullWidthIsRejectedUntilNormalised) {
  // "９１４４０３００７０８４６１１３６Ｔ" typed with a Chinese input method.
  const std::string full_width =
      "\xEF\xBC\x99\xEF\xBC\x91\xEF\xBC\x94\xEF\xBC\x94\xEF\xBC\x90\xEF\xBC\x93"
      "\xEF\xBC\x90\xEF\xBC\x90\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x98\xEF\xBC\x94"
      "\xEF\xBC\x96\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x93\xEF\xBC\x96\xEF\xBC\xB4";
  EXPECT_FALSE(id::is_valid_uscc(full_width));
  EXPECT_EQ(id::normalize_code_input(full_width), "91440300708461136T");
  EXPECT_TRUE(id::is_valid_uscc(id::normalize_code_input(full_width)));
  // One full-width letter in an otherwise ASCII code; ideographic spaces around it.
  const std::string mixed = "\xE3\x80\x80" "91440300708461136\xEF\xBD\x94\xE3\x80\x80";
  EXPECT_FALSE(id::is_valid_uscc(mixed));
  EXPECT_EQ(id::normalize_code_input(mixed), "91440300708461136T");
}

TEST(Uscc, RejectsUnknownAuthorityOrKind) {
  for (const char* first2 : {"94", "90", "Y2", "B1", "01", "55", "A3", "N4"}) {
    const auto code = make_uscc(std::string(first2) + "320583", "MA20F9KD");
    EXPECT_TRUE(uscc_checksum_holds(code)) << code;
    EXPECT_EQ(id::check_uscc(code), id::uscc_problem::unknown_authority_kind) << code;
  }
  for (const char* first2 : {"11", "21", "31", "41", "53", "62", "72", "81", "93", "A1", "N9",
                             "Y1"}) {
    EXPECT_TRUE(id::is_valid_uscc(make_uscc(std::string(first2) + "320583", "MA20F9KD")))
        << first2;
  }
}

TEST(Uscc, RejectsBadRegion) {
  for (const char* region : {"000000", "990000", "100100", "160101", "7A0000", "830000"}) {
    const auto code = make_uscc(std::string("91") + region, "MA20F9KD");
    EXPECT_EQ(id::check_uscc(code), id::uscc_problem::bad_region) << code;
  }
  EXPECT_TRUE(id::is_valid_uscc(make_uscc("91100000", "MA20F9KD")));
  EXPECT_TRUE(id::is_valid_uscc(make_uscc("91650100", "MA20F9KD")));
}

TEST(Uscc, RejectsBadOrganizationCode) {
  const std::string good = make_uscc("91320583", "MA20F9KD");
  for (const char c : std::string_view("0123456789X")) {
    if (c == good[16]) continue;
    std::string bad = good.substr(0, 16) + c;
    bad += id::uscc_check_char(bad);  // a correct outer check hides nothing
    EXPECT_TRUE(uscc_checksum_holds(bad)) << bad;
    EXPECT_EQ(id::check_uscc(bad), id::uscc_problem::bad_organization_code) << bad;
  }
}

TEST(Uscc, CheckCharNeedsSeventeenValidCharacters) {
  EXPECT_EQ(id::uscc_check_char(""), '\0');
  EXPECT_EQ(id::uscc_check_char("9144030070846113"), '\0');
  EXPECT_EQ(id::uscc_check_char("9144030070846113o"), '\0');
  EXPECT_EQ(id::organization_code_check_char("7084611"), '\0');
  EXPECT_EQ(id::organization_code_check_char("7084611-"), '\0');
}

TEST(Uscc, DescribesEachProblem) {
  const id::uscc_problem all[] = {
      id::uscc_problem::wrong_length,   id::uscc_problem::invalid_character,
      id::uscc_problem::unknown_authority_kind, id::uscc_problem::bad_region,
      id::uscc_problem::bad_organization_code,  id::uscc_problem::bad_check_char};
  std::vector<std::string_view> codes;
  for (const auto p : all) {
    const auto m = id::describe(p);
    EXPECT_TRUE(m.code.starts_with("uscc_")) << m.code;
    EXPECT_FALSE(m.message.empty());
    EXPECT_FALSE(m.message_en.empty());
    for (const auto c : codes) EXPECT_NE(c, m.code);
    codes.push_back(m.code);
  }
}
