// Graceful shutdown of a hallpass-server process: /readyz turns 503 as soon as shutdown starts
// while requests are still served, a long-poll in flight gets its answer, and the process exits 0.
#include <gtest/gtest.h>

#include <signal.h>

#include <future>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
using namespace std::chrono_literals;

TEST(Shutdown, ReadyzTurns503AtOnceAndRequestsInFlightGetTheirAnswer) {
  scratch_database db;
  server_process p(HALLPASS_SERVER_BINARY, db.conninfo(), false, {"--shutdown-delay=3"});
  ASSERT_TRUE(p.healthy()) << p.log();
  EXPECT_EQ(http_call(p.port(), "GET", "/readyz").status, 200);

  auto t = create(p.port());
  auto waiter = std::async(std::launch::async, [&] { return poll(p.port(), t.id, t.poll_secret, "wait=25&known=pending"); });
  ASSERT_TRUE(wait_until([&] { return metric_value(p.port(), "hallpass_ticket_waiters") >= 1; }, 5s));

  ASSERT_EQ(kill(p.pid(), SIGTERM), 0);
  EXPECT_TRUE(wait_until([&] { return http_call(p.port(), "GET", "/readyz").status == 503; }, 2s));
  auto ready = http_call(p.port(), "GET", "/readyz");
  EXPECT_EQ(ready.error_code(), "shutting_down");
  EXPECT_EQ(http_call(p.port(), "GET", "/healthz").status, 200);  // still serving during the delay

  ASSERT_EQ(waiter.wait_for(10s), std::future_status::ready);
  auto answer = waiter.get();
  EXPECT_EQ(answer.status, 200) << answer.body;  // the long-poll's current state, not a dropped connection
  EXPECT_EQ(p.stop(), 0) << p.log();
}
