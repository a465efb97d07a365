// The node's memory of its own pending tickets: a sweep drops what expired and keeps the rest,
// whatever order tickets of different lifetimes were remembered in.
#include "hallpass/server/services/pending_tickets.hpp"

#include <gtest/gtest.h>

#include <string>

namespace services = hallpass::server::services;

namespace {

hallpass::server::db::ticket_row pending(std::int64_t id, int expires_in) {
  hallpass::server::db::ticket_row t;
  t.id = id;
  t.kind = "device";
  t.state = "pending";
  t.expires_in = expires_in;
  return t;
}

std::string hash(std::int64_t id) { return "poll-hash-" + std::to_string(id); }

}  // namespace

TEST(PendingTickets, ASweepDropsTheExpiredAndKeepsTheRest) {
  services::pending_tickets p;
  // One second of margin: a ticket with 1 s left is already the database's to answer.
  for (std::int64_t id = 1; id <= 100; ++id) p.remember(hash(id), pending(id, id % 2 ? 1 : 120));
  EXPECT_EQ(p.drop_expired(), 50u);
  for (std::int64_t id = 1; id <= 100; ++id) EXPECT_EQ(p.find(hash(id)).has_value(), id % 2 == 0) << id;
  EXPECT_EQ(p.drop_expired(), 0u);
}

TEST(PendingTickets, AForgottenTicketIsNotCountedAgainByTheSweep) {
  services::pending_tickets p;
  p.remember(hash(1), pending(1, 1));
  p.remember(hash(2), pending(2, 1));
  p.forget(1);
  EXPECT_FALSE(p.find(hash(1)));
  EXPECT_FALSE(p.find(hash(2)));  // expired, though held until the sweep
  EXPECT_EQ(p.drop_expired(), 1u);
}

TEST(PendingTickets, ATicketRememberedAgainLivesByItsNewExpiry) {
  services::pending_tickets p;
  p.remember(hash(7), pending(7, 1));
  p.remember(hash(7), pending(7, 120));
  EXPECT_EQ(p.drop_expired(), 0u);
  EXPECT_TRUE(p.find(hash(7)));
  p.forget(7);
  p.remember(hash(7), pending(7, 1));
  EXPECT_EQ(p.drop_expired(), 1u);
  EXPECT_FALSE(p.find(hash(7)));
}
