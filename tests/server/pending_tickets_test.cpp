// The node's memory of its own pending tickets: a sweep drops what expired and keeps the rest,
// whatever order tickets of different lifetimes were remembered in.
#include "hallpass/server/services/pending_tickets.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace services = hallpass::server::services;

namespace {

hallpass::server::db::ticket_row pending(std::int64_t id, int expires_in) {
  hallpass::server::db::ticket_row t;
  t.id = id;
  t.kind = "device";
  t.state = "pending";
  t.expires_in = expires_in;
  t.expires_at = "2026-12-03T06:06:29Z";
  t.client_id = "hallpass-demo-tv";
  t.poll_interval = 5;
  return t;
}

std::string hash(std::int64_t id) {  // hex, as the poll hash is
  char text[65];
  std::snprintf(text, sizeof text, "%064llx", static_cast<unsigned long long>(id) * 0x9e3779b97f4a7c15ull);
  return text;
}

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

TEST(PendingTickets, AFoundTicketCarriesWhatAPendingPollNeeds) {
  services::pending_tickets p;
  auto t = pending(42, 120);
  t.match_number = 37;
  t.poll_interval = 10;
  p.remember(hash(42), t);
  auto found = p.find(hash(42));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, 42);
  EXPECT_EQ(found->kind, "device");
  EXPECT_EQ(found->state, "pending");
  EXPECT_EQ(found->client_id, "hallpass-demo-tv");
  EXPECT_EQ(found->expires_at, "2026-12-03T06:06:29Z");
  EXPECT_EQ(found->match_number, 37);
  EXPECT_EQ(found->poll_interval, 10);
  EXPECT_GE(found->expires_in, 119);
  EXPECT_LE(found->expires_in, 121);
  EXPECT_FALSE(p.find(hash(43)));
  EXPECT_FALSE(p.find("not-a-hash"));
}

TEST(PendingTickets, WhatIsNotAPendingTicketWithAHexHashIsNotKept) {
  services::pending_tickets p;
  auto scanned = pending(1, 120);
  scanned.state = "scanned";
  p.remember(hash(1), scanned);
  p.remember("poll-hash-2", pending(2, 120));
  auto odd_time = pending(3, 120);
  odd_time.expires_at = "2026-12-03T06:06:29.123456+08:00";
  p.remember(hash(3), odd_time);
  EXPECT_FALSE(p.find(hash(1)));
  EXPECT_FALSE(p.find("poll-hash-2"));
  EXPECT_FALSE(p.find(hash(3)));
}
