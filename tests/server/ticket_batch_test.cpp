// Concurrent ticket creation is grouped into shared INSERTs: every caller must still get its own
// ticket back, and statements carrying several tickets must actually happen.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <thread>

#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/services/login_tickets.hpp"
#include "hallpass/server/services/ticket_tokens.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass;
using namespace hallpass::test;
using namespace std::chrono_literals;

TEST(TicketBatches, ConcurrentCreatorsEachGetTheirOwnTicket) {
  auto cfg = test_config();
  cfg.net.worker_threads = 2;
  cfg.db_pool_size = 4;
  cfg.tickets_per_ip_per_minute = 1000000;  // the service counts them like any portal's
  running_server s(cfg, false);
  constexpr int threads = 16, per_thread = 25;
  auto& batcher = s.app().ticket_inserts;
  // Hold every pooled connection, so the first insert cannot run: the creators' first tickets
  // queue up behind it and must share statements once the connections are back.
  std::vector<std::optional<server::db::pool::lease>> held(cfg.db_pool_size);
  for (auto& h : held) h.emplace(s.app().db.acquire());
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
  // Every creator has handed its first ticket to the batcher, and none can have got it back.
  bool all_queued = wait_until([&] { return batcher.submitted() >= static_cast<std::size_t>(threads); }, 3s);
  held.clear();
  for (auto& w : workers) w.join();
  ASSERT_TRUE(all_queued) << batcher.submitted() << " tickets submitted";
  EXPECT_EQ(batcher.submitted(), static_cast<std::size_t>(threads * per_thread));
  // The first statement took k of the 16 waiting tickets and the next one the other 16 - k.
  EXPECT_GE(batcher.largest_batch(), static_cast<std::size_t>(threads / 2));
  EXPECT_EQ(metric_value(s.port(), "hallpass_ticket_insert_batch_max"), static_cast<double>(batcher.largest_batch()));

  std::set<std::int64_t> ids;
  server::db::connection c(s.conninfo());
  for (auto& list : made) {
    ASSERT_EQ(list.size(), static_cast<std::size_t>(per_thread));
    for (auto& t : list) {
      EXPECT_TRUE(ids.insert(t.ticket.id).second) << "ticket " << t.ticket.id << " returned twice";
      auto token = server::services::split_ticket_token(t.poll_secret);
      ASSERT_TRUE(token.has_value());
      EXPECT_EQ(token->id, t.ticket.id);
      auto stored = server::db::find_ticket_by_poll(c, token->id, token->secret_hash);
      ASSERT_TRUE(stored.has_value());
      EXPECT_EQ(stored->id, t.ticket.id);
      EXPECT_EQ(stored->match_number, t.ticket.match_number);
      EXPECT_EQ(stored->state, "pending");
    }
  }
  EXPECT_EQ(c.exec("SELECT count(*) FROM login_tickets").int64(0, 0), threads * per_thread);
}

// A batch travels as one array per column: quotes, backslashes, commas, braces, the word NULL
// and non-ASCII text in a portal's name or User-Agent must come back as they went in, and a
// missing user code or client stays missing.
TEST(TicketBatches, AwkwardTextSurvivesTheColumnArrays) {
  scratch_database db;
  server::db::connection c(db.conninfo());
  std::vector<server::db::new_ticket_row> rows(3);
  const std::vector<std::string> names = {R"(a "quoted" \ back\\slash)", "NULL", "{,}  海城 人社 "};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].scan_hash = std::string(16, char('a' + i)) + std::string(1, '\0') + "\\\"";
    rows[i].poll_hash = std::string(32, char(0x80 + i));
    rows[i].kind = "portal";
    rows[i].portal_name = names[i];
    rows[i].user_agent = names[(i + 1) % names.size()];
    rows[i].portal_ip = "192.0.2." + std::to_string(i + 1);
    rows[i].match_number = int(10 + i);
  }
  rows[1].user_code = "BCDF-GHJK";
  rows[1].client_id = "tv-\"1\"";
  rows[1].kind = "device";
  std::vector<const server::db::new_ticket_row*> batch;
  for (auto& r : rows) batch.push_back(&r);
  auto made = server::db::insert_tickets(c, batch);
  ASSERT_EQ(made.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(made[i].portal_name, rows[i].portal_name);
    EXPECT_EQ(made[i].user_agent, rows[i].user_agent);
    EXPECT_EQ(made[i].portal_ip, rows[i].portal_ip);
    EXPECT_EQ(made[i].match_number, rows[i].match_number);
    EXPECT_EQ(made[i].kind, rows[i].kind);
    EXPECT_EQ(made[i].user_code, rows[i].user_code);
    EXPECT_EQ(made[i].client_id, rows[i].client_id.value_or(""));
    auto n = c.exec("SELECT count(*) FROM login_tickets WHERE scan_hash = $1 AND poll_hash = $2",
                    {server::db::bytea{rows[i].scan_hash}, server::db::bytea{rows[i].poll_hash}});
    EXPECT_EQ(n.int64(0, 0), 1) << "ticket " << i << " hashes";
  }
}
