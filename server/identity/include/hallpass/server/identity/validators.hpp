#pragma once
// Validation of the identity numbers and credentials people type in: the unified social
// credit code of a unit (USCC, GB 32100-2015), the resident ID number of a person
// (GB 11643-1999), mainland mobile numbers and the password rule of unit accounts.
//
// The validators accept only the canonical form: upper-case ASCII, no spaces, no
// full-width characters. One number then has exactly one spelling, so it can be used
// as a key. User input goes through normalize_code_input / normalize_mobile_input first,
// which is where lower case, full-width digits and surrounding spaces are forgiven.
//
// Every function is pure (the overloads without a date read the clock) and thread-safe.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace hallpass::server::identity {

// A stable machine code with the text a person reads, Chinese first (API.md).
struct rule_message {
  std::string_view code;
  std::string_view message;     // zh-CN
  std::string_view message_en;  // en
};

// ---- Unified social credit code (统一社会信用代码), GB 32100-2015 ----
//
// 18 characters from the 31-character alphabet 0-9 A-H J-N P-R T-U W-Y (never I O Z S V):
//   1      registration authority (1-9, A, N, Y)
//   2      kind of organisation, which must be one the authority issues (e.g. 9 -> 1,2,3)
//   3-8    region code of the registering office (GB/T 2260; 100000 for national offices)
//   9-17   organisation code (GB 11714) whose 9th character is its own check character
//   18     check character, ISO 7064 MOD 31-3 with the GB 32100 weights
enum class uscc_problem {
  none,
  wrong_length,            // not 18 characters
  invalid_character,       // outside the alphabet (also: lower case, full-width, I O Z S V)
  unknown_authority_kind,  // characters 1-2 are not a registered authority/kind pair
  bad_region,              // characters 3-8 are not a province-level region code
  bad_organization_code,   // characters 9-17 fail the GB 11714 check
  bad_check_char,          // character 18 is not the GB 32100 check character
};

uscc_problem check_uscc(std::string_view code);
inline bool is_valid_uscc(std::string_view code) { return check_uscc(code) == uscc_problem::none; }

// The GB 32100 check character for the first 17 characters of a USCC (only the first 17
// are read if more are given). Returns '\0' if fewer than 17 characters are given or one
// of them is outside the USCC alphabet. Used to make demo data; it checks nothing else.
char uscc_check_char(std::string_view first17);

// The GB 11714 check character ('0'-'9' or 'X') for the first 8 characters of an
// organisation code (digits and upper-case letters). '\0' if they are not 8 such characters.
char organization_code_check_char(std::string_view first8);

rule_message describe(uscc_problem problem);

// ---- Resident identity number (公民身份号码), GB 11643-1999 ----
//
// 18 characters: a 6-digit region code (province part must exist in GB/T 2260, or be
// 81/82/83 as used by the residence permits of Hong Kong, Macao and Taiwan residents),
// birth date YYYYMMDD (a real calendar date, not before 1900-01-01 and not after today),
// a 3-digit sequence number, and the ISO 7064 MOD 11-2 check character '0'-'9' or 'X'.
// Only an upper-case 'X' is accepted; normalize_code_input turns a typed 'x' into 'X'.
// The old 15-digit numbers are not accepted: they were all replaced by 18-digit ones.
enum class resident_id_problem {
  none,
  wrong_length,       // not 18 characters
  invalid_character,  // not 17 digits followed by a digit or 'X'
  bad_region,         // the first two digits are not a province code
  bad_birth_date,     // not a date, before 1900, or in the future
  bad_check_digit,    // the last character is not the MOD 11-2 check character
};

// `today` is the date against which "in the future" is judged. The overload without it
// uses today's date in China Standard Time (UTC+8), where the numbers are issued.
resident_id_problem check_resident_id(std::string_view id, std::chrono::year_month_day today);
resident_id_problem check_resident_id(std::string_view id);
inline bool is_valid_resident_id(std::string_view id) {
  return check_resident_id(id) == resident_id_problem::none;
}
inline bool is_valid_resident_id(std::string_view id, std::chrono::year_month_day today) {
  return check_resident_id(id, today) == resident_id_problem::none;
}

// The MOD 11-2 check character ('0'-'9' or 'X') for the first 17 digits of a resident ID
// (only the first 17 are read). '\0' if fewer than 17 characters or a non-digit is among them.
char resident_id_check_digit(std::string_view first17);

rule_message describe(resident_id_problem problem);

// ---- Mobile number ----
// Mainland mobile: exactly 11 ASCII digits matching 1[3-9]\d{9}.
bool is_valid_mobile(std::string_view mobile);
rule_message invalid_mobile_message();

// ---- Password rule of unit accounts ----
//
// 8-20 characters, each a printable ASCII character other than space, with at least three
// of the four classes: digits, lower-case letters, upper-case letters, special characters
// (ASCII punctuation !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~). The first rule broken is reported
// in this order: invalid_character, too_short, too_long, too_few_classes; the flags tell
// which classes were present, so a form can say which ones to add.
enum class password_rule_failure {
  none,
  invalid_character,  // space, control, or non-ASCII character
  too_short,          // fewer than 8 characters
  too_long,           // more than 20 characters
  too_few_classes,    // fewer than three of the four classes
};

inline constexpr std::size_t password_min_length = 8;
inline constexpr std::size_t password_max_length = 20;
inline constexpr int password_min_classes = 3;

struct password_rule_result {
  password_rule_failure failure = password_rule_failure::none;
  std::size_t length = 0;  // in bytes; equal to characters when no invalid character
  bool has_digit = false;
  bool has_lower = false;
  bool has_upper = false;
  bool has_special = false;

  bool ok() const { return failure == password_rule_failure::none; }
  int class_count() const { return has_digit + has_lower + has_upper + has_special; }
};

password_rule_result check_password_rule(std::string_view password);
rule_message describe(password_rule_failure failure);

// ---- Normalising what people type ----
//
// For a USCC or resident ID: full-width ASCII forms (U+FF01-U+FF5E, as Chinese input
// methods produce them) become their ASCII counterparts, every white space (ASCII, U+3000
// ideographic space, U+00A0) is removed wherever it is, and ASCII letters are upper-cased.
// Anything else is kept as it is, so the validator still rejects it.
std::string normalize_code_input(std::string_view raw);

// For a mobile: the same full-width and white-space handling, '-' separators removed, and
// a leading "+86" or "0086" country code dropped.
std::string normalize_mobile_input(std::string_view raw);

}  // namespace hallpass::server::identity
