// A PostgreSQL that stops answering (a proxy in front of it that goes silent, as a vanished host
// would): a statement gives up within its deadline instead of hanging, the listener notices and
// reconnects once PostgreSQL answers again, and a thread never holds two pool connections.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <iostream>
#include <mutex>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/notification_listener.hpp"
#include "support/stalling_proxy.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace db = hallpass::server::db;
using namespace std::chrono_literals;

namespace {

db::connection_settings short_limits() {
  db::connection_settings s;
  s.connect_timeout = 2s;
  s.statement_timeout = 1s;
  return s;
}

}  // namespace

TEST(DatabaseTimeouts, StatementToASilentPostgresEndsWithinItsDeadline) {
  scratch_database scratch;
  auto proxy = std::make_unique<stalling_proxy>(admin_conninfo());
  db::pool pool(proxy->through(scratch.conninfo()), 2, short_limits(), 2s);
  {
    auto c = pool.acquire();
    EXPECT_EQ(c->exec("SELECT 1").str(0, 0), "1");
  }
  proxy->stall();
  auto started = std::chrono::steady_clock::now();
  auto outcome = std::async(std::launch::async, [&]() -> std::string {
    try {
      auto c = pool.acquire();  // the idle connection looks fine: its peer never said goodbye
      c->exec("SELECT 1");
      return "answered";
    } catch (const db::db_error& e) {
      return e.kind() == db::error_kind::unavailable ? "unavailable" : e.what();
    }
  });
  // Bound: statement timeout + 2 s; generous for a busy machine.
  if (outcome.wait_for(30s) != std::future_status::ready) {
    ADD_FAILURE() << "the statement still hangs after 30 s";
    proxy.reset();  // closes the proxy's connections, which ends the wait
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(outcome.get(), "unavailable");
  std::cout << "[ measured ] statement to a silent PostgreSQL gave up after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms (deadline 3000 ms)\n";

  // A new connection while it is silent: the connect timeout ends it.
  started = std::chrono::steady_clock::now();
  EXPECT_THROW(pool.acquire(), db::db_error);
  std::cout << "[ measured ] connecting to a silent PostgreSQL gave up after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
            << " ms (connect timeout 2000 ms)\n";
  EXPECT_EQ(pool.stats().in_use, 0);

  if (proxy) proxy->resume();
  auto c = pool.acquire();  // the dead connection was dropped: a fresh one works
  EXPECT_EQ(c->exec("SELECT 2").str(0, 0), "2");
}

TEST(DatabaseTimeouts, WhileOneRequestTriesToReachALostPostgresTheOthersFailAtOnce) {
  scratch_database scratch;
  auto proxy = std::make_unique<stalling_proxy>(admin_conninfo());
  auto limits = short_limits();
  limits.connect_timeout = 10s;
  db::pool pool(proxy->through(scratch.conninfo()), 4, limits, 2s);
  {
    auto c = pool.acquire();
    c->exec("SELECT 1");
  }
  proxy->stall();
  {
    auto c = pool.acquire();
    EXPECT_THROW(c->exec("SELECT 1"), db::db_error);  // lost: the pool counts PostgreSQL unreachable
  }
  auto first = std::async(std::launch::async, [&] {
    try {
      pool.acquire();
      return true;
    } catch (const db::db_error&) {
      return false;
    }
  });
  ASSERT_TRUE(wait_until([&] { return pool.stats().in_use == 1; }, 5s));  // it is connecting
  EXPECT_THROW(pool.acquire(), db::db_error);
  EXPECT_NE(first.wait_for(0s), std::future_status::ready) << "the second request waited for a connect of its own";
  proxy->resume();
  EXPECT_FALSE(first.get());  // its connection was accepted while silent
  auto ok = [&] {
    try {
      auto c = pool.acquire();
      return c->exec("SELECT 1").str(0, 0) == "1";
    } catch (const db::db_error&) {
      return false;
    }
  };
  EXPECT_TRUE(wait_until(ok, 10s));
}

TEST(DatabaseTimeouts, ServerSideStatementTimeoutIsSetOnEveryConnection) {
  scratch_database scratch;
  db::pool pool(scratch.conninfo(), 1, short_limits());
  auto c = pool.acquire();
  EXPECT_EQ(c->exec("SHOW statement_timeout").str(0, 0), "1s");
  try {
    c->exec("SELECT pg_sleep(5)");
    ADD_FAILURE() << "pg_sleep(5) ran past a 1 s statement timeout";
  } catch (const db::db_error& e) {
    EXPECT_EQ(e.sqlstate(), "57014");  // query_canceled: the connection stays usable
    EXPECT_EQ(e.kind(), db::error_kind::unavailable);  // 503 with Retry-After, not 500
  }
  EXPECT_FALSE(c->lost());
  EXPECT_EQ(c->exec("SELECT 3").str(0, 0), "3");
}

TEST(DatabaseTimeouts, ListenerNoticesASilentPostgresAndReconnectsWhenItAnswersAgain) {
  scratch_database scratch;
  auto proxy = std::make_unique<stalling_proxy>(admin_conninfo());
  std::mutex m;
  std::vector<std::string> payloads;
  std::atomic<int> reconnects{0};
  db::notification_listener listener(
      proxy->through(scratch.conninfo()), "hp_timeouts",
      [&](const std::string& p) {
        std::lock_guard lock(m);
        payloads.push_back(p);
      },
      [&](db::connection&) { ++reconnects; }, short_limits(), 500ms);
  listener.start();
  ASSERT_TRUE(wait_until([&] { return listener.connected(); }, 10s));

  proxy->stall();
  auto stalled_at = std::chrono::steady_clock::now();
  bool noticed = wait_until([&] { return !listener.connected(); }, 30s);
  auto noticed_after = std::chrono::steady_clock::now() - stalled_at;
  if (!noticed) {
    ADD_FAILURE() << "the listener still counts itself connected 30 s after PostgreSQL went silent";
    proxy.reset();  // closes the proxy's connections, which ends the listener's wait
    listener.stop();
    return;
  }
  std::cout << "[ measured ] listener noticed the silent PostgreSQL after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(noticed_after).count() << " ms\n";

  proxy->resume();
  ASSERT_TRUE(wait_until([&] { return listener.connected(); }, 30s)) << "no reconnect after PostgreSQL came back";
  EXPECT_EQ(reconnects, 1);
  sql(scratch.conninfo(), "SELECT pg_notify('hp_timeouts', 'after')");
  EXPECT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(m);
        return std::find(payloads.begin(), payloads.end(), "after") != payloads.end();
      },
      10s));
  listener.stop();
}

