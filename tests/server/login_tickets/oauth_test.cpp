// The login tickets as an OAuth 2.0 Device Authorization Grant (RFC 8628) over HTTP.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include <boost/json.hpp>

#include "hallpass/server/services/clock.hpp"
#include "support/test_env.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* device_grant = "urn:ietf:params:oauth:grant-type:device_code";

struct device_request {
  std::string device_code, user_code, verification_uri, verification_uri_complete;
  std::int64_t expires_in = 0, interval = 0;
  http_reply reply;
};

device_request authorize(unsigned short port, const std::string& client_id = "hallpass-demo-tv") {
  device_request d;
  d.reply = form_post(port, "/oauth/device_authorization", "client_id=" + client_id);
  EXPECT_EQ(d.reply.status, 200) << d.reply.body;
  auto v = d.reply.json();
  if (!v.is_object()) return d;
  auto& o = v.as_object();
  auto str = [&](const char* k) { return o.contains(k) && o.at(k).is_string() ? std::string(o.at(k).as_string()) : ""; };
  d.device_code = str("device_code");
  d.user_code = str("user_code");
  d.verification_uri = str("verification_uri");
  d.verification_uri_complete = str("verification_uri_complete");
  if (o.contains("expires_in") && o.at("expires_in").is_int64()) d.expires_in = o.at("expires_in").as_int64();
  if (o.contains("interval") && o.at("interval").is_int64()) d.interval = o.at("interval").as_int64();
  return d;
}

std::string oauth_error(const http_reply& r) {
  auto v = r.json();
  if (!v.is_object() || !v.as_object().contains("error") || !v.as_object().at("error").is_string()) return "";
  return std::string(v.as_object().at("error").as_string());
}

std::string ticket_of(running_server& s, const std::string& user_code) {
  return sql_one(s.conninfo(), "SELECT id FROM login_tickets WHERE user_code = '" + user_code + "'");
}

}  // namespace

TEST(DeviceGrant, MetadataNamesTheEndpoints) {
  running_server s;
  auto base = s.app().cfg.public_url;
  auto r = http_call(s.port(), "GET", "/.well-known/oauth-authorization-server");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = r.json().as_object();
  EXPECT_EQ(o.at("issuer").as_string(), base);
  EXPECT_EQ(o.at("device_authorization_endpoint").as_string(), base + "/oauth/device_authorization");
  EXPECT_EQ(o.at("token_endpoint").as_string(), base + "/oauth/token");
  bool has_grant = false;
  for (auto& g : o.at("grant_types_supported").as_array()) has_grant |= g.as_string() == device_grant;
  EXPECT_TRUE(has_grant);
  // The advertised endpoints answer on this server.
  auto path = std::string(o.at("device_authorization_endpoint").as_string()).substr(base.size());
  EXPECT_EQ(form_post(s.port(), path, "client_id=hallpass-demo-tv").status, 200);
}

TEST(DeviceGrant, AuthorizationResponseHasEveryField) {
  running_server s;
  auto base = s.app().cfg.public_url;
  auto d = authorize(s.port());
  EXPECT_GE(base64url_bytes(d.device_code), 16) << d.device_code;
  EXPECT_TRUE(std::regex_match(d.user_code, std::regex("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$"))) << d.user_code;
  EXPECT_EQ(d.verification_uri, base + "/device");
  EXPECT_EQ(d.verification_uri_complete.rfind(base + "/l/", 0), 0u) << d.verification_uri_complete;
  EXPECT_EQ(d.verification_uri_complete.find(d.device_code), std::string::npos);
  EXPECT_GE(d.expires_in, 115);
  EXPECT_LE(d.expires_in, 120);
  EXPECT_EQ(d.interval, 5);
  EXPECT_EQ(d.reply.headers["cache-control"], "no-store");
  // verification_uri_complete is the QR URL of this request: scanning it claims this ticket.
  auto phone = phone_login(s.port(), demo::person_only);
  auto sc = scan(s.port(), phone, "qr_url", d.verification_uri_complete);
  ASSERT_EQ(sc.status, 200) << sc.body;
  EXPECT_EQ(sc.json().as_object().at("ticket_id").as_string(), ticket_of(s, d.user_code));
  // The phone shows the registered client's name as the site asking.
  EXPECT_EQ(sc.json().as_object().at("portal").as_object().at("name").as_string(), "大厅演示电视 (demo TV)");
  // A missing client_id is refused.
  EXPECT_EQ(oauth_error(form_post(s.port(), "/oauth/device_authorization", "scope=x")), "invalid_client");
}

