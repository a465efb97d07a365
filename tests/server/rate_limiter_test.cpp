// The rate limiter: fixed windows on the injected clock, and memory that stays bounded whatever
// number of keys comes.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "hallpass/server/services/rate_limiter.hpp"

using namespace hallpass::server::services;
using namespace std::chrono_literals;

TEST(RateLimiter, CountsWithinAWindowAndForgetsItAfterwards) {
  manual_clock clock;
  rate_limiter limits(clock);
  EXPECT_EQ(limits.hit("ip:a", 2, 60), 0);
  EXPECT_EQ(limits.hit("ip:a", 2, 60), 0);
  EXPECT_EQ(limits.hit("ip:a", 2, 60), 60);
  EXPECT_EQ(limits.blocked_for("ip:a", 2, 60), 60);
  EXPECT_EQ(limits.hit("ip:b", 2, 60), 0);  // another key has its own window
  clock.advance(59s);
  EXPECT_EQ(limits.hit("ip:a", 2, 60), 1);
  clock.advance(1s);
  EXPECT_EQ(limits.hit("ip:a", 2, 60), 0);
  limits.reset("ip:a");
  EXPECT_EQ(limits.blocked_for("ip:a", 1, 60), 0);
}

TEST(RateLimiter, AMillionDistinctKeysStayWithinTheBound) {
  manual_clock clock;
  rate_limiter limits(clock, 100000);
  for (int i = 0; i < 1000000; ++i) {
    EXPECT_EQ(limits.hit("ip:" + std::to_string(i), 5, 60), 0);
    if (i % 100000 == 0) clock.advance(1s);
  }
  EXPECT_EQ(limits.size(), limits.max_keys());
  // The newest windows are the ones kept, and they still count.
  EXPECT_EQ(limits.blocked_for("ip:999999", 1, 60), 60);
  EXPECT_EQ(limits.blocked_for("ip:0", 1, 60), 0);
  // Once their windows have finished, the next call drops them.
  clock.advance(61s);
  limits.hit("ip:new", 5, 60);
  EXPECT_EQ(limits.size(), 1u);
}