TEST(DatabaseTimeouts, SecondConnectionTakenByAThreadThatHoldsOneIsCounted) {
  scratch_database scratch;
  db::pool pool(scratch.conninfo(), 2);
  {
    auto first = pool.acquire();
  }
  {
    auto again = pool.acquire();  // one after the other: fine
  }
  EXPECT_EQ(pool.stats().nested, 0);
  {
    auto first = pool.acquire();
    auto second = pool.acquire();
  }
  EXPECT_EQ(pool.stats().nested, 1);
}

// During a failover a write can reach a server in recovery (HAProxy still routes to a primary
// Patroni is demoting): "read-only transaction" is then the database being unavailable (503
// with Retry-After, not 500), and the connection, to a standby, is dropped by the pool.
TEST(DatabaseTimeouts, WriteOnAReadOnlyServerIsUnavailableAndTheConnectionIsDropped) {
  scratch_database scratch;
  db::pool pool(scratch.conninfo(), 1, short_limits(), 2s);
  {
    auto c = pool.acquire();
    c->exec("SET default_transaction_read_only = on");
    try {
      c->exec("CREATE TABLE hp_written (x int)");
      ADD_FAILURE() << "the write was accepted";
    } catch (const db::db_error& e) {
      EXPECT_EQ(e.sqlstate(), "25006");
      EXPECT_EQ(e.kind(), db::error_kind::unavailable) << e.what();
    }
    EXPECT_TRUE(c->lost());
  }
  auto fresh = pool.acquire();
  EXPECT_EQ(fresh->exec("SHOW default_transaction_read_only").str(0, 0), "off");
}
