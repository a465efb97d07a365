// Working-day arithmetic for statutory time limits and supply deadlines, with the shipped calendar
// (public holidays skipped, make-up working days counted, Monday to Friday beyond its range), and
// the refusal of malformed calendar files.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

#include "hallpass/server/services/working_calendar.hpp"

namespace {

using namespace hallpass::server::services;
using namespace std::chrono;
namespace fs = std::filesystem;

const working_calendar& cn() {
  static const auto calendar = working_calendar::load(HALLPASS_SHIPPED_CALENDAR);
  return calendar;
}

sys_days day(const std::string& iso) { return parse_iso_date(iso).value(); }

std::string plus(const std::string& iso, int n) {
  auto r = cn().add_working_days(iso, n);
  EXPECT_FALSE(r.beyond_coverage) << iso << " + " << n;
  return r.date;
}

TEST(WorkingCalendar, ShippedFileNamesItsSourceAndCovers2026) {
  EXPECT_NE(cn().name().find("2026年部分节假日安排"), std::string::npos) << cn().name();
  EXPECT_EQ(format_iso_date(cn().covers_from()), "2026-01-01");
  EXPECT_EQ(format_iso_date(cn().covers_to()), "2026-12-31");
}

TEST(WorkingCalendar, HolidaysAndMakeUpWorkingDays) {
  EXPECT_TRUE(cn().is_working_day(day("2026-02-14")));   // Saturday, 春节调休上班
  EXPECT_FALSE(cn().is_working_day(day("2026-02-16")));  // Monday, 春节
  EXPECT_TRUE(cn().is_working_day(day("2026-10-10")));   // Saturday, 国庆节调休上班
  EXPECT_TRUE(cn().is_working_day(day("2026-09-20")));   // Sunday, 国庆节调休上班
  EXPECT_FALSE(cn().is_working_day(day("2026-01-01")));  // Thursday, 元旦
  EXPECT_FALSE(cn().is_working_day(day("2026-10-07")));  // Wednesday, 国庆节
  EXPECT_TRUE(cn().is_working_day(day("2026-11-30")));   // an ordinary Monday
  EXPECT_FALSE(cn().is_working_day(day("2026-11-28")));  // an ordinary Saturday
}

TEST(WorkingCalendar, DeadlineSpanningNationalDay) {
  // Monday 9-28: 9-29, 9-30, then 10-1…10-7 off, 10-8, 10-9 and the make-up Saturday 10-10.
  EXPECT_EQ(plus("2026-09-28", 5), "2026-10-10");
  EXPECT_EQ(plus("2026-09-28", 6), "2026-10-12");
}

TEST(WorkingCalendar, MakeUpSundayCounts) {
  EXPECT_EQ(plus("2026-09-18", 1), "2026-09-20");  // Friday + 1 = the make-up Sunday
  EXPECT_EQ(plus("2026-02-13", 1), "2026-02-14");  // Friday + 1 = the make-up Saturday before 春节
  EXPECT_EQ(plus("2026-02-14", 1), "2026-02-24");  // then nine days of 春节
}

TEST(WorkingCalendar, ZeroDaysIsTheSameDate) {
  EXPECT_EQ(plus("2026-11-25", 0), "2026-11-25");
  EXPECT_EQ(plus("2026-10-03", 0), "2026-10-03");  // 即时办结, even on a holiday
}

TEST(WorkingCalendar, OrdinaryWeeksSkipWeekends) {
  EXPECT_EQ(plus("2026-11-27", 1), "2026-11-30");  // Friday + 1 = Monday
  EXPECT_EQ(plus("2026-11-28", 1), "2026-11-30");  // Saturday + 1 = Monday
  EXPECT_EQ(plus("2026-11-23", 4), "2026-11-27");  // Monday + 4 = Friday
  EXPECT_EQ(plus("2026-11-25", 20), "2026-12-23");
}

TEST(WorkingCalendar, BeyondCoverageCountsMondayToFridayAndSaysSo) {
  auto r = cn().add_working_days("2026-12-30", 5);  // 12-31, then 2027: 1-1, 1-4, 1-5, 1-6
  EXPECT_EQ(r.date, "2027-01-06");
  EXPECT_TRUE(r.beyond_coverage);
  auto leap = cn().add_working_days("2028-02-28", 1);
  EXPECT_EQ(leap.date, "2028-02-29");
  EXPECT_TRUE(leap.beyond_coverage);
  auto inside = cn().add_working_days("2026-12-30", 1);
  EXPECT_EQ(inside.date, "2026-12-31");
  EXPECT_FALSE(inside.beyond_coverage);
}

TEST(WorkingCalendar, WorkingDaysBetweenAcrossSpringFestival) {
  // After Friday 2-13: the make-up Saturday 2-14, 2-15…2-23 off, 2-24…2-27.
  auto left = cn().working_days_between("2026-02-13", "2026-02-27");
  EXPECT_EQ(left.days, 5);
  EXPECT_FALSE(left.beyond_coverage);
  EXPECT_EQ(cn().working_days_between("2026-02-27", "2026-02-13").days, -5);  // overdue
  EXPECT_EQ(cn().working_days_between("2026-02-15", "2026-02-23").days, 0);
  EXPECT_EQ(cn().working_days_between("2026-02-13", "2026-02-13").days, 0);
  auto far = cn().working_days_between("2026-12-30", "2027-01-06");
  EXPECT_EQ(far.days, 5);
  EXPECT_TRUE(far.beyond_coverage);
}

TEST(WorkingCalendar, BetweenUndoesAddOverTheWholeYear) {
  for (auto d = day("2026-01-01"); d <= day("2026-12-20"); d += days(1)) {
    auto from = format_iso_date(d);
    for (int n : {0, 1, 5, 7, 20}) {
      auto due = cn().add_working_days(from, n);
      if (n > 0) ASSERT_TRUE(cn().is_working_day(day(due.date))) << from << " + " << n;
      ASSERT_EQ(cn().working_days_between(from, due.date).days, n) << from << " + " << n;
    }
  }
}

TEST(WorkingCalendar, IsoDatesMustBeRealYyyyMmDd) {
  EXPECT_TRUE(parse_iso_date("2028-02-29"));
  for (auto bad : {"2027-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-05", "2026/01/05", "20260105",
                   " 2026-01-05", "2026-01-05 ", "2026-01-5x", "", "abcd-ef-gh", "+026-01-05"})
    EXPECT_FALSE(parse_iso_date(bad)) << bad;
  EXPECT_THROW(cn().add_working_days("2026-02-30", 1), std::invalid_argument);
  EXPECT_THROW(cn().add_working_days("2026-02-10", -1), std::invalid_argument);
  EXPECT_THROW(cn().working_days_between("2026-02-10", "2026-2-11"), std::invalid_argument);
}

// A calendar file in a scratch folder, removed afterwards.
class MalformedCalendar : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hallpass-calendar-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The message of the refusal, or "" when the file loads.
  std::string refusal(const std::string& body) {
    auto path = (dir_ / "calendar.txt").string();
    std::ofstream(path) << body;
    try {
      working_calendar::load(path);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }

  const std::string header = "# name: test calendar\n# covers: 2026-01-01 2026-12-31\n";
  fs::path dir_;
};

TEST_F(MalformedCalendar, AGoodFileLoads) {
  EXPECT_EQ(refusal(header + "\n# a comment\n2026-01-01 holiday 元旦\n2026-01-04 workday\n"), "");
}

TEST_F(MalformedCalendar, BadDateIsRefusedWithItsLine) {
  auto why = refusal(header + "2026-01-01 holiday 元旦\n2026-02-30 holiday 春节\n");
  EXPECT_NE(why.find(":4:"), std::string::npos) << why;
  EXPECT_NE(why.find("2026-02-30"), std::string::npos) << why;
}

TEST_F(MalformedCalendar, DuplicateDateIsRefusedWithItsLine) {
  auto why = refusal(header + "2026-01-01 holiday 元旦\n2026-01-02 holiday 元旦\n2026-01-01 holiday 元旦\n");
  EXPECT_NE(why.find(":5:"), std::string::npos) << why;
  EXPECT_NE(why.find("twice"), std::string::npos) << why;
}

TEST_F(MalformedCalendar, UnknownKindIsRefusedWithItsLine) {
  auto why = refusal(header + "2026-01-01 vacation 元旦\n");
  EXPECT_NE(why.find(":3:"), std::string::npos) << why;
  EXPECT_NE(why.find("vacation"), std::string::npos) << why;
  EXPECT_NE(refusal(header + "2026-01-01\n").find(":3:"), std::string::npos);  // no kind at all
}

TEST_F(MalformedCalendar, DateOutsideCoversIsRefusedWithItsLine) {
  auto why = refusal(header + "2026-10-01 holiday 国庆节\n2027-01-01 holiday 元旦\n");
  EXPECT_NE(why.find(":4:"), std::string::npos) << why;
  EXPECT_NE(why.find("outside"), std::string::npos) << why;
}

TEST_F(MalformedCalendar, WorkdayOnAWeekdayIsRefused) {
  auto why = refusal(header + "2026-01-05 workday 周一\n");  // a Monday works anyway: a typo
  EXPECT_NE(why.find(":3:"), std::string::npos) << why;
}

TEST_F(MalformedCalendar, HeaderIsRequired) {
  EXPECT_NE(refusal("# covers: 2026-01-01 2026-12-31\n2026-01-01 holiday\n").find("name"), std::string::npos);
  EXPECT_NE(refusal("# name: x\n2026-01-01 holiday\n").find(":2:"), std::string::npos);  // covers first
  EXPECT_NE(refusal("# name: x\n# covers: 2026-12-31 2026-01-01\n").find(":2:"), std::string::npos);
  EXPECT_NE(refusal("# name: x\n# covers: 2026-01-01\n").find(":2:"), std::string::npos);
}

TEST(WorkingCalendar, MissingFileIsRefused) {
  EXPECT_THROW(working_calendar::load(HALLPASS_SHIPPED_CALENDAR ".missing"), std::runtime_error);
}

}  // namespace
