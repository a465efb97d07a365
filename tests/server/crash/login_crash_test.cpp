// Acknowledged logins survive a crash of the server: portals and phones run QR logins and
// password logins against a real hallpass-server process, which is killed with SIGKILL at a
// random moment and restarted on the same database, three times. After each restart every
// session that was answered 201 still works, every confirmation that was answered 200 can
// still be redeemed by its portal, and the database holds no session beyond the requests that
// were in flight when the server died. Every used-up ticket has its session.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Room for the traffic of the test: the default per-address limits would refuse it.
const std::vector<std::string> crash_server_args = {"--tickets-per-ip-per-minute=100000",
                                                    "--login-attempts-per-ip=100000",
                                                    "--ticket-polls-per-minute=100000"};

std::string login_body(const std::string& account, const std::string& channel) {
  return json::serialize(json::object{{"unit", demo::unit_a}, {"account", account},
                                      {"password", "Demo@2026"}, {"channel", channel}});
}

// What the server acknowledged, across all rounds.
struct acknowledgements {
  std::mutex m;
  std::vector<std::string> web_cookies;   // portal sessions from QR logins
  std::vector<std::string> app_tokens;    // phone sessions from password logins
  struct confirmed_ticket {
    std::string id, poll_secret;
  };
  std::vector<confirmed_ticket> confirmed_unredeemed;  // confirmed, the portal had no answer yet
  std::atomic<int> in_flight{0};                       // requests that got no answer
};

// One portal + phone pair: QR logins until the server dies.
void qr_logins(unsigned short port, const std::string& phone_token, const std::string& unit_id, acknowledgements& ack) {
  header_list phone{{"Authorization", "Bearer " + phone_token}};
  for (;;) {
    acknowledgements::confirmed_ticket confirmed;
    try {
      auto ticket = http_call(port, "POST", "/api/v1/login-tickets?qr=none");
      if (ticket.status != 201) {
        ADD_FAILURE() << "ticket answered " << ticket.status << " " << ticket.body;
        return;
      }
      auto id = str_at(ticket.json(), "ticket_id");
      auto poll_secret = str_at(ticket.json(), "poll_secret");
      auto scan = http_call(port, "POST", "/api/v1/login-tickets/scans",
                            json::serialize(json::object{{"qr_url", str_at(ticket.json(), "qr_url")}}), phone);
      if (scan.status != 200) {
        ADD_FAILURE() << "scan answered " << scan.status << " " << scan.body;
        return;
      }
      json::object confirm{{"match_number", ticket.json().at("match_number")}, {"unit_id", unit_id}};
      auto confirmation = http_call(port, "POST", "/api/v1/login-tickets/" + id + "/confirmation",
                                    json::serialize(confirm), phone);
      if (confirmation.status != 200) {
        ADD_FAILURE() << "confirmation answered " << confirmation.status << " " << confirmation.body;
        return;
      }
      confirmed = {id, poll_secret};
      auto portal = http_call(port, "POST", "/api/v1/login-tickets/" + id + "/session", "",
                              {{"X-Poll-Secret", poll_secret}});
      if (portal.status != 201) {
        ADD_FAILURE() << "redeem answered " << portal.status << " " << portal.body;
        return;
      }
      std::lock_guard lock(ack.m);
      ack.web_cookies.push_back(session_cookie(portal));
    } catch (const std::exception&) {
      ++ack.in_flight;
      if (!confirmed.id.empty()) {
        std::lock_guard lock(ack.m);
        ack.confirmed_unredeemed.push_back(confirmed);
      }
      return;
    }
  }
}

// A phone signing in with its password until the server dies.
void password_logins(unsigned short port, acknowledgements& ack) {
  for (;;) {
    try {
      auto r = http_call(port, "POST", "/api/v1/sessions", login_body(demo::agent_all, "app"));
      if (r.status != 201) {
        ADD_FAILURE() << "password login answered " << r.status << " " << r.body;
        return;
      }
      std::lock_guard lock(ack.m);
      ack.app_tokens.push_back(str_at(r.json(), "token"));
    } catch (const std::exception&) {
      ++ack.in_flight;
      return;
    }
  }
}

}  // namespace