TEST(DeviceGrant, OnlyRegisteredClientsStartOrPollADeviceLogin) {
  running_server s;
  auto tickets = sql_one(s.conninfo(), "SELECT count(*) FROM login_tickets");
  // An unknown client_id: 401 invalid_client at both endpoints, and no ticket is made.
  auto r = form_post(s.port(), "/oauth/device_authorization", "client_id=someone-else");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(oauth_error(r), "invalid_client");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM login_tickets"), tickets);
  auto d = authorize(s.port());
  r = device_token(s.port(), d.device_code, "someone-else");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(oauth_error(r), "invalid_client");
  // The operator registers it (the command hallpass-admin register-client runs); then it works,
  // under its name; registering again renames it.
  ASSERT_TRUE(s.app().tickets.register_device_client("someone-else", "客厅电视").ok());
  EXPECT_EQ(form_post(s.port(), "/oauth/device_authorization", "client_id=someone-else").status, 200);
  ASSERT_TRUE(s.app().tickets.register_device_client("someone-else", "卧室电视").ok());
  EXPECT_EQ(s.app().tickets.device_client("someone-else").value_or(""), "卧室电视");
  // A registered client with another's device code: invalid_grant, as before.
  EXPECT_EQ(oauth_error(device_token(s.port(), d.device_code, "someone-else")), "invalid_grant");
  EXPECT_FALSE(s.app().tickets.register_device_client("bad id", "x").ok());
  EXPECT_FALSE(s.app().tickets.register_device_client("ok-id", "").ok());
}

// Device authorization keeps public clients in memory: a new name reaches new requests once the
// change is announced, without a restart.
TEST(DeviceGrant, ARenamedClientIsShownByItsNewNameOnNewRequests) {
  running_server s;
  ASSERT_TRUE(s.app().tickets.register_device_client("lobby-tv", "大厅电视").ok());
  auto first = authorize(s.port(), "lobby-tv");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT portal_name FROM login_tickets WHERE id = " + ticket_of(s, first.user_code)),
            "大厅电视");
  ASSERT_TRUE(s.app().tickets.register_device_client("lobby-tv", "二楼电视").ok());
  std::string name;
  for (int i = 0; i < 50 && name != "二楼电视"; ++i) {
    auto d = authorize(s.port(), "lobby-tv");
    name = sql_one(s.conninfo(), "SELECT portal_name FROM login_tickets WHERE id = " + ticket_of(s, d.user_code));
    if (name != "二楼电视") std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(name, "二楼电视");
}

// User codes are drawn without a look-up (34 random bits). Should two open requests hold one, a
// phone entering it is refused rather than given either; a request that ended does not count.
TEST(DeviceGrant, AUserCodeHeldByTwoOpenRequestsIsRefused) {
  running_server s;
  auto a = authorize(s.port());
  auto b = authorize(s.port());
  auto a_id = ticket_of(s, a.user_code), b_id = ticket_of(s, b.user_code);
  sql(s.conninfo(), "UPDATE login_tickets SET user_code = '" + a.user_code + "' WHERE id = " + b_id);
  auto phone = phone_login(s.port(), demo::person_only);
  auto sc = scan(s.port(), phone, "user_code", a.user_code);
  EXPECT_EQ(sc.status, 409) << sc.body;
  EXPECT_EQ(sc.error_code(), "user_code_ambiguous") << sc.body;
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM login_tickets WHERE state = 'pending' AND id IN (" + a_id +
                                      ", " + b_id + ")"),
            "2");
  sql(s.conninfo(), "UPDATE login_tickets SET expires_at = now() - interval '1 second' WHERE id = " + b_id);
  sc = scan(s.port(), phone, "user_code", a.user_code);
  ASSERT_EQ(sc.status, 200) << sc.body;
  EXPECT_EQ(str_at(sc.json(), "ticket_id"), a_id);
}

