#include "hallpass/server/identity/validators.hpp"

#include <array>

#include "utf8.hpp"

namespace hallpass::server::identity {
namespace {

// GB 32100-2015 alphabet; a character's value is its index.
constexpr std::string_view uscc_alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> uscc_weights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};

int uscc_value(char c) {
  const auto pos = uscc_alphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

// Province-level codes of GB/T 2260 (mainland, Taiwan 71, Hong Kong 81, Macao 82).
bool is_province_code(char tens, char units) {
  if (!is_digit(tens) || !is_digit(units)) return false;
  const int code = (tens - '0') * 10 + (units - '0');
  switch (code / 10) {
    case 1: return code >= 11 && code <= 15;
    case 2: return code >= 21 && code <= 23;
    case 3: return code >= 31 && code <= 37;
    case 4: return code >= 41 && code <= 46;
    case 5: return code >= 50 && code <= 54;
    case 6: return code >= 61 && code <= 65;
    case 7: return code == 71;
    case 8: return code == 81 || code == 82;
    default: return false;
  }
}

// Kinds each registration authority may issue (GB 32100-2015, table 1).
bool is_authority_kind(char authority, char kind) {
  std::string_view kinds;
  switch (authority) {
    case '1': kinds = "1239"; break;    // 机构编制
    case '2': kinds = "19"; break;      // 外交
    case '3': kinds = "123459"; break;  // 司法行政
    case '4': kinds = "19"; break;      // 文化
    case '5': kinds = "1239"; break;    // 民政
    case '6': kinds = "129"; break;     // 旅游
    case '7': kinds = "129"; break;     // 宗教
    case '8': kinds = "19"; break;      // 工会
    case '9': kinds = "123"; break;     // 工商 / 市场监管
    case 'A': kinds = "19"; break;      // 中央军委改革和编制办公室
    case 'N': kinds = "1239"; break;    // 农业
    case 'Y': kinds = "1"; break;       // 其他
    default: return false;
  }
  return kinds.find(kind) != std::string_view::npos;
}

bool is_white_space(char32_t cp) {
  return cp == U' ' || (cp >= U'\t' && cp <= U'\r') || cp == U'\u3000' || cp == U'\u00A0';
}

// Full-width forms to ASCII, white space dropped, optionally upper-cased and '-' dropped.
std::string fold_input(std::string_view raw, bool upper_case, bool drop_hyphens) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t pos = 0; pos < raw.size();) {
    const auto unit = detail::decode_utf8(raw, pos);
    char32_t cp = unit.code_point;
    if (cp >= U'\uFF01' && cp <= U'\uFF5E') cp -= 0xFEE0;
    if (is_white_space(cp) || (drop_hyphens && cp == U'-')) {
      // dropped
    } else if (cp < 0x80) {  // plain ASCII, or a full-width form folded to it
      const char c = static_cast<char>(cp);
      out.push_back(upper_case && is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c);
    } else {
      out.append(raw.substr(pos, unit.size));
    }
    pos += unit.size;
  }
  return out;
}

}  // namespace

// ---- USCC ----

char uscc_check_char(std::string_view first17) {
  if (first17.size() < 17) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const int v = uscc_value(first17[i]);
    if (v < 0) return '\0';
    sum += v * uscc_weights[i];
  }
  return uscc_alphabet[(31 - sum % 31) % 31];
}

char organization_code_check_char(std::string_view first8) {
  constexpr std::array<int, 8> weights = {3, 7, 9, 10, 5, 8, 4, 2};
  if (first8.size() < 8) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const char c = first8[i];
    int v = 0;
    if (is_digit(c)) {
      v = c - '0';
    } else if (is_upper(c)) {
      v = c - 'A' + 10;
    } else {
      return '\0';
    }
    sum += v * weights[i];
  }
  const int check = 11 - sum % 11;
  if (check == 10) return 'X';
  if (check == 11) return '0';
  return static_cast<char>('0' + check);
}

