// Node A reaches PostgreSQL through a proxy that goes silent (a vanished database host: no
// answer, no close); node B reaches it directly. While A cannot reach it, A's polls answer 503
// database_unavailable in seconds rather than hanging or answering "pending" from memory; a
// confirm made on B meanwhile reaches the portal waiting on A once the database answers again.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>

#include "support/stalling_proxy.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
using namespace std::chrono_literals;

TEST(DatabaseOutage, ConfirmMadeWhileNodeALostTheDatabaseReachesItsPortalAfterwards) {
  scratch_database db;
  auto proxy = std::make_unique<stalling_proxy>(admin_conninfo());
  auto a = std::make_unique<server_process>(
      HALLPASS_SERVER_BINARY, proxy->through(db.conninfo()), true,
      std::vector<std::string>{"--db-connect-timeout=2", "--db-statement-timeout=2", "--db-acquire-timeout=2"});
  ASSERT_TRUE(a->healthy()) << a->log();
  server_process b(HALLPASS_SERVER_BINARY, db.conninfo(), false);
  ASSERT_TRUE(b.healthy()) << b.log();
  auto listener_up = [&] { return metric_value(a->port(), "hallpass_ticket_listener_up"); };
  ASSERT_TRUE(wait_until([&] { return listener_up() == 1; }, 20s)) << a->log();

  auto t = create(a->port());
  ASSERT_EQ(state_of(a->port(), t), "pending");
  background_read sse(a->port(), sse_request(t.id, t.poll_secret), 90s);
  ASSERT_TRUE(sse.wait_for("\"pending\"", 5s)) << sse.text();

  proxy->stall();
  auto stalled_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return listener_up() == 0; }, 30s))
      << "node A's listener still counts itself connected 30 s after the database went silent";
  std::cout << "[ measured ] node A's listener noticed the silent database after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stalled_at).count()
            << " ms\n";

  // The ticket moves on B while A cannot know: A must not answer from its memory.
  auto phone = phone_login(b.port(), demo::mobile_agent_all);
  ASSERT_EQ(scan(b.port(), phone, "qr_url", t.qr_url).status, 200);
  ASSERT_EQ(confirm(b.port(), phone, t.id, t.match_number).status, 200);
  auto asked = std::chrono::steady_clock::now();
  auto r = poll(a->port(), t.id, t.poll_secret);
  auto answered_in = std::chrono::steady_clock::now() - asked;
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.error_code(), "database_unavailable") << r.body;
  EXPECT_LT(answered_in, 30s);  // statement deadline 4 s, connect timeout 2 s: generous bound
  std::cout << "[ measured ] poll on node A without its database answered "
            << r.status << " in " << std::chrono::duration_cast<std::chrono::milliseconds>(answered_in).count()
            << " ms\n";

  proxy->resume();
  auto resumed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return listener_up() == 1; }, 30s)) << "node A's listener never reconnected";
  EXPECT_TRUE(sse.wait_for("\"confirmed\"", 20s)) << sse.text();
  std::cout << "[ measured ] confirm made during the outage reached node A's portal "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - resumed_at).count()
            << " ms after the database answered again\n";
  // The pool may still count the database unreachable for a moment (answering 503): then it reads.
  EXPECT_TRUE(wait_until([&] { return state_of(a->port(), t) == "confirmed"; }, 20s)) << a->log();
  sse.stop();
  EXPECT_EQ(a->stop(), 0) << a->log();
}
