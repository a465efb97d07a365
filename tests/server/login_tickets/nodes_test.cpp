// Several nodes: two hallpass-server processes on one database. A portal waiting on node A
// learns of a confirm made on node B through LISTEN/NOTIFY, also after the listener's
// connection was killed.
#include <gtest/gtest.h>

#include <future>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
using namespace std::chrono_literals;

namespace {

class TwoNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<scratch_database>();
    a_ = std::make_unique<server_process>(HALLPASS_SERVER_BINARY, db_->conninfo(), true);  // loads the demo data once
    ASSERT_TRUE(a_->healthy()) << a_->log();
    b_ = std::make_unique<server_process>(HALLPASS_SERVER_BINARY, db_->conninfo(), false);
    ASSERT_TRUE(b_->healthy()) << b_->log();
  }
  void TearDown() override {
    // SIGTERM, then wait: each node stops cleanly.
    if (b_ && b_->healthy()) EXPECT_EQ(b_->stop(), 0) << b_->log();
    if (a_ && a_->healthy()) EXPECT_EQ(a_->stop(), 0) << a_->log();
    b_.reset();
    a_.reset();
    db_.reset();
  }

  // Scans `t` on node B with a fresh phone session there.
  std::string scan_on_b(const portal_ticket& t) {
    auto phone = phone_login(b_->port(), demo::mobile_agent_all);
    auto r = scan(b_->port(), phone, "qr_url", t.qr_url);
    EXPECT_EQ(r.status, 200) << r.body;
    return phone;
  }

  // Portals waiting for a ticket change on node A, as its /metrics reports them.
  double waiters_on_a() { return metric_value(a_->port(), "hallpass_ticket_waiters"); }

  std::unique_ptr<scratch_database> db_;
  std::unique_ptr<server_process> a_, b_;
};

std::string state_in(const http_reply& r) {
  auto v = r.json();
  if (!v.is_object() || !v.as_object().contains("state")) return "";
  return std::string(v.as_object().at("state").as_string());
}

}  // namespace

TEST_F(TwoNodes, ConfirmOnNodeBReachesWaitersOnNodeA) {
  auto t = create(a_->port());
  EXPECT_EQ(t.qr_url.rfind("http://127.0.0.1:" + std::to_string(a_->port()) + "/l/", 0), 0u) << t.qr_url;
  background_read sse(a_->port(), sse_request(t.id, t.poll_secret), 15s);
  ASSERT_TRUE(sse.wait_for("\"pending\"", 5s)) << sse.text();

  auto phone = scan_on_b(t);
  ASSERT_TRUE(sse.wait_for("\"scanned\"", 5s)) << sse.text();

  auto before = waiters_on_a();  // the event stream
  ASSERT_GE(before, 1) << a_->log();
  auto waiter = std::async(std::launch::async, [&] {
    auto r = poll(a_->port(), t.id, t.poll_secret, "wait=25&known=scanned");
    return std::make_pair(r, std::chrono::steady_clock::now());
  });
  // Confirm only once the long-poll waits on node A: only the notification can answer it then.
  ASSERT_TRUE(wait_until([&] { return waiters_on_a() >= before + 1; }, 5s)) << waiters_on_a();
  auto confirm_sent = std::chrono::steady_clock::now();
  ASSERT_EQ(confirm(b_->port(), phone, t.id, t.match_number, unit_id_of(db_->conninfo(), demo::unit_a)).status, 200);

  ASSERT_EQ(waiter.wait_for(5s), std::future_status::ready);
  auto [r, answered_at] = waiter.get();
  EXPECT_EQ(state_in(r), "confirmed") << r.body;
  EXPECT_LT(answered_at - confirm_sent, 2s);
  std::cout << "[ measured ] confirm request sent to node B to long-poll answer on node A: "
            << std::chrono::duration_cast<std::chrono::microseconds>(answered_at - confirm_sent).count() / 1000.0 << " ms\n";
  ASSERT_TRUE(sse.wait_for("\"confirmed\"", 5s)) << sse.text();
  EXPECT_TRUE(sse.finish());

  // Redeemed on node B, with the poll secret the portal got from node A.
  auto session = redeem(b_->port(), t.id, t.poll_secret);
  ASSERT_EQ(session.status, 201) << session.body;
  auto token = session_cookie(session);
  auto me = http_call(a_->port(), "GET", "/api/v1/sessions/current", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json().as_object().at("unit").as_object().at("uscc").as_string(), demo::unit_a);
  EXPECT_EQ(redeem(a_->port(), t.id, t.poll_secret).error_code(), "ticket_already_redeemed");
}

TEST_F(TwoNodes, WaiterLearnsOfChangesAfterTheListenerConnectionWasKilled) {
  auto t = create(a_->port());
  auto phone = scan_on_b(t);
  auto waiter = std::async(std::launch::async, [&] {
    auto r = poll(a_->port(), t.id, t.poll_secret, "wait=25&known=scanned");
    return std::make_pair(r, std::chrono::steady_clock::now());
  });
  ASSERT_TRUE(wait_until([&] { return waiters_on_a() >= 1; }, 5s)) << "the long-poll never waited on node A";

  // Kill the LISTEN connections of this database (an idle listener last ran its keep-alive).
  auto killed = sql(db_->conninfo(),
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')");
  ASSERT_GE(killed.size(), 1u);
  auto confirm_sent = std::chrono::steady_clock::now();
  ASSERT_EQ(confirm(b_->port(), phone, t.id, t.match_number).status, 200);

  ASSERT_EQ(waiter.wait_for(10s), std::future_status::ready) << "the change never reached node A";
  auto [r, answered_at] = waiter.get();
  EXPECT_EQ(state_in(r), "confirmed") << r.body;
  EXPECT_LT(answered_at - confirm_sent, 5s);

  // And the new listener connection carries later changes at once.
  auto t2 = create(a_->port());
  background_read sse(a_->port(), sse_request(t2.id, t2.poll_secret), 10s);
  ASSERT_TRUE(sse.wait_for("\"pending\"", 5s));
  scan_on_b(t2);
  EXPECT_TRUE(sse.wait_for("\"scanned\"", 3s)) << sse.text();
  ASSERT_EQ(portal_cancel(b_->port(), t2.id, t2.poll_secret).status, 204);
  EXPECT_TRUE(sse.wait_for("\"cancelled\"", 3s)) << sse.text();
  EXPECT_TRUE(sse.finish());
}
