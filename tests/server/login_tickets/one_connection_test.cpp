// A request holds at most one PostgreSQL connection at a time: with a second one taken while the
// first is held, a full pool could leave every request waiting for the others. The pool counts
// such nested acquisitions; a whole QR login (scan, confirm with a unit, redeem) makes none.
#include <gtest/gtest.h>

#include "support/test_env.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;

TEST(OneConnectionPerRequest, QrLoginWithAUnitNeverHoldsTwoConnections) {
  running_server s;
  auto t = create(s.port());
  auto phone = phone_login(s.port(), demo::agent_all);
  auto scanned = scan(s.port(), phone, "qr_url", t.qr_url);
  ASSERT_EQ(scanned.status, 200) << scanned.body;
  ASSERT_EQ(confirm(s.port(), phone, t.id, t.match_number, unit_id_of(s.conninfo(), demo::unit_a)).status, 200);
  ASSERT_EQ(redeem(s.port(), t.id, t.poll_secret).status, 201);
  // A wrong number and a unit without a role take the refusal paths.
  auto t2 = create(s.port());
  ASSERT_EQ(scan(s.port(), phone, "qr_url", t2.qr_url).status, 200);
  EXPECT_EQ(confirm(s.port(), phone, t2.id, t2.match_number, "999999").status / 100, 4);
  EXPECT_EQ(confirm(s.port(), phone, t2.id, t2.match_number == 10 ? 11 : 10).status / 100, 4);
  EXPECT_EQ(s.app().db.stats().nested, 0);
}
