// Working-day arithmetic for statutory time limits and supply deadlines (weekends skipped).
#include <gtest/gtest.h>

#include <chrono>

#include "hallpass/server/services/applications.hpp"

using hallpass::server::services::add_working_days;

TEST(WorkingDays, SkipWeekends) {
  EXPECT_EQ(add_working_days("2026-11-27", 1), "2026-11-30");  // Friday + 1 = Monday
  EXPECT_EQ(add_working_days("2026-11-28", 1), "2026-11-30");  // Saturday + 1 = Monday
  EXPECT_EQ(add_working_days("2026-11-29", 1), "2026-11-30");  // Sunday + 1 = Monday
  EXPECT_EQ(add_working_days("2026-11-23", 4), "2026-11-27");  // Monday + 4 = Friday
  EXPECT_EQ(add_working_days("2026-11-23", 5), "2026-11-30");  // Monday + 5 = next Monday
  EXPECT_EQ(add_working_days("2026-11-27", 5), "2026-12-04");  // Friday + 5 = next Friday
  EXPECT_EQ(add_working_days("2026-11-25", 7), "2026-12-04");  // Wednesday + 7
  EXPECT_EQ(add_working_days("2026-11-25", 20), "2026-12-23");
  EXPECT_EQ(add_working_days("2026-11-25", 0), "2026-11-25");
}

TEST(WorkingDays, CrossMonthYearAndLeapDay) {
  EXPECT_EQ(add_working_days("2026-12-31", 1), "2027-01-01");  // Thursday + 1 = Friday
  EXPECT_EQ(add_working_days("2026-12-31", 2), "2027-01-04");  // over the weekend into Monday
  EXPECT_EQ(add_working_days("2028-02-25", 1), "2028-02-28");  // Friday + 1 = Monday
  EXPECT_EQ(add_working_days("2028-02-28", 1), "2028-02-29");  // leap day is a Tuesday
  EXPECT_EQ(add_working_days("2027-02-26", 1), "2027-03-01");  // no leap day in 2027
}

TEST(WorkingDays, AgreeWithCountingDayByDayOverTwoYears) {
  using namespace std::chrono;
  sys_days start{year{2026} / January / 1};
  for (int offset = 0; offset < 730; offset += 3) {
    sys_days from = start + days(offset);
    year_month_day ymd{from};
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
    for (int n : {1, 5, 7, 20}) {
      // Count forward: every weekday passed counts once.
      sys_days t = from;
      int left = n;
      while (left > 0) {
        t += days(1);
        unsigned wd = weekday(t).iso_encoding();  // 1 Monday … 7 Sunday
        if (wd <= 5) --left;
      }
      year_month_day e{t};
      char want[16];
      std::snprintf(want, sizeof want, "%04d-%02u-%02u", int(e.year()), unsigned(e.month()), unsigned(e.day()));
      ASSERT_EQ(add_working_days(iso, n), want) << iso << " + " << n;
    }
  }
}