// RFC 8628 §3.5: not on the first poll; a poll sooner than the interval is slow_down and the
// interval grows by 5 s for it and every later poll. Kept in the node's memory: the ticket's row
// is never written by a poll (its xmin stays).
TEST(DeviceGrant, PendingThenSlowDownWithALongerIntervalKeptInMemory) {
  hallpass::server::services::manual_clock clock;
  running_server s(test_config(), true, &clock);
  auto d = authorize(s.port());
  auto id = ticket_of(s, d.user_code);
  auto row_version = sql_one(s.conninfo(), "SELECT xmin FROM login_tickets WHERE id = " + id);
  auto first = device_token(s.port(), d.device_code);
  EXPECT_EQ(first.status, 400);
  EXPECT_EQ(oauth_error(first), "authorization_pending") << first.body;
  EXPECT_EQ(first.headers["cache-control"], "no-store");
  auto second = device_token(s.port(), d.device_code);
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(oauth_error(second), "slow_down") << second.body;
  EXPECT_EQ(second.headers["cache-control"], "no-store");
  clock.advance(std::chrono::seconds(6));  // past 5, but the interval is 10 now
  EXPECT_EQ(oauth_error(device_token(s.port(), d.device_code)), "slow_down");
  clock.advance(std::chrono::seconds(16));  // the interval is 15 now
  EXPECT_EQ(oauth_error(device_token(s.port(), d.device_code)), "authorization_pending");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT xmin FROM login_tickets WHERE id = " + id), row_version)
      << "no poll wrote the ticket";
}

TEST(DeviceGrant, PollingAtTheIntervalIsNeverSlowDown) {
  auto cfg = test_config();
  cfg.device_poll_interval = 1;
  hallpass::server::services::manual_clock clock;
  running_server s(cfg, true, &clock);
  auto d = authorize(s.port());
  EXPECT_EQ(d.interval, 1);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(oauth_error(device_token(s.port(), d.device_code)), "authorization_pending");
    clock.advance(std::chrono::seconds(1));
  }
}

// A pending poll on the node that made the ticket is answered from memory: 200 polls (device
// token polls and the portal's state polls, under its 120 a minute) take far fewer database
// connections than polls (only the server's own background work, such as the outbox, takes any).
TEST(DeviceGrant, APendingPollMakesNoDatabaseRoundTrip) {
  running_server s;
  auto d = authorize(s.port());
  auto portal = create(s.port());
  ASSERT_EQ(oauth_error(device_token(s.port(), d.device_code)), "authorization_pending");
  auto before = s.app().db.stats().acquisitions;
  int answered = 0;
  for (int i = 0; i < 100; ++i) {
    answered += oauth_error(device_token(s.port(), d.device_code)) == "slow_down";
    answered += state_of(s.port(), portal) == "pending";
  }
  auto used = s.app().db.stats().acquisitions - before;
  EXPECT_EQ(answered, 200);
  EXPECT_LT(used, 10) << used << " database connections taken during 200 pending polls";
}

