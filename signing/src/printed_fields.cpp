// The fields a person reads on the paper, compared with those the code signs: a copy whose
// text was changed but whose QR code was kept shows here, field by field.
#include <ctime>

#include "hallpass/signing/document_code.hpp"

namespace hallpass::signing {

namespace {

// The printed labels, in the order the documents print them; a field's value runs up to the
// next label.
constexpr std::string_view labels[] = {"申请编号", "申请事项", "申请人", "提交时间", "受理时间", "受理人", "受理部门",
                                       "法定办理时限", "预计办结日期", "决定日期", "许可证编号"};

// The value printed after `label`, or nullopt when the label is not on the page.
std::optional<std::string> value_after(std::string_view text, std::string_view label) {
  auto at = text.find(label);
  // 申请人 is also the start of nothing else, but 申请编号 / 申请事项 contain 申请: match whole labels.
  while (at != std::string_view::npos) {
    bool longer = false;
    for (auto other : labels)
      if (other.size() > label.size() && other.starts_with(label) && text.substr(at).starts_with(other)) longer = true;
    if (!longer) break;
    at = text.find(label, at + 1);
  }
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = text.substr(at + label.size());
  auto end = rest.size();
  for (auto other : labels)
    if (auto next = rest.find(other); next != std::string_view::npos && next < end) end = next;
  return std::string(rest.substr(0, end));
}

// Whether `printed` fits the mask: its literal pieces in order, each run of '*' one or more
// characters (UTF-8 aware: a piece must start at a character boundary).
bool fits_mask(std::string_view mask, std::string_view printed) {
  if (mask.empty()) return printed.empty();
  auto star = mask.find('*');
  if (star == std::string_view::npos) return mask == printed;
  auto head = mask.substr(0, star);
  if (!printed.starts_with(head)) return false;
  auto after = mask.substr(star);
  auto stars = after.find_first_not_of('*');
  auto tail = stars == std::string_view::npos ? std::string_view{} : after.substr(stars);
  auto rest = printed.substr(head.size());
  // At least one character under the stars, then the rest of the mask somewhere after it.
  for (std::size_t skip = 1; skip <= rest.size(); ++skip) {
    if (skip < rest.size() && (static_cast<unsigned char>(rest[skip]) & 0xC0) == 0x80) continue;
    if (fits_mask(tail, rest.substr(skip))) return true;
  }
  return false;
}

// Unix seconds in China time (UTC+8), as the documents print them.
std::string china_time(std::int64_t t, bool with_minutes) {
  std::time_t tt = static_cast<std::time_t>(t + 8 * 3600);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char out[40];
  std::strftime(out, sizeof out, with_minutes ? "%Y年%m月%d日%H:%M" : "%Y年%m月%d日", &tm);
  return out;
}

}  // namespace

std::vector<field_difference> compare_printed(const document_claims& claims, std::string_view page_text) {
  std::vector<field_difference> out;
  // The type: the title the page carries.
  std::vector<std::string_view> titles;
  if (claims.type == document_type::receipt) titles = {"受理回执"};
  else if (claims.type == document_type::approval) titles = {"准予行政许可决定书"};
  else titles = {"不予行政许可决定书", "不予受理通知书"};
  bool title_found = false;
  for (auto t : titles) title_found = title_found || page_text.find(t) != std::string_view::npos;
  if (!title_found) out.push_back({"文书类型", "", std::string(titles.front())});

  auto compare = [&](std::string_view label, const std::string& expected, auto&& agrees) {
    auto printed = value_after(page_text, label);
    if (!printed || !agrees(*printed)) out.push_back({std::string(label), printed.value_or(""), expected});
  };
  compare("申请编号", claims.reference, [&](const std::string& v) { return v == claims.reference; });
  compare("申请人", claims.holder, [&](const std::string& v) {
    // A unit is printed with its unit number, a person with the masked ID number, in brackets.
    auto name = v.substr(0, v.find("（"));
    return fits_mask(claims.holder, name);
  });
  if (claims.type == document_type::receipt) {
    auto when = china_time(claims.issued_at, true);
    compare("受理时间", when, [&](const std::string& v) { return v == when; });
  } else {
    auto when = china_time(claims.issued_at, false);
    compare("决定日期", when, [&](const std::string& v) { return v == when; });
  }
  return out;
}

}  // namespace hallpass::signing
