// Every error a service can return has one row in the api's table: a status, a stable code, and
// a message in Chinese and English.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "hallpass/server/api/api_error.hpp"

using namespace hallpass::server;

TEST(ErrorTable, EveryServiceErrorHasItsOwnRow) {
  const int last = static_cast<int>(services::errc::internal);
  EXPECT_EQ(api::error_table_size(), static_cast<std::size_t>(last + 1));
  const std::regex code(R"([a-z][a-z_]{2,40})");
  for (int i = 0; i <= last; ++i) {
    auto c = static_cast<services::errc>(i);
    auto e = api::to_api_error(c);
    SCOPED_TRACE("errc " + std::to_string(i) + " -> " + e.code);
    EXPECT_GE(e.status, 400);
    EXPECT_LT(e.status, 600);
    if (c == services::errc::invalid_input) continue;  // the rule's own code and text
    EXPECT_TRUE(std::regex_match(e.code, code));
    EXPECT_FALSE(e.message.empty());
    EXPECT_FALSE(e.message_en.empty());
    if (c != services::errc::internal) {
      EXPECT_NE(e.code, "internal_error");
    }
  }
}

TEST(ErrorTable, RulesKeepTheirOwnCodeAndLimitsTheirRetry) {
  auto rule = api::to_api_error(services::error::broken_rule(identity::invalid_mobile_message()));
  EXPECT_EQ(rule.status, 422);
  EXPECT_EQ(rule.code, std::string(identity::invalid_mobile_message().code));
  EXPECT_EQ(api::to_api_error(services::error(services::errc::rate_limited, 17)).retry_after, 17);
  EXPECT_EQ(api::to_api_error(services::errc::imaging_busy).retry_after, 1);  // 503 always says when
  EXPECT_EQ(api::to_api_error(services::errc::ticket_not_found).status, 404);
  EXPECT_EQ(api::to_api_error(services::errc::invalid_person_name).code, "invalid_name");
}
