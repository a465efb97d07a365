#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "hallpass/server/identity/validators.hpp"

namespace id = hallpass::server::identity;
using namespace std::chrono;

namespace {

// ISO 7064 MOD 11-2 in its defining form: sum of a_i * 2^(18-i) over all 18 characters,
// with X = 10, is 1 (mod 11). Independent of the library's weight table.
bool resident_id_checksum_holds(std::string_view id) {
  long sum = 0;
  for (std::size_t i = 0; i < 18; ++i) {
    const long a = id[i] == 'X' ? 10 : id[i] - '0';
    long w = 1;
    for (std::size_t k = 0; k < 17 - i; ++k) w = (w * 2) % 11;
    sum += a * w;
  }
  return sum % 11 == 1;
}

std::string make_resident_id(std::string_view first17) {
  return std::string(first17) + id::resident_id_check_digit(first17);
}

constexpr year_month_day fixed_today = 2026y / November / 25;

// The example of GB 11643-1999 itself and sample numbers printed in seed manual 003.
const std::vector<std::string> known_ids = {
    "11010519491231002X", "110101197501010039", "110101199003074936",
    "110101197501010055", "110101197501010071", "110101197501010098",
};

}  // namespace

TEST(ResidentId, AcceptsPublishedNumbers) {
  for (const auto& number : known_ids) {
    EXPECT_TRUE(resident_id_checksum_holds(number)) << number << " (independent check)";
    EXPECT_EQ(id::resident_id_check_digit(number.substr(0, 17)), number[17]) << number;
    EXPECT_EQ(id::check_resident_id(number, fixed_today), id::resident_id_problem::none);
    EXPECT_TRUE(id::is_valid_resident_id(number)) << number << " (today's date)";
  }
}

TEST(ResidentId, MadeNumbersPassTheIndependentCheck) {
  for (const char* first17 : {"32048119900101093", "44030420000229123", "81000019850615001",
                              "83000019700101002", "65010219191111000"}) {
    const auto number = make_resident_id(first17);
    EXPECT_TRUE(resident_id_checksum_holds(number)) << number;
    EXPECT_TRUE(id::is_valid_resident_id(number, fixed_today)) << number;
  }
}

TEST(ResidentId, RejectsEveryWrongCheckDigit) {
  for (const auto& number : known_ids) {
    for (const char c : std::string_view("0123456789X")) {
      if (c == number[17]) continue;
      const std::string bad = number.substr(0, 17) + c;
      EXPECT_EQ(id::check_resident_id(bad, fixed_today), id::resident_id_problem::bad_check_digit)
          << bad;
    }
  }
}

TEST(ResidentId, RejectsEverySingleDigitChange) {
  for (const auto& number : known_ids) {
    for (std::size_t i = 0; i < 17; ++i) {
      for (char c = '0'; c <= '9'; ++c) {
        if (c == number[i]) continue;
        std::string bad = number;
        bad[i] = c;
        EXPECT_FALSE(id::is_valid_resident_id(bad, fixed_today)) << bad;
      }
    }
  }
}

TEST(ResidentId, StandardExampleFrom1880FailsOnlyTheDateRule) {
  // GB 11643-1999 also prints 440524188001010014: its check digit is right, but births
  // before 1900 are outside what the hall accepts.
  const std::string number = "440524188001010014";
  EXPECT_TRUE(resident_id_checksum_holds(number));
  EXPECT_EQ(id::resident_id_check_digit(number), '4');
  EXPECT_EQ(id::check_resident_id(number, fixed_today), id::resident_id_problem::bad_birth_date);
}

TEST(ResidentId, RejectsImpossibleBirthDates) {
  for (const char* date : {"19900230", "19990229", "19901301", "19900100",
                           "19900432", "18991231", "00000000"}) {
    const std::string d(date, 8);
    const auto number = make_resident_id("110105" + d + "002");
    EXPECT_EQ(id::check_resident_id(number, fixed_today), id::resident_id_problem::bad_birth_date)
        << number;
  }
  EXPECT_TRUE(id::is_valid_resident_id(make_resident_id("11010520000229002"), fixed_today));
  EXPECT_TRUE(id::is_valid_resident_id(make_resident_id("11010519000101002"), fixed_today));
}

TEST(ResidentId, RejectsBirthDatesInTheFuture) {
  const auto born_today = make_resident_id("11010520261125002");
  const auto born_tomorrow = make_resident_id("11010520261126002");
  const auto born_2030 = make_resident_id("11010520300101002");
  EXPECT_TRUE(id::is_valid_resident_id(born_today, fixed_today));
  EXPECT_EQ(id::check_resident_id(born_tomorrow, fixed_today),
            id::resident_id_problem::bad_birth_date);
  EXPECT_EQ(id::check_resident_id(born_2030, fixed_today), id::resident_id_problem::bad_birth_date);
  // The same number becomes valid once its date has come.
  EXPECT_TRUE(id::is_valid_resident_id(born_2030, 2030y / January / 1));
}

TEST(ResidentId, RejectsBadRegion) {
  for (const char* region : {"000000", "100000", "160101", "390101", "470101", "550101",
                             "660101", "720101", "840101", "910101", "990101"}) {
    const auto number = make_resident_id(std::string(region) + "19900101002");
    EXPECT_EQ(id::check_resident_id(number, fixed_today), id::resident_id_problem::bad_region)
        << number;
  }
}