uscc_problem check_uscc(std::string_view code) {
  if (code.size() != 18) return uscc_problem::wrong_length;
  for (const char c : code) {
    if (uscc_value(c) < 0) return uscc_problem::invalid_character;
  }
  if (!is_authority_kind(code[0], code[1])) return uscc_problem::unknown_authority_kind;
  const std::string_view region = code.substr(2, 6);
  for (const char c : region) {
    if (!is_digit(c)) return uscc_problem::bad_region;
  }
  if (region != "100000" && !is_province_code(region[0], region[1])) {
    return uscc_problem::bad_region;
  }
  if (organization_code_check_char(code.substr(8, 8)) != code[16]) {
    return uscc_problem::bad_organization_code;
  }
  if (uscc_check_char(code) != code[17]) return uscc_problem::bad_check_char;
  return uscc_problem::none;
}

rule_message describe(uscc_problem problem) {
  switch (problem) {
    case uscc_problem::none:
      return {"ok", "统一社会信用代码有效", "The unified social credit code is valid"};
    case uscc_problem::wrong_length:
      return {"uscc_wrong_length", "统一社会信用代码应为18位",
              "The unified social credit code must have 18 characters"};
    case uscc_problem::invalid_character:
      return {"uscc_invalid_character",
              "统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）",
              "The unified social credit code may contain only digits and capital letters "
              "other than I, O, Z, S and V"};
    case uscc_problem::unknown_authority_kind:
      return {"uscc_unknown_authority",
              "统一社会信用代码的登记管理部门代码或机构类别代码无效",
              "The registration authority or organisation kind in the unified social credit "
              "code is not valid"};
    case uscc_problem::bad_region:
      return {"uscc_bad_region", "统一社会信用代码的行政区划码无效",
              "The region code in the unified social credit code is not valid"};
    case uscc_problem::bad_organization_code:
      return {"uscc_bad_organization_code", "统一社会信用代码中的组织机构代码校验失败",
              "The organisation code inside the unified social credit code fails its check"};
    case uscc_problem::bad_check_char:
      return {"uscc_bad_check_char", "统一社会信用代码校验位错误，请核对后重新输入",
              "The check character of the unified social credit code is wrong; please check "
              "the code"};
  }
  return {"uscc_invalid", "统一社会信用代码无效", "The unified social credit code is not valid"};
}

// ---- Resident ID ----

char resident_id_check_digit(std::string_view first17) {
  // ISO 7064 MOD 11-2: weight of position i is 2^(17-i) mod 11.
  constexpr std::array<int, 17> weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  constexpr std::string_view check_chars = "10X98765432";
  if (first17.size() < 17) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    if (!is_digit(first17[i])) return '\0';
    sum += (first17[i] - '0') * weights[i];
  }
  return check_chars[sum % 11];
}

resident_id_problem check_resident_id(std::string_view id, std::chrono::year_month_day today) {
  if (id.size() != 18) return resident_id_problem::wrong_length;
  for (std::size_t i = 0; i < 17; ++i) {
    if (!is_digit(id[i])) return resident_id_problem::invalid_character;
  }
  if (!is_digit(id[17]) && id[17] != 'X') return resident_id_problem::invalid_character;
  // 83 is the prefix of residence permits for Taiwan residents (71 in GB/T 2260 proper).
  if (!is_province_code(id[0], id[1]) && !(id[0] == '8' && id[1] == '3')) {
    return resident_id_problem::bad_region;
  }
  const auto digits = [&](std::size_t from, std::size_t count) {
    int v = 0;
    for (std::size_t i = from; i < from + count; ++i) v = v * 10 + (id[i] - '0');
    return v;
  };
  using namespace std::chrono;
  const year_month_day birth{year{digits(6, 4)}, month{static_cast<unsigned>(digits(10, 2))},
                             day{static_cast<unsigned>(digits(12, 2))}};
  if (!birth.ok() || birth < year{1900} / January / 1 || birth > today) {
    return resident_id_problem::bad_birth_date;
  }
  if (resident_id_check_digit(id) != id[17]) return resident_id_problem::bad_check_digit;
  return resident_id_problem::none;
}

resident_id_problem check_resident_id(std::string_view id) {
  using namespace std::chrono;
  const auto china_now = system_clock::now() + hours{8};
  return check_resident_id(id, year_month_day{floor<days>(china_now)});
}

