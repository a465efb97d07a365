// The phone web app's side of QR login over real HTTP: an app-channel session kept in the phone
// cookie, /l/{token} taking the token out of the URL, the confirm calls accepting only a phone
// session, and the network signal of the scan.
#include <gtest/gtest.h>

#include <regex>

#include <boost/json.hpp>

#include "hallpass/server/services/login_tickets.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
namespace json = boost::json;

namespace {

// The value of a Set-Cookie header's cookie, or "".
std::string cookie_value(const http_reply& r, const std::string& name) {
  auto it = r.headers.find("set-cookie");
  if (it == r.headers.end() || it->second.rfind(name + "=", 0) != 0) return "";
  auto v = it->second.substr(name.size() + 1);
  return v.substr(0, v.find(';'));
}

http_reply phone_web_login(unsigned short port, const std::string& account, const std::string& channel = "app") {
  json::object body{{"account", account}, {"password", "Demo@2026"}, {"channel", channel}, {"transport", "cookie"}};
  return http_call(port, "POST", "/api/v1/sessions", json::serialize(body),
                   {{"User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                                   "Chrome/131.0.0.0 Mobile Safari/537.36"}});
}

}  // namespace

TEST(PhoneWeb, AppSessionLivesInThePhoneCookieAndConfirmsALogin) {
  running_server s;
  auto login = phone_web_login(s.port(), demo::mobile_agent_all);
  ASSERT_EQ(login.status, 201) << login.body;
  auto token = cookie_value(login, "hp_phone");
  ASSERT_FALSE(token.empty());
  EXPECT_NE(login.headers["set-cookie"].find("HttpOnly"), std::string::npos);
  EXPECT_FALSE(login.json().as_object().contains("token"));  // out of reach of scripts
  auto csrf = str_at(login.json(), "csrf_token");
  EXPECT_EQ(str_at(login.json(), "channel"), "app");

  // The QR's URL: 303 to the confirm page, the token in a cookie only the scan call gets.
  auto t = create(s.port());
  auto opened = http_call(s.port(), "GET", "/l/" + t.scan_token);
  EXPECT_EQ(opened.status, 303);
  EXPECT_EQ(opened.headers["location"], "/m/confirm");
  EXPECT_EQ(cookie_value(opened, "hp_scan"), t.scan_token);
  EXPECT_NE(opened.headers["set-cookie"].find("Path=/api/v1/login-tickets/scans"), std::string::npos);
  EXPECT_EQ(http_call(s.port(), "GET", "/l/not%20a%20token").status, 404);

  const header_list phone{{"Cookie", "hp_phone=" + token + "; hp_scan=" + t.scan_token}, {"X-CSRF-Token", csrf}};
  // Without the CSRF token the cookie does nothing.
  EXPECT_EQ(http_call(s.port(), "POST", "/api/v1/login-tickets/scans", "{}", {{"Cookie", "hp_phone=" + token}}).status,
            403);
  auto scanned = http_call(s.port(), "POST", "/api/v1/login-tickets/scans", "{}", phone);
  ASSERT_EQ(scanned.status, 200) << scanned.body;
  EXPECT_TRUE(scanned.json().at("same_network").as_bool());  // both on 127.0.0.1
  // A portal's QR needs the number on its screen: without one, nothing changes.
  auto without = http_call(s.port(), "POST", "/api/v1/login-tickets/" + t.id + "/confirmation", "{}", phone);
  EXPECT_EQ(without.status, 400);
  EXPECT_EQ(without.error_code(), "missing_field");
  EXPECT_EQ(state_of(s.port(), t), "scanned");
  auto confirmed = http_call(s.port(), "POST", "/api/v1/login-tickets/" + t.id + "/confirmation",
                             json::serialize(json::object{{"match_number", t.match_number}}), phone);
  EXPECT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(state_of(s.port(), t), "confirmed");

  // The phone cookie also reaches the person's own pages' API; logout removes it.
  EXPECT_EQ(http_call(s.port(), "GET", "/api/v1/sessions/current", "", {{"Cookie", "hp_phone=" + token}}).status, 200);
  auto out = http_call(s.port(), "DELETE", "/api/v1/sessions/current", "", phone);
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.headers["set-cookie"].find("hp_phone=; Path=/; Max-Age=0"), std::string::npos);
  EXPECT_EQ(http_call(s.port(), "GET", "/api/v1/sessions/current", "", {{"Cookie", "hp_phone=" + token}}).status, 401);
}

TEST(PhoneWeb, APortalSessionCannotConfirmAndTheTokenAloneIsNeverEnough) {
  running_server s;
  auto t = create(s.port());
  // No session: the scan cookie alone does nothing.
  EXPECT_EQ(http_call(s.port(), "POST", "/api/v1/login-tickets/scans", "{}", {{"Cookie", "hp_scan=" + t.scan_token}}).status,
            401);
  // A portal (web) session in its own cookie is not looked at by the phone's calls.
  json::object body{{"account", demo::mobile_agent_all}, {"password", "Demo@2026"}};
  auto web = http_call(s.port(), "POST", "/api/v1/sessions", json::serialize(body));
  ASSERT_EQ(web.status, 201);
  auto cookie = "hp_session=" + cookie_value(web, "hp_session") + "; hp_scan=" + t.scan_token;
  auto r = http_call(s.port(), "POST", "/api/v1/login-tickets/scans", "{}",
                     {{"Cookie", cookie}, {"X-CSRF-Token", str_at(web.json(), "csrf_token")}});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(state_of(s.port(), t), "pending");
  // A web login may not ask for a bearer token, nor a kiosk for a cookie.
  body["transport"] = "bearer";
  EXPECT_EQ(http_call(s.port(), "POST", "/api/v1/sessions", json::serialize(body)).error_code(), "invalid_transport");
  EXPECT_EQ(phone_web_login(s.port(), demo::mobile_agent_all, "kiosk").error_code(), "invalid_transport");
}

TEST(PhoneWeb, SameNetworkIsTheSameIpv4Slash24OrIpv6Slash64) {
  using hallpass::server::services::same_network;
  EXPECT_TRUE(same_network("203.0.113.7", "203.0.113.200"));
  EXPECT_FALSE(same_network("203.0.113.7", "203.0.114.7"));
  EXPECT_TRUE(same_network("::ffff:192.168.1.4", "192.168.1.9"));
  EXPECT_TRUE(same_network("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"));
  EXPECT_FALSE(same_network("2001:db8:1:2::1", "2001:db8:1:3::1"));
  EXPECT_FALSE(same_network("203.0.113.7", "2001:db8::1"));
  EXPECT_FALSE(same_network("", ""));
  EXPECT_FALSE(same_network("unknown", "unknown"));
}

TEST(PhoneWeb, MyDevicesListsThePersonsSessionsAndEndsOne) {
  running_server s;
  auto phone = phone_web_login(s.port(), demo::mobile_agent_all);
  ASSERT_EQ(phone.status, 201);
  const header_list phone_cookie{{"Cookie", "hp_phone=" + cookie_value(phone, "hp_phone")}};
  auto portal = s.login(demo::unit_a, demo::mobile_agent_all, "Demo@2026", "app");  // the same person, for unit A
  auto other = s.login(std::nullopt, demo::person_only);                          // someone else

  auto list = s.call_as(portal, "GET", "/api/v1/persons/me/sessions");
  ASSERT_EQ(list.status, 200) << list.body;
  auto sessions = list.json().at("sessions").as_array();
  ASSERT_EQ(sessions.size(), 2u);
  std::string phone_id;
  const std::regex utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  for (auto& v : sessions) {
    auto& o = v.as_object();
    EXPECT_TRUE(std::regex_match(std::string(o.at("created_at").as_string()), utc)) << json::serialize(o);
    EXPECT_TRUE(std::regex_match(std::string(o.at("last_seen_at").as_string()), utc)) << json::serialize(o);
    EXPECT_LE(o.at("created_at").as_string(), o.at("last_seen_at").as_string()) << json::serialize(o);
    if (o.at("current").as_bool()) {
      EXPECT_EQ(std::string(o.at("unit").as_string()), "常州示范劳务派遣有限公司");
      EXPECT_EQ(std::string(o.at("role").as_string()), "agent");
      EXPECT_EQ(std::string(o.at("device").as_string()), "hallpass-tests");  // not a browser: its product name
    } else {
      phone_id = std::string(o.at("id").as_string());
      EXPECT_TRUE(o.at("unit").is_null());
      EXPECT_EQ(std::string(o.at("device").as_string()), "Chrome · Android");  // named, never the raw User-Agent
    }
  }
  ASSERT_FALSE(phone_id.empty());
  // Someone else cannot end it; the person can, and the phone's next request is 401.
  EXPECT_EQ(s.call_as(other, "DELETE", "/api/v1/persons/me/sessions/" + phone_id).error_code(), "session_not_found");
  EXPECT_EQ(http_call(s.port(), "GET", "/api/v1/sessions/current", "", phone_cookie).status, 200);
  EXPECT_EQ(s.call_as(portal, "DELETE", "/api/v1/persons/me/sessions/" + phone_id).status, 204);
  EXPECT_EQ(http_call(s.port(), "GET", "/api/v1/sessions/current", "", phone_cookie).status, 401);
  EXPECT_EQ(s.call_as(portal, "DELETE", "/api/v1/persons/me/sessions/" + phone_id).error_code(), "session_not_found");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM audit_log WHERE event = 'session_ended_by_person'"), "1");
  EXPECT_EQ(s.call_as(portal, "GET", "/api/v1/sessions/current").status, 200);  // its own session goes on
}

// Every page forbids inline scripts and framing; only 扫一扫 may compile WebAssembly, and its
// reader comes from this server, under fixed names only.
TEST(PhoneWeb, OnlyTheScannerPageMayRunWebAssemblyFromThisServer) {
  running_server s;
  auto scan = http_call(s.port(), "GET", "/m/scan");
  ASSERT_EQ(scan.status, 200);
  EXPECT_EQ(scan.headers["content-security-policy"],
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data: blob:; "
            "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  for (const char* page : {"/m", "/m/confirm", "/login", "/account"}) {
    auto r = http_call(s.port(), "GET", page);
    ASSERT_EQ(r.status, 200) << page;
    EXPECT_EQ(r.headers["content-security-policy"].find("wasm"), std::string::npos) << page;
    EXPECT_NE(r.headers["content-security-policy"].find("script-src 'self';"), std::string::npos) << page;
    EXPECT_NE(r.headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos) << page;
  }
  auto wasm = http_call(s.port(), "GET", "/vendor/zxing_reader.wasm");
  ASSERT_EQ(wasm.status, 200) << "web/node_modules: run scripts/install-deps.sh";
  EXPECT_EQ(wasm.headers["content-type"], "application/wasm");
  EXPECT_EQ(wasm.body.substr(0, 4), std::string("\0asm", 4));
  EXPECT_EQ(http_call(s.port(), "GET", "/vendor/zxing-reader.js").headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(http_call(s.port(), "GET", "/vendor/package.json").status, 404);
  EXPECT_EQ(http_call(s.port(), "GET", "/vendor/..%2Fpackage.json").status, 404);
}