TEST(ResidentId, RejectsWrongLengthAndCharacters) {
  EXPECT_EQ(id::check_resident_id("", fixed_today), id::resident_id_problem::wrong_length);
  EXPECT_EQ(id::check_resident_id("110105491231002", fixed_today),  // old 15-digit form
            id::resident_id_problem::wrong_length);
  EXPECT_EQ(id::check_resident_id("11010519491231002", fixed_today),
            id::resident_id_problem::wrong_length);
  EXPECT_EQ(id::check_resident_id("11010519491231002X0", fixed_today),
            id::resident_id_problem::wrong_length);
  EXPECT_EQ(id::check_resident_id("1101051949123100X2", fixed_today),
            id::resident_id_problem::invalid_character);
  EXPECT_EQ(id::check_resident_id("11010519491231002Y", fixed_today),
            id::resident_id_problem::invalid_character);
  EXPECT_EQ(id::check_resident_id("32041119F0000220AB", fixed_today),
            id::resident_id_problem::invalid_character);
  EXPECT_EQ(id::resident_id_check_digit("1101051949123100"), '\0');
  EXPECT_EQ(id::resident_id_check_digit("1101051949123100A"), '\0');
}

TEST(ResidentId, LowerCaseXIsRejectedUntilNormalised) {
  const std::string typed = " 11010519491231002x ";
  EXPECT_FALSE(id::is_valid_resident_id(typed));
  EXPECT_EQ(id::check_resident_id("11010519491231002x", fixed_today),
            id::resident_id_problem::invalid_character);
  EXPECT_EQ(id::normalize_code_input(typed), "11010519491231002X");
  EXPECT_TRUE(id::is_valid_resident_id(id::normalize_code_input(typed), fixed_today));
}

TEST(ResidentId, FullWidthIsRejectedUntilNormalised) {
  // "１１０１０１１９７５０１０１００３９" with a full-width digit for every character.
  std::string full_width;
  for (const char c : std::string_view("110101197501010039")) {
    full_width += "\xEF\xBC";
    full_width += static_cast<char>(0x90 + (c - '0'));
  }
  EXPECT_FALSE(id::is_valid_resident_id(full_width, fixed_today));
  EXPECT_EQ(id::normalize_code_input(full_width), "110101197501010039");
  EXPECT_TRUE(id::is_valid_resident_id(id::normalize_code_input(full_width), fixed_today));
}

TEST(ResidentId, DescribesEachProblem) {
  for (const auto p : {id::resident_id_problem::wrong_length,
                       id::resident_id_problem::invalid_character,
                       id::resident_id_problem::bad_region, id::resident_id_problem::bad_birth_date,
                       id::resident_id_problem::bad_check_digit}) {
    const auto m = id::describe(p);
    EXPECT_TRUE(m.code.starts_with("id_number_")) << m.code;
    EXPECT_FALSE(m.message.empty());
    EXPECT_FALSE(m.message_en.empty());
  }
}

// ---- Mobile ----

TEST(Mobile, AcceptsEachValidSecondDigit) {
  for (char second = '3'; second <= '9'; ++second) {
    const std::string number = std::string("1") + second + "812345682";
    EXPECT_TRUE(id::is_valid_mobile(number)) << number;
  }
  EXPECT_TRUE(id::is_valid_mobile("15861100000"));
}

TEST(Mobile, RejectsMalformedNumbers) {
  for (const char* bad : {"", "1381234568", "138123456820", "12812345682", "10812345682",
                          "23812345682", "1381234568a", "138-1234-568", "+8613812345682",
                          " 13812345682", "1*******82"}) {
    EXPECT_FALSE(id::is_valid_mobile(bad)) << bad;
  }
  // Full-width "１３８１２３４５６８２".
  std::string full_width;
  for (const char c : std::string_view("13812345682")) {
    full_width += "\xEF\xBC";
    full_width += static_cast<char>(0x90 + (c - '0'));
  }
  EXPECT_FALSE(id::is_valid_mobile(full_width));
  EXPECT_EQ(id::normalize_mobile_input(full_width), "13812345682");
}

TEST(Mobile, NormalisesWhatPeopleType) {
  EXPECT_EQ(id::normalize_mobile_input(" 138 1234 5682 "), "13812345682");
  EXPECT_EQ(id::normalize_mobile_input("138-1234-5682"), "13812345682");
  EXPECT_EQ(id::normalize_mobile_input("+86 138 1234 5682"), "13812345682");
  EXPECT_EQ(id::normalize_mobile_input("0086-13812345682"), "13812345682");
  EXPECT_EQ(id::normalize_mobile_input("86 13812345682"), "8613812345682");  // no '+': kept
  EXPECT_FALSE(id::is_valid_mobile(id::normalize_mobile_input("86 13812345682")));
  EXPECT_EQ(id::normalize_mobile_input("138a1234"), "138a1234");  // letters stay, to fail
  EXPECT_EQ(id::invalid_mobile_message().code, "mobile_invalid");
}

TEST(Normalise, KeepsWhatItCannotFold) {
  // Chinese text and malformed UTF-8 pass through unchanged, so the validators reject them.
  const std::string chinese = "统一代码";
  EXPECT_EQ(id::normalize_code_input(chinese), chinese);
  const std::string broken = "91\xEF\xBC";  // a truncated full-width sequence
  EXPECT_EQ(id::normalize_code_input(broken), broken);
  EXPECT_EQ(id::normalize_code_input("\xC0\xB1"), "\xC0\xB1");  // overlong '1' is not '1'
  EXPECT_EQ(id::normalize_code_input(""), "");
}
