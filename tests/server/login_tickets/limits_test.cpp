// Rate limits of the login tickets: unknown scan tokens per address, ticket creation per
// address, polling per ticket.
#include <gtest/gtest.h>

#include "support/test_env.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;

TEST(TicketLimits, UnknownScanTokensAreLimitedPerAddress) {
  running_server s;
  auto t = create(s.port());
  auto phone = phone_login(s.port(), demo::person_only);
  for (int i = 0; i < 20; ++i) {
    auto r = scan(s.port(), phone, "scan_token", "guessed-token-" + std::to_string(i));
    ASSERT_EQ(r.status, 404) << "guess " << i << ": " << r.body;
    EXPECT_EQ(r.error_code(), "ticket_not_found");
  }
  auto limited = scan(s.port(), phone, "scan_token", "guessed-token-20");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.error_code(), "rate_limited");
  EXPECT_GT(std::atoi(limited.headers["retry-after"].c_str()), 0);
  // While blocked, even a real QR is not looked up from this address.
  auto real = scan(s.port(), phone, "qr_url", t.qr_url);
  EXPECT_EQ(real.status, 429);
  EXPECT_EQ(state_of(s.port(), t), "pending");
}

TEST(TicketLimits, KnownScanTokensDoNotCountAsGuesses) {
  running_server s;
  auto phone = phone_login(s.port(), demo::person_only);
  for (int i = 0; i < 19; ++i) EXPECT_EQ(scan(s.port(), phone, "scan_token", "guess-" + std::to_string(i)).status, 404);
  for (int i = 0; i < 3; ++i) {  // real scans in between do not push the address over the limit
    auto t = create(s.port());
    EXPECT_EQ(scan(s.port(), phone, "qr_url", t.qr_url).status, 200);
  }
  EXPECT_EQ(scan(s.port(), phone, "scan_token", "guess-19").status, 404);
  EXPECT_EQ(scan(s.port(), phone, "scan_token", "guess-20").status, 429);
}

TEST(TicketLimits, TicketCreationIsLimitedPerAddress) {
  auto cfg = test_config();
  cfg.tickets_per_ip_per_minute = 3;
  running_server s(cfg);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_call(s.port(), "POST", "/api/v1/login-tickets", "{}").status, 201);
  auto r = http_call(s.port(), "POST", "/api/v1/login-tickets", "{}");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.error_code(), "rate_limited");
  int retry = std::atoi(r.headers["retry-after"].c_str());
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 60);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM login_tickets"), "3");
  // Device authorizations share the same budget.
  auto d = form_post(s.port(), "/oauth/device_authorization", "client_id=hallpass-demo-tv");
  EXPECT_EQ(d.status, 429) << d.body;
  EXPECT_FALSE(d.headers["retry-after"].empty());
}

TEST(TicketLimits, PollingIsLimitedPerTicket) {
  running_server s;
  auto t = create(s.port());
  auto other = create(s.port());
  for (int i = 0; i < 120; ++i) {
    auto r = poll(s.port(), t.id, t.poll_secret);
    ASSERT_EQ(r.status, 200) << "poll " << i << ": " << r.body;
  }
  auto r = poll(s.port(), t.id, t.poll_secret);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.error_code(), "rate_limited");
  EXPECT_FALSE(r.headers["retry-after"].empty());
  auto sse = http_call(s.port(), "GET", "/api/v1/login-tickets/" + t.id + "/events", "", {{"X-Poll-Secret", t.poll_secret}});
  EXPECT_EQ(sse.status, 429);
  // Another ticket is not affected.
  EXPECT_EQ(poll(s.port(), other.id, other.poll_secret).status, 200);
}

TEST(TicketLimits, RequestsWithoutThePollSecretDoNotUseUpThePortalsBudget) {
  running_server s;
  auto t = create(s.port());
  // Ticket ids are sequential; someone without the secret hammers this one.
  for (int i = 0; i < 125; ++i) {
    auto r = poll(s.port(), t.id, "not-the-secret-" + std::to_string(i));
    ASSERT_TRUE(r.status == 401 || r.status == 404) << "attempt " << i << ": " << r.status;
  }
  auto sse = http_call(s.port(), "GET", "/api/v1/login-tickets/" + t.id + "/events", "", {{"X-Poll-Secret", "nope"}});
  EXPECT_EQ(sse.status, 404);
  // The portal holding the secret still reads its ticket.
  auto r = poll(s.port(), t.id, t.poll_secret);
  EXPECT_EQ(r.status, 200) << r.body;
}