rule_message describe(resident_id_problem problem) {
  switch (problem) {
    case resident_id_problem::none:
      return {"ok", "身份证号码有效", "The ID number is valid"};
    case resident_id_problem::wrong_length:
      return {"id_number_wrong_length", "身份证号码应为18位",
              "The ID number must have 18 characters"};
    case resident_id_problem::invalid_character:
      return {"id_number_invalid_character", "身份证号码应为17位数字加1位数字或X",
              "The ID number must be 17 digits followed by a digit or X"};
    case resident_id_problem::bad_region:
      return {"id_number_bad_region", "身份证号码的地区码无效",
              "The region code of the ID number is not valid"};
    case resident_id_problem::bad_birth_date:
      return {"id_number_bad_birth_date", "身份证号码中的出生日期无效",
              "The date of birth in the ID number is not valid"};
    case resident_id_problem::bad_check_digit:
      return {"id_number_bad_check_digit", "身份证号码校验位错误，请核对后重新输入",
              "The check digit of the ID number is wrong; please check the number"};
  }
  return {"id_number_invalid", "身份证号码无效", "The ID number is not valid"};
}

// ---- Mobile ----

bool is_valid_mobile(std::string_view mobile) {
  if (mobile.size() != 11 || mobile[0] != '1' || mobile[1] < '3' || mobile[1] > '9') {
    return false;
  }
  for (const char c : mobile) {
    if (!is_digit(c)) return false;
  }
  return true;
}

rule_message invalid_mobile_message() {
  return {"mobile_invalid", "请输入正确的11位手机号码",
          "Please enter a valid 11-digit mobile number"};
}

// ---- Password rule ----

password_rule_result check_password_rule(std::string_view password) {
  password_rule_result r;
  r.length = password.size();
  bool invalid = false;
  for (const char ch : password) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_digit(ch)) {
      r.has_digit = true;
    } else if (is_lower(ch)) {
      r.has_lower = true;
    } else if (is_upper(ch)) {
      r.has_upper = true;
    } else if (c > 0x20 && c < 0x7F) {
      r.has_special = true;
    } else {
      invalid = true;
    }
  }
  if (invalid) {
    r.failure = password_rule_failure::invalid_character;
  } else if (r.length < password_min_length) {
    r.failure = password_rule_failure::too_short;
  } else if (r.length > password_max_length) {
    r.failure = password_rule_failure::too_long;
  } else if (r.class_count() < password_min_classes) {
    r.failure = password_rule_failure::too_few_classes;
  }
  return r;
}

rule_message describe(password_rule_failure failure) {
  switch (failure) {
    case password_rule_failure::none:
      return {"ok", "密码符合要求", "The password meets the rule"};
    case password_rule_failure::invalid_character:
      return {"password_invalid_character",
              "密码只能包含数字、英文字母和特殊字符，不能包含空格或中文",
              "The password may contain only digits, Latin letters and special characters; "
              "no spaces or Chinese characters"};
    case password_rule_failure::too_short:
      return {"password_too_short", "密码长度不能少于8位",
              "The password must have at least 8 characters"};
    case password_rule_failure::too_long:
      return {"password_too_long", "密码长度不能超过20位",
              "The password must have at most 20 characters"};
    case password_rule_failure::too_few_classes:
      return {"password_too_simple",
              "密码须至少包含数字、小写字母、大写字母、特殊字符中的三种",
              "The password must contain at least three of: digits, lower-case letters, "
              "upper-case letters, special characters"};
  }
  return {"password_invalid", "密码不符合要求", "The password does not meet the rule"};
}

// ---- Normalising input ----

std::string normalize_code_input(std::string_view raw) {
  return fold_input(raw, /*upper_case=*/true, /*drop_hyphens=*/false);
}

std::string normalize_mobile_input(std::string_view raw) {
  std::string s = fold_input(raw, /*upper_case=*/false, /*drop_hyphens=*/true);
  const std::string_view v = s;
  if (v.starts_with("+86")) return s.substr(3);
  if (v.starts_with("0086")) return s.substr(4);
  return s;
}

}  // namespace hallpass::server::identity
