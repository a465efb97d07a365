#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hallpass/server/identity/validators.hpp"

namespace id = hallpass::server::identity;
using failure = id::password_rule_failure;

TEST(PasswordRule, AcceptsThreeOrFourClassesWithinLength) {
  for (const char* ok : {"Abcdef1!", "abcdef12!", "ABCdef123", "ABC-DEF-123", "aB3$aB3$aB3$aB3$aB3$",
                         "~`[]{}|\\Aa", "P@ssw0rd2026"}) {
    const auto r = id::check_password_rule(ok);
    EXPECT_TRUE(r.ok()) << ok << " failed with " << id::describe(r.failure).code;
    EXPECT_GE(r.class_count(), 3) << ok;
  }
}

TEST(PasswordRule, ReportsTheClassesPresent) {
  const auto r = id::check_password_rule("abcdef12!");
  EXPECT_TRUE(r.has_digit);
  EXPECT_TRUE(r.has_lower);
  EXPECT_FALSE(r.has_upper);
  EXPECT_TRUE(r.has_special);
  EXPECT_EQ(r.class_count(), 3);
  EXPECT_EQ(r.length, 9u);
}

TEST(PasswordRule, RejectsTooShort) {
  for (const char* bad : {"", "A", "Ab1!", "Abcde1!"}) {
    const auto r = id::check_password_rule(bad);
    EXPECT_EQ(r.failure, failure::too_short) << bad;
    EXPECT_FALSE(r.ok());
  }
  EXPECT_TRUE(id::check_password_rule("Abcdef1!").ok());  // exactly 8
}

TEST(PasswordRule, RejectsTooLong) {
  const std::string twenty = "Abcdefghij1234567!@#";
  ASSERT_EQ(twenty.size(), 20u);
  EXPECT_TRUE(id::check_password_rule(twenty).ok());
  EXPECT_EQ(id::check_password_rule(twenty + "x").failure, failure::too_long);
  EXPECT_EQ(id::check_password_rule(std::string(200, 'a') + "A1").failure, failure::too_long);
}

TEST(PasswordRule, RejectsFewerThanThreeClasses) {
  struct example {
    const char* password;
    bool digit, lower, upper, special;
  };
  for (const auto& e : std::vector<example>{
           {"abcdefgh", false, true, false, false},
           {"ABCDEFGH", false, false, true, false},
           {"12345678", true, false, false, false},
           {"!@#$%^&*", false, false, false, true},
           {"abcdefgh1", true, true, false, false},
           {"ABCDEFGH1", true, false, true, false},
           {"abcdEFGH", false, true, true, false},
           {"abcd!@#$", false, true, false, true},
           {"ABCD!@#$", false, false, true, true},
           {"1234!@#$", true, false, false, true},
       }) {
    const auto r = id::check_password_rule(e.password);
    EXPECT_EQ(r.failure, failure::too_few_classes) << e.password;
    EXPECT_EQ(r.has_digit, e.digit) << e.password;
    EXPECT_EQ(r.has_lower, e.lower) << e.password;
    EXPECT_EQ(r.has_upper, e.upper) << e.password;
    EXPECT_EQ(r.has_special, e.special) << e.password;
    EXPECT_LT(r.class_count(), 3) << e.password;
  }
}

TEST(PasswordRule, RejectsSpacesControlsAndNonAscii) {
  for (const std::string& bad : {std::string("Abc def1!"), std::string("Abcdef1!\t"),
                                std::string("Abcdef1!\x7F"), std::string("Abcdef1!密码"),
                                std::string("Abcd\0ef1!", 9),
                                std::string("\xEF\xBC\xA1" "bcdef1!")}) {  // full-width 'A'
    EXPECT_EQ(id::check_password_rule(bad).failure, failure::invalid_character) << bad;
  }
  // An invalid character is reported before the length.
  EXPECT_EQ(id::check_password_rule("a b").failure, failure::invalid_character);
}

TEST(PasswordRule, DescribesEachFailureInBothLanguages) {
  std::vector<std::string_view> codes;
  for (const auto f : {failure::invalid_character, failure::too_short, failure::too_long,
                       failure::too_few_classes}) {
    const auto m = id::describe(f);
    EXPECT_TRUE(m.code.starts_with("password_")) << m.code;
    EXPECT_FALSE(m.message.empty());
    EXPECT_FALSE(m.message_en.empty());
    for (const auto c : codes) EXPECT_NE(c, m.code);
    codes.push_back(m.code);
  }
}
