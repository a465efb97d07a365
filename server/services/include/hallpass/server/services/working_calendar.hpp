#pragma once
// Working days for statutory time limits (法定办结时限) and supply deadlines: Monday to Friday,
// except public holidays, plus the make-up working days (调休上班) on weekends, as the State
// Council's yearly notice lists them. Read from a small text file:
//
//   # name: 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）
//   # covers: 2026-01-01 2026-12-31
//   2026-01-01 holiday 元旦
//   2026-01-04 workday 元旦调休上班
//
// Days outside `covers` count Monday to Friday, and every answer that used such a day says so.
#include <chrono>
#include <optional>
#include <set>
#include <string>

namespace hallpass::server::services {

// A YYYY-MM-DD date that exists; nothing for anything else.
std::optional<std::chrono::sys_days> parse_iso_date(const std::string& text);
std::string format_iso_date(std::chrono::sys_days day);

struct working_day_result {
  std::string date;
  bool beyond_coverage = false;  // a day counted lay outside the calendar: weekends-only rule there
};
struct working_day_count {
  int days = 0;
  bool beyond_coverage = false;
};

class working_calendar {
 public:
  // Throws std::runtime_error naming the file and line on a malformed line, a date that does not
  // exist, a date listed twice, a date outside `covers`, a `workday` that is not a Saturday or
  // Sunday, or a file without its `# name:` and `# covers:` header.
  static working_calendar load(const std::string& path);

  bool is_working_day(std::chrono::sys_days day) const;

  // The n-th working day after the date (n = 0: the date itself, 即时办结). Throws
  // std::invalid_argument on a bad date or a negative n.
  working_day_result add_working_days(const std::string& iso_date, int n) const;
  // Working days after `from` up to and including `to`; negative when to < from (days overdue).
  // Throws std::invalid_argument on a bad date.
  working_day_count working_days_between(const std::string& from_iso, const std::string& to_iso) const;

  const std::string& name() const { return name_; }
  std::chrono::sys_days covers_from() const { return first_; }
  std::chrono::sys_days covers_to() const { return last_; }

 private:
  working_calendar() = default;
  bool covered(std::chrono::sys_days day) const { return day >= first_ && day <= last_; }

  std::string name_;
  std::chrono::sys_days first_{}, last_{};
  std::set<std::chrono::sys_days> holidays_, workdays_;
};

}  // namespace hallpass::server::services