TEST(LoginCrash, AcknowledgedSessionsAndConfirmationsSurviveSigkill) {
  scratch_database db;
  std::random_device seed_source;
  const auto seed = seed_source();
  std::mt19937 random(seed);
  std::cout << "kill points drawn with seed " << seed << "\n";
  acknowledgements ack;

  for (int round = 0; round < 3; ++round) {
    std::size_t web_before, app_before;
    {
      std::lock_guard lock(ack.m);
      web_before = ack.web_cookies.size();
      app_before = ack.app_tokens.size();
    }
    ack.in_flight = 0;
    {
      server_process server(HALLPASS_SERVER_BINARY, db.conninfo(), true, crash_server_args);
      ASSERT_TRUE(server.healthy());
      auto phone = http_call(server.port(), "POST", "/api/v1/sessions", login_body(demo::agent_all, "app"));
      ASSERT_EQ(phone.status, 201) << phone.body;
      auto phone_token = str_at(phone.json(), "token");
      auto me = http_call(server.port(), "GET", "/api/v1/sessions/current", "",
                          {{"Authorization", "Bearer " + phone_token}});
      ASSERT_EQ(me.status, 200) << me.body;
      auto unit_id = std::string(me.json().at("unit").at("id").as_string());

      std::vector<std::thread> clients;
      for (int i = 0; i < 2; ++i) clients.emplace_back([&] { qr_logins(server.port(), phone_token, unit_id, ack); });
      clients.emplace_back([&] { password_logins(server.port(), ack); });
      // A random moment once traffic runs: anywhere in a login's steps.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 1500)(random)));
      server.kill9();
      for (auto& c : clients) c.join();
    }

    server_process restarted(HALLPASS_SERVER_BINARY, db.conninfo(), true, crash_server_args);
    ASSERT_TRUE(restarted.healthy());
    std::lock_guard lock(ack.m);
    EXPECT_GT(ack.web_cookies.size() + ack.app_tokens.size(), web_before + app_before)
        << "round " << round << " acknowledged no login before the kill";
    for (auto& cookie : ack.web_cookies) {
      auto r = http_call(restarted.port(), "GET", "/api/v1/sessions/current", "", {{"Cookie", "hp_session=" + cookie}});
      EXPECT_EQ(r.status, 200) << "an acknowledged portal session is gone: " << r.body;
    }
    for (auto& token : ack.app_tokens) {
      auto r = http_call(restarted.port(), "GET", "/api/v1/sessions/current", "", {{"Authorization", "Bearer " + token}});
      EXPECT_EQ(r.status, 200) << "an acknowledged phone session is gone: " << r.body;
    }
    // A confirmation the phone saw acknowledged is kept: the portal, polling again, signs in.
    for (auto& t : ack.confirmed_unredeemed) {
      auto r = http_call(restarted.port(), "POST", "/api/v1/login-tickets/" + t.id + "/session", "",
                         {{"X-Poll-Secret", t.poll_secret}});
      // 201 when the redeem never reached the database; 409/410 when it committed before the
      // kill (the session was made, its answer lost): never a ticket back to pending.
      EXPECT_TRUE(r.status == 201 || r.status == 409 || r.status == 410) << r.status << " " << r.body;
      if (r.status == 201) ack.web_cookies.push_back(session_cookie(r));
    }
    ack.confirmed_unredeemed.clear();
    // Nothing beyond what was acknowledged or in flight (one phone session per round, too).
    auto web_sessions = std::stoul(sql_one(db.conninfo(), "SELECT count(*) FROM sessions WHERE channel = 'web'"));
    auto app_sessions = std::stoul(sql_one(db.conninfo(), "SELECT count(*) FROM sessions WHERE channel = 'app'"));
    EXPECT_GE(web_sessions, ack.web_cookies.size());
    // A ticket is used up in the same transaction as its session is made: never one alone.
    EXPECT_EQ(std::stoul(sql_one(db.conninfo(), "SELECT count(*) FROM login_tickets WHERE state = 'consumed'")),
              web_sessions);
    EXPECT_GE(app_sessions, ack.app_tokens.size() + round + 1);
    EXPECT_LE(web_sessions + app_sessions,
              ack.web_cookies.size() + ack.app_tokens.size() + (round + 1) * (1 + 3));
    std::cout << "round " << round << ": " << ack.web_cookies.size() << " portal and " << ack.app_tokens.size()
              << " phone sessions acknowledged so far, " << ack.in_flight.load() << " requests cut off\n";
  }
}
