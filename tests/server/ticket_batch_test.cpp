// Concurrent ticket creation is grouped into shared INSERTs: every caller must still get its own
// ticket back.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/services/login_tickets.hpp"
#include "support/test_env.hpp"

using namespace hallpass;
using namespace hallpass::test;

TEST(TicketBatches, ConcurrentCreatorsEachGetTheirOwnTicket) {
  auto cfg = test_config();
  cfg.net.worker_threads = 2;
  cfg.db_pool_size = 4;
  cfg.tickets_per_ip_per_minute = 1000000;  // the service counts them like any portal's
  running_server s(cfg, false);
  constexpr int threads = 16, per_thread = 25;
  std::vector<std::vector<server::services::created_ticket>> made(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      for (int k = 0; k < per_thread; ++k) {
        auto t = s.app().tickets.create_ticket({});
        if (t) made[i].push_back(std::move(t.value()));
      }
    });
  }
  for (auto& w : workers) w.join();

  std::set<std::int64_t> ids;
  server::db::connection c(s.conninfo());
  for (auto& list : made) {
    ASSERT_EQ(list.size(), static_cast<std::size_t>(per_thread));
    for (auto& t : list) {
      EXPECT_TRUE(ids.insert(t.ticket.id).second) << "ticket " << t.ticket.id << " returned twice";
      auto stored = server::db::find_ticket_by_poll(c, server::identity::sha256_hex(t.poll_secret));
      ASSERT_TRUE(stored.has_value());
      EXPECT_EQ(stored->id, t.ticket.id);
      EXPECT_EQ(stored->match_number, t.ticket.match_number);
      EXPECT_EQ(stored->state, "pending");
    }
  }
  EXPECT_EQ(c.exec("SELECT count(*) FROM login_tickets").int64(0, 0), threads * per_thread);
}
