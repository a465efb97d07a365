// The kiosk without the server: the network between them is cut (a proxy that refuses and drops
// connections) while a person captures three pages and prints; the kiosk is restarted; the
// network comes back. Every page arrives exactly once, the print job is printed, and a page the
// kiosk sends again (as after a crash between the server's answer and its own bookkeeping) is
// not added twice.
#include <gtest/gtest.h>

#include <filesystem>

#include <boost/json.hpp>

#include "../server/applications/app_client.hpp"
#include "../../kiosk/src/kiosk_app.hpp"
#include "escpos_listener.hpp"
#include "kiosk_fixture.hpp"
#include "tcp_proxy.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
using namespace hallpass::kiosk::test;
namespace json = boost::json;
namespace fs = std::filesystem;

TEST(KioskOutage, PagesAndAPrintJobSurviveAnOutageAndARestartAndArriveExactlyOnce) {
  auto cfg = test_config();
  cfg.device_poll_interval = 1;
  running_server s(cfg);
  tcp_proxy network(s.port());
  escpos_listener printer;
  kiosk_files files;
  files.lay(accepted_jpeg());
  auto cred = register_kiosk(s, files);
  auto via_proxy = "http://127.0.0.1:" + std::to_string(network.port());
  auto receipt_printer = "escpos:tcp://127.0.0.1:" + std::to_string(printer.port());

  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto draft = start_id(s, wang, "labour_dispatch_licence_haicheng");
  auto accepted = submitted(s, wang, true);
  ASSERT_EQ(act(s, staff_login(s, demo::clerk), accepted, {{"action", "accept"}}).status, 200);
  fs::path kept_copy = files.root / "copy";
  {
    running_kiosk k(files, cred, via_proxy, receipt_printer);
    sign_in(s, k, demo::mobile_agent_all, demo::unit_a);
    ASSERT_EQ(k.call("POST", "/api/material", json::serialize(json::object{{"application_id", draft}, {"material", "dispatch_rules"}})).status, 200);

    network.down();
    // Signing in needs the server, and the screen says so.
    auto login = k.call("POST", "/api/sign-out");
    ASSERT_EQ(login.status, 200);
    EXPECT_EQ(k.call("POST", "/api/login").status, 503);
    EXPECT_EQ(str_at(k.call("POST", "/api/login").json(), "code"), "login_needs_server");
  }
  // The sign-out above could not reach the server; it waits in the outbox (the session token is
  // the one thing of the person kept, to end the session when the server is back). Sign in again.
  network.up();
  {
    running_kiosk k(files, cred, via_proxy, receipt_printer);
    EXPECT_TRUE(wait_for([&] { return k.app().outbox_size() == 0; })) << "the queued sign-out is delivered";
    EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM sessions WHERE client_id IS NOT NULL AND revoked_at IS NULL"), "0");
    sign_in(s, k, demo::mobile_agent_all, demo::unit_a);
    ASSERT_EQ(k.call("POST", "/api/material", json::serialize(json::object{{"application_id", draft}, {"material", "dispatch_rules"}})).status, 200);
    network.down();
    for (int i = 0; i < 3; ++i) {
      auto shot = k.call("POST", "/api/captures");
      ASSERT_EQ(shot.status, 200) << shot.body;
      ASSERT_TRUE(shot.json().at("accepted").as_bool()) << "the pipeline runs on the kiosk, offline";
      ASSERT_EQ(k.call("POST", "/api/captures/keep").status, 200);
    }
    auto print = k.call("POST", "/api/prints", json::serialize(json::object{{"application_id", accepted}, {"document", "receipt"}}));
    ASSERT_EQ(print.status, 200) << print.body;
    EXPECT_TRUE(print.json().at("waiting_for_server").as_bool());
    auto st = k.wait_state([](const json::object& st) { return !st.at("online").as_bool(); });
    EXPECT_FALSE(st.at("online").as_bool()) << "the screen says the kiosk is offline";
    EXPECT_EQ(k.app().outbox_size(), 4u);
    // Keep a copy of the first page's item, to send it again later.
    fs::create_directories(kept_copy);
    std::vector<fs::path> items;
    for (auto& e : fs::directory_iterator(files.data / "outbox")) items.push_back(e.path());
    std::sort(items.begin(), items.end());
    for (auto& p : items)
      if (p.stem() == items.front().stem()) fs::copy(p, kept_copy / p.filename());
  }  // the kiosk stops (a restart)
  EXPECT_EQ(page_count(s.conninfo(), draft), 0);

  {
    running_kiosk k(files, cred, via_proxy, receipt_printer);
    EXPECT_FALSE(k.state().at("session").is_null()) << "the person's session goes on after the restart";
    network.up();
    EXPECT_TRUE(wait_for([&] { return page_count(s.conninfo(), draft) == 3; })) << "all three pages arrive";
    ASSERT_TRUE(printer.wait_for_jobs(1, std::chrono::seconds(30))) << "the print job is printed";
    EXPECT_TRUE(wait_for([&] { return k.app().outbox_size() == 0; }));
    EXPECT_TRUE(k.state().at("online").as_bool());
  }
  // As after a crash between the server's answer and the kiosk's own bookkeeping: the first
  // page's item is back in the outbox when the kiosk starts. It is sent again with its key; the
  // server answers it as a replay and adds nothing.
  for (auto& e : fs::directory_iterator(kept_copy)) fs::copy(e.path(), files.data / "outbox" / e.path().filename());
  running_kiosk k(files, cred, via_proxy, receipt_printer);
  EXPECT_TRUE(wait_for([&] { return k.app().outbox_size() == 0; }));
  EXPECT_EQ(page_count(s.conninfo(), draft), 3) << "exactly once";
  EXPECT_EQ(printer.jobs().size(), 1u);
  auto st = k.state();
  bool replay_reported_as_sent = false;
  for (auto& n : st.at("notices").as_array()) replay_reported_as_sent |= n.at("kind").as_string() == "info";
  EXPECT_TRUE(replay_reported_as_sent) << json::serialize(st);
}
