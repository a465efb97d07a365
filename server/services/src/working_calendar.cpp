#include "hallpass/server/services/working_calendar.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hallpass::server::services {

using namespace std::chrono;

namespace {

bool weekend(sys_days day) { return weekday(day).iso_encoding() >= 6; }

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

sys_days date_or_throw(const std::string& iso) {
  auto d = parse_iso_date(iso);
  if (!d) throw std::invalid_argument("not a date (YYYY-MM-DD): " + iso);
  return *d;
}

}  // namespace

std::optional<sys_days> parse_iso_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  year_month_day ymd{year(std::stoi(text.substr(0, 4))), month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
                     day(static_cast<unsigned>(std::stoi(text.substr(8, 2))))};
  if (!ymd.ok()) return std::nullopt;
  return sys_days(ymd);
}

std::string format_iso_date(sys_days d) {
  year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

working_calendar working_calendar::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the working-day calendar " + path);
  working_calendar c;
  bool have_name = false, have_covers = false;
  int n = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error("working-day calendar " + path + ":" + std::to_string(n) + ": " + why);
  };
  std::string line;
  while (std::getline(in, line)) {
    ++n;
    line = trim(line);
    if (line.empty()) continue;
    if (line.rfind("# name:", 0) == 0) {
      if (have_name) fail("a second '# name:' line");
      c.name_ = trim(line.substr(7));
      if (c.name_.empty()) fail("an empty name");
      have_name = true;
    } else if (line.rfind("# covers:", 0) == 0) {
      if (have_covers) fail("a second '# covers:' line");
      std::istringstream words(line.substr(9));
      std::string from, to, extra;
      words >> from >> to >> extra;
      auto a = parse_iso_date(from), b = parse_iso_date(to);
      if (!a || !b || !extra.empty() || *b < *a) fail("expected '# covers: YYYY-MM-DD YYYY-MM-DD' (first day, last day)");
      c.first_ = *a;
      c.last_ = *b;
      have_covers = true;
    } else if (line[0] != '#') {
      std::istringstream words(line);
      std::string date, kind;
      words >> date >> kind;
      if (!have_covers) fail("a day before the '# covers:' line");
      auto d = parse_iso_date(date);
      if (!d) fail("not a date (YYYY-MM-DD): " + date);
      if (kind != "holiday" && kind != "workday") fail("unknown kind '" + kind + "' (holiday or workday)");
      if (!c.covered(*d)) fail(date + " is outside the covered range");
      if (c.holidays_.contains(*d) || c.workdays_.contains(*d)) fail(date + " is listed twice");
      if (kind == "workday" && !weekend(*d)) fail(date + " is a workday but not a Saturday or Sunday");
      (kind == "holiday" ? c.holidays_ : c.workdays_).insert(*d);
    }
  }
  if (!have_name || !have_covers) fail("the '# name:' and '# covers:' lines are missing");
  return c;
}

bool working_calendar::is_working_day(sys_days day) const {
  if (workdays_.contains(day)) return true;
  if (holidays_.contains(day)) return false;
  return !weekend(day);
}

working_day_result working_calendar::add_working_days(const std::string& iso_date, int n) const {
  auto t = date_or_throw(iso_date);
  if (n < 0) throw std::invalid_argument("a negative number of working days");
  working_day_result out;
  while (n > 0) {
    t += days(1);
    if (!covered(t)) out.beyond_coverage = true;
    if (is_working_day(t)) --n;
  }
  out.date = format_iso_date(t);
  return out;
}

working_day_count working_calendar::working_days_between(const std::string& from_iso, const std::string& to_iso) const {
  auto from = date_or_throw(from_iso), to = date_or_throw(to_iso);
  int sign = 1;
  if (to < from) {
    std::swap(from, to);
    sign = -1;
  }
  working_day_count out;
  for (auto t = from + days(1); t <= to; t += days(1)) {
    if (!covered(t)) out.beyond_coverage = true;
    if (is_working_day(t)) ++out.days;
  }
  out.days *= sign;
  return out;
}

}  // namespace hallpass::server::services
