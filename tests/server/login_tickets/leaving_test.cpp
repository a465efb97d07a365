// Ended login tickets leave the table (schema/0015): a consumed, cancelled or expired ticket is due
// to leave at its end, and the partition of tickets that ended 30 to 90 s ago is emptied by one
// TRUNCATE, while open tickets stay and keep working. Claims that race a claim that moved the
// ticket to another partition lose cleanly.
#include <gtest/gtest.h>

#include <latch>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

#include "hallpass/server/db/notification_listener.hpp"

#include "support/test_env.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
using namespace std::chrono_literals;

TEST(TicketsLeave, EndedTicketsLeaveTheTableByTruncation) {
  running_server s;
  auto port = s.port();
  auto db = s.conninfo();
  auto phone = phone_login(port, demo::person_only);
  auto consumed = create(port);
  ASSERT_EQ(scan(port, phone, "qr_url", consumed.qr_url).status, 200);
  ASSERT_EQ(confirm(port, phone, consumed.id, consumed.match_number).status, 200);
  ASSERT_EQ(redeem(port, consumed.id, consumed.poll_secret).status, 201);
  auto cancelled = create(port);
  ASSERT_EQ(portal_cancel(port, cancelled.id, cancelled.poll_secret).status, 204);
  auto expired = create(port);
  expire_ticket(db, expired.id);
  auto open = create(port);

  // Each ended ticket is due to leave at its end; the open one at its expiry, two minutes on.
  auto ended = consumed.id + ", " + cancelled.id + ", " + expired.id;
  EXPECT_EQ(sql_one(db, "SELECT count(*) FROM login_tickets WHERE leaves_at <= now() AND id IN (" + ended + ")"), "3");
  EXPECT_EQ(sql_one(db, "SELECT leaves_at > now() + interval '100 seconds' FROM login_tickets WHERE id = " + open.id), "t");

  // A minute passes for the ended ones. All three are set to one instant, a minute ago, which is
  // always in the partition two slots back (ageing each by its own amount could straddle a slot).
  auto moved = sql_one(db, "WITH aged AS (UPDATE login_tickets SET leaves_at = now() - interval '60 seconds' WHERE id IN (" +
                               ended + ") RETURNING tableoid) SELECT string_agg(DISTINCT tableoid::regclass::text, ',') FROM aged");
  ASSERT_EQ(moved.find(','), std::string::npos) << "one partition: " << moved;
  auto file_before = sql_one(db, "SELECT pg_relation_filenode('" + moved + "')");

  // The sweeper (every two seconds) empties it.
  EXPECT_TRUE(wait_until([&] { return sql_one(db, "SELECT count(*) FROM login_tickets WHERE id IN (" + ended + ")") == "0"; },
                         15s));
  EXPECT_EQ(sql_one(db, "SELECT count(*) FROM " + moved), "0");
  EXPECT_NE(sql_one(db, "SELECT pg_relation_filenode('" + moved + "')"), file_before) << "emptied by TRUNCATE, not row by row";
  // The open ticket is untouched and works to the end.
  EXPECT_EQ(state_of(port, open), "pending");
  ASSERT_EQ(scan(port, phone, "qr_url", open.qr_url).status, 200);
  ASSERT_EQ(confirm(port, phone, open.id, open.match_number).status, 200);
  EXPECT_EQ(redeem(port, open.id, open.poll_secret).status, 201);
}

TEST(TicketsLeave, ConcurrentScansLetExactlyOnePhoneClaim) {
  running_server s;
  auto t = create(s.port());
  std::vector<std::string> phones;
  for (int i = 0; i < 8; ++i) phones.push_back(phone_login(s.port(), demo::person_only));
  std::latch go(8);
  std::vector<http_reply> replies(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      replies[i] = scan(s.port(), phones[i], "qr_url", t.qr_url);
    });
  for (auto& th : threads) th.join();
  int claimed = 0, refused = 0;
  for (auto& r : replies) {
    claimed += r.status == 200;
    refused += r.error_code() == "ticket_claimed_by_another";
  }
  EXPECT_EQ(claimed, 1);
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(state_of(s.port(), t), "scanned");
}

// Tickets that expire together are announced many to a notification (schema/0018), and every
// one of them is announced: a NOTIFY per ticket cost every node a message per ticket.
TEST(TicketsLeave, ExpiriesAreAnnouncedManyToANotification) {
  running_server s;
  auto db = s.conninfo();
  std::mutex mutex;
  std::set<std::string> announced;
  int notifications = 0;
  hallpass::server::db::notification_listener listener(
      db, "login_tickets",
      [&](const std::string& payload) {
        if (!payload.ends_with(":expired")) return;
        std::lock_guard lock(mutex);
        ++notifications;
        std::string_view ids(payload.data(), payload.size() - std::string_view(":expired").size());
        for (std::size_t at = 0; at <= ids.size();) {
          auto comma = std::min(ids.find(',', at), ids.size());
          announced.emplace(ids.substr(at, comma - at));
          at = comma + 1;
        }
      },
      [](hallpass::server::db::connection&) {});
  listener.start();
  ASSERT_TRUE(wait_until([&] { return listener.connected(); }, 10s));

  // 1,000 portal tickets that expire a second from now, all in one slot.
  auto ids = sql_one(db,
                     "WITH made AS (INSERT INTO login_tickets (scan_hash, poll_hash, kind, match_number, portal_name, "
                     "expires_at, leaves_at) SELECT sha256(('s' || g)::bytea), sha256(('p' || g)::bytea), 'portal', 42, "
                     "'bench', now() + interval '1 second', now() + interval '1 second' FROM generate_series(1, 1000) g "
                     "RETURNING id) SELECT min(id) || '-' || max(id) FROM made");
  auto dash = ids.find('-');
  const long first = std::stol(ids.substr(0, dash)), last = std::stol(ids.substr(dash + 1));
  ASSERT_EQ(last - first, 999);
  // The sweeper (every two seconds) announces them.
  EXPECT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(mutex);
        return announced.size() >= 1000;
      },
      15s));
  std::lock_guard lock(mutex);
  for (long id = first; id <= last; ++id) EXPECT_TRUE(announced.count(std::to_string(id))) << id;
  // 380 to a notification: 3, or a few more when a sweep round fell between their expiries.
  EXPECT_LE(notifications, 6);
  EXPECT_GE(notifications, 3);
}