TEST(DeviceGrant, ApprovedByUserCodeGivesAWorkingTokenOnce) {
  running_server s;
  auto d = authorize(s.port());
  EXPECT_EQ(oauth_error(device_token(s.port(), d.device_code)), "authorization_pending");
  // The user types the code on the phone, in lower case and without the dash.
  std::string typed;
  for (char c : d.user_code)
    if (c != '-') typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto phone = phone_login(s.port(), demo::mobile_agent_all);
  auto sc = scan(s.port(), phone, "user_code", typed);
  ASSERT_EQ(sc.status, 200) << sc.body;
  auto ticket = std::string(sc.json().as_object().at("ticket_id").as_string());
  EXPECT_EQ(ticket, ticket_of(s, d.user_code));
  EXPECT_EQ(sc.body.find(d.device_code), std::string::npos);
  // The device shows its user code, which the phone shows to compare: no number to pick.
  EXPECT_EQ(str_at(sc.json(), "user_code"), d.user_code);
  EXPECT_TRUE(sc.json().at("numbers").as_array().empty());
  json::object body{{"unit_id", unit_id_of(s.conninfo(), demo::unit_a)}};
  auto confirmed = http_call(s.port(), "POST", "/api/v1/login-tickets/" + ticket + "/confirmation", json::serialize(body),
                             {{"Authorization", "Bearer " + phone}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;

  // Polled right after the previous poll: an approved grant is answered anyway.
  auto r = device_token(s.port(), d.device_code);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  auto o = r.json().as_object();
  EXPECT_EQ(o.at("token_type").as_string(), "Bearer");
  EXPECT_GT(o.at("expires_in").as_int64(), 0);
  auto token = std::string(o.at("access_token").as_string());
  auto me = s.call_as(token, "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json().as_object().at("role").as_string(), "agent");
  EXPECT_EQ(me.json().as_object().at("unit").as_object().at("uscc").as_string(), demo::unit_a);

  auto again = device_token(s.port(), d.device_code);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(oauth_error(again), "invalid_grant") << again.body;
}

TEST(DeviceGrant, PhoneCancelGivesAccessDenied) {
  running_server s;
  auto d = authorize(s.port());
  auto phone = phone_login(s.port(), demo::person_only);
  auto sc = scan(s.port(), phone, "user_code", d.user_code);
  ASSERT_EQ(sc.status, 200) << sc.body;
  ASSERT_EQ(phone_cancel(s.port(), phone, std::string(sc.json().as_object().at("ticket_id").as_string())).status, 200);
  auto r = device_token(s.port(), d.device_code);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(oauth_error(r), "access_denied") << r.body;
  EXPECT_EQ(r.headers["cache-control"], "no-store");
}

// Expired as the sweeper marks it (the node that made it learns by NOTIFY and forgets it), and as
// another node sees it before any sweep (past expires_at, read from the database).
TEST(DeviceGrant, ExpiredRequestGivesExpiredToken) {
  running_server s;
  auto d = authorize(s.port());
  auto id = ticket_of(s, d.user_code);
  sql(s.conninfo(), "UPDATE login_tickets SET expires_at = now() - interval '1 second', state = 'expired', "
                    "finished_at = now() WHERE id = " + id);
  http_reply r;
  for (int i = 0; i < 50 && oauth_error(r = device_token(s.port(), d.device_code)) != "expired_token"; ++i)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(oauth_error(r), "expired_token") << r.body;
  EXPECT_EQ(r.headers["cache-control"], "no-store");

  auto d2 = authorize(s.port());
  expire_ticket(s.conninfo(), ticket_of(s, d2.user_code));  // past its time, not swept yet
  s.app().pending_tickets.forget_all();                      // as on a node that did not make it
  EXPECT_EQ(oauth_error(device_token(s.port(), d2.device_code)), "expired_token");
}

TEST(DeviceGrant, UnknownCodesAndOtherGrantTypesAreRefused) {
  running_server s;
  auto unknown = device_token(s.port(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(oauth_error(unknown), "invalid_grant");
  EXPECT_EQ(unknown.headers["cache-control"], "no-store");
  // A portal ticket's poll secret is not a device code.
  auto portal = create(s.port());
  EXPECT_EQ(oauth_error(device_token(s.port(), portal.poll_secret)), "invalid_grant");
  auto d = authorize(s.port());
  auto wrong_type = form_post(s.port(), "/oauth/token",
                              "grant_type=authorization_code&code=x&device_code=" + d.device_code + "&client_id=hallpass-demo-tv");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(oauth_error(wrong_type), "unsupported_grant_type");
  EXPECT_EQ(wrong_type.headers["cache-control"], "no-store");
  EXPECT_EQ(oauth_error(device_token(s.port(), d.device_code)), "authorization_pending");  // not consumed by that
}
