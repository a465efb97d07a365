// A PostgreSQL failover as a node sees it: every connection of the node is cut (as when the
// primary dies and HAProxy closes its sessions) and the login tickets are gone (UNLOGGED: a
// promoted standby has none). A portal waiting on the node is told its ticket expired, so it
// shows a fresh QR, instead of waiting for a ticket that no longer exists.
// scripts/cluster-failover-test.sh shows the same on a real Patroni cluster.
#include <gtest/gtest.h>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
using namespace std::chrono_literals;

TEST(Failover, PortalWaitingForATicketLostWithTheFailoverIsToldItExpired) {
  running_server s;
  auto t = create(s.port());
  background_read sse(s.port(), sse_request(t.id, t.poll_secret), 90s);
  ASSERT_TRUE(sse.wait_for("\"pending\"", 10s)) << sse.text();

  sql(s.conninfo(), "DELETE FROM login_tickets WHERE id = " + t.id + " RETURNING id");
  auto listener_up = [&] { return metric_value(s.port(), "hallpass_ticket_listener_up"); };
  ASSERT_TRUE(wait_until([&] { return listener_up() == 1; }, 20s));
  sql(s.conninfo(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()");

  EXPECT_TRUE(sse.wait_for("expired", 30s)) << "the portal was not told; it received: " << sse.text();
  EXPECT_TRUE(sse.finish()) << "the event stream of a ticket that is gone stays open";
  EXPECT_EQ(listener_up(), 1);
}

// The re-read after the listener reconnected does not depend on the pool: just after a
// failover every pooled connection may be busy or PostgreSQL still counted unreachable, and a
// re-read skipped then was never made again. Here the pool is held by the test throughout.
TEST(Failover, TicketsAreReReadOnTheListenersNewConnectionWhateverThePool) {
  auto cfg = test_config();
  cfg.db_pool_size = 2;
  cfg.db_acquire_timeout = 1;
  running_server s(cfg);
  auto t = create(s.port());
  background_read sse(s.port(), sse_request(t.id, t.poll_secret), 90s);
  ASSERT_TRUE(sse.wait_for("\"pending\"", 10s)) << sse.text();
  ASSERT_TRUE(wait_until([&] { return metric_value(s.port(), "hallpass_ticket_listener_up") == 1; }, 20s));

  sql(s.conninfo(), "DELETE FROM login_tickets WHERE id = " + t.id + " RETURNING id");
  {
    auto first = s.app().db.acquire();
    auto second = s.app().db.acquire();
    sql(s.conninfo(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    EXPECT_TRUE(sse.wait_for("expired", 30s)) << "the portal was not told; it received: " << sse.text();
  }
  EXPECT_TRUE(sse.finish());
}
