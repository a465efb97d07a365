#include "hallpass/server/identity/masking.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace id = hallpass::server::identity;

namespace {

std::size_t count_stars(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '*'));
}

}  // namespace

TEST(MaskMobile, KeepsFirstOneAndLastTwo) {
  EXPECT_EQ(id::mask_mobile("13812345682"), "1*******82");
  EXPECT_EQ(id::mask_mobile("15861100005"), "1*******05");
  const auto masked = id::mask_mobile("19912345678");
  EXPECT_EQ(masked.find("234"), std::string::npos);
  EXPECT_EQ(count_stars(masked), 7u);
}

TEST(MaskMobile, FixedStarsHideTheLengthOfOtherNumbers) {
  EXPECT_EQ(id::mask_mobile("+8613812345682"), "+*******82");
  EXPECT_EQ(id::mask_mobile("1381234"), "1*******34");
}

TEST(MaskMobile, ShortInputKeepsAtMostHalf) {
  EXPECT_EQ(id::mask_mobile(""), "");
  EXPECT_EQ(id::mask_mobile("1"), "*******");
  EXPECT_EQ(id::mask_mobile("13"), "1*******");
  EXPECT_EQ(id::mask_mobile("138"), "1*******");
  EXPECT_EQ(id::mask_mobile("1382"), "1*******82");
}

TEST(MaskIdNumber, KeepsFirstFourAndLastFour) {
  EXPECT_EQ(id::mask_id_number("320481199001010932"), "3204**********0932");
  EXPECT_EQ(id::mask_id_number("11010519491231002X"), "1101**********002X");
  EXPECT_EQ(id::mask_id_number("110105491231002"), "1101*******1002");  // 15 digits
}

TEST(MaskIdNumber, ShortInputKeepsAtMostHalf) {
  EXPECT_EQ(id::mask_id_number(""), "");
  EXPECT_EQ(id::mask_id_number("3"), "*");
  EXPECT_EQ(id::mask_id_number("3204"), "32**");
  EXPECT_EQ(id::mask_id_number("32048"), "32***");
  EXPECT_EQ(id::mask_id_number("32048119"), "3204****");
  EXPECT_EQ(id::mask_id_number("320481199"), "3204*1199");
}

TEST(MaskIdNumber, NeverRevealsAShortNumberWhole) {
  const std::string digits = "3204811990010109";
  for (std::size_t n = 1; n <= digits.size(); ++n) {
    const std::string input = digits.substr(0, n);
    const auto masked = id::mask_id_number(input);
    EXPECT_EQ(masked.size(), n) << input;
    EXPECT_GE(count_stars(masked), 1u) << input;
    EXPECT_NE(masked, input);
  }
}

TEST(MaskName, KeepsTheFirstCharacter) {
  EXPECT_EQ(id::mask_name("张三"), "张*");
  EXPECT_EQ(id::mask_name("欧阳娜娜"), "欧***");
  EXPECT_EQ(id::mask_name("李小明"), "李**");
  EXPECT_EQ(id::mask_name("买买提·艾力"), "买*****");
  EXPECT_EQ(id::mask_name("John Smith"), "J*********");
}

TEST(MaskName, CountsCharactersNotBytes) {
  // Four-byte characters (outside the BMP) are kept or hidden whole.
  EXPECT_EQ(id::mask_name("\xF0\xA0\x80\x80\xE5\xBC\xA0"), "\xF0\xA0\x80\x80*");
  EXPECT_EQ(id::mask_id_number("张三李四王五赵六钱七孙八"), "张三李四****钱七孙八");
}

TEST(MaskName, ShortAndMalformedInput) {
  EXPECT_EQ(id::mask_name(""), "");
  EXPECT_EQ(id::mask_name("张"), "*");
  EXPECT_EQ(id::mask_name("A"), "*");
  // A stray continuation byte is one character; nothing of the hidden part leaks.
  EXPECT_EQ(id::mask_name("\x80\xE5\xBC\xA0"), "\x80*");
  // A truncated sequence at the end is hidden byte by byte, never half-copied.
  EXPECT_EQ(id::mask_name("\xE5\xBC\xA0\xE5\xBC"), "\xE5\xBC\xA0**");
}

TEST(MaskIp, HidesTheHostPart) {
  EXPECT_EQ(id::mask_ip("203.0.113.57"), "203.0.113.*");
  EXPECT_EQ(id::mask_ip("2001:db8:85a3:8d3:1319:8a2e:370:7348"), "2001:db8:85a3:*");
  EXPECT_EQ(id::mask_ip("::1"), "*");
  EXPECT_EQ(id::mask_ip("operator"), "*");
  EXPECT_EQ(id::mask_ip(""), "*");
}
