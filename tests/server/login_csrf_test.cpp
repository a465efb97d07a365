// Login CSRF: a page on another site must not be able to sign a visitor into an account. JSON
// bodies must be declared application/json (which no HTML form can send), endpoints that set
// cookies refuse requests a browser marks as coming from another site, and a browser login's
// token stays in its HttpOnly cookie.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;

namespace {

std::string login_body(const std::string& channel = "web") {
  return json::serialize(json::object{{"account", demo::person_only}, {"password", "Demo@2026"}, {"channel", channel}});
}

std::string session_count(const running_server& s) { return sql_one(s.conninfo(), "SELECT count(*) FROM sessions"); }

}  // namespace

TEST(LoginCsrf, LoginBodyMustBeDeclaredJson) {
  running_server s;
  auto before = session_count(s);
  for (std::string type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    auto r = s.call("POST", "/api/v1/sessions", login_body(), {{"Content-Type", type}});
    EXPECT_EQ(r.status, 415) << type << ": " << r.body;
    EXPECT_EQ(r.error_code(), "unsupported_media_type") << type;
    EXPECT_FALSE(str_at(r.json().at("error"), "message").empty());
    EXPECT_FALSE(str_at(r.json().at("error"), "message_en").empty());
    EXPECT_EQ(r.headers.count("set-cookie"), 0u) << type;
  }
  // A body without any Content-Type is refused too.
  auto body = login_body();
  auto raw = raw_exchange(s.port(), "POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                                        std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(raw.rfind("HTTP/1.1 415", 0), 0u) << raw;
  EXPECT_EQ(session_count(s), before) << "no session was made";

  // Parameters and letter case of the media type do not matter.
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(), {{"Content-Type", "Application/JSON; charset=utf-8"}}).status,
            201);
}

TEST(LoginCsrf, EveryJsonEndpointWantsJson) {
  running_server s;
  auto token = s.login(demo::unit_a, demo::agent_all);
  auto r = s.call("POST", "/api/v1/applications", R"({"service_code":"labour_dispatch_licence_haicheng"})",
                  {{"Authorization", "Bearer " + token}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_EQ(r.error_code(), "unsupported_media_type");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM applications"), "0");
  // An empty body needs no type: the portal posts some actions without one.
  auto ticket = s.call("POST", "/api/v1/login-tickets?qr=none", "", {});
  EXPECT_EQ(ticket.status, 201) << ticket.body;
}

TEST(LoginCsrf, CookieEndpointsRefuseOtherSites) {
  running_server s;
  const std::string own = "http://127.0.0.1:" + std::to_string(s.port());
  auto before = session_count(s);
  for (header_list from : {header_list{{"Origin", "https://evil.example"}},
                           header_list{{"Origin", "null"}},
                           header_list{{"Sec-Fetch-Site", "cross-site"}},
                           header_list{{"Sec-Fetch-Site", "same-site"}},
                           header_list{{"Origin", own}, {"Sec-Fetch-Site", "cross-site"}}}) {
    auto r = s.call("POST", "/api/v1/sessions", login_body(), from);
    EXPECT_EQ(r.status, 403) << from[0].first << ": " << from[0].second << " " << r.body;
    EXPECT_EQ(r.error_code(), "cross_site_request");
    EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  }
  EXPECT_EQ(session_count(s), before) << "no session was made";
  header_list evil{{"Origin", "https://evil.example"}};
  EXPECT_EQ(s.call("POST", "/api/v1/login-tickets", "", evil).error_code(), "cross_site_request");
  EXPECT_EQ(s.call("POST", "/api/v1/login-tickets/1/session", "", evil).error_code(), "cross_site_request");
  EXPECT_EQ(s.call("DELETE", "/api/v1/sessions/current", "", evil).error_code(), "cross_site_request");

  // The portal's own pages, and clients that send neither header (phone app, command line).
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(), {{"Origin", own}, {"Sec-Fetch-Site", "same-origin"}}).status,
            201);
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(), {{"Sec-Fetch-Site", "none"}}).status, 201);
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body("app")).status, 201);
}

TEST(LoginCsrf, OriginIsComparedWithThePublicUrl) {
  auto cfg = test_config();
  cfg.public_url = "https://hall.example/";
  running_server s(cfg);
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(), {{"Origin", "https://HALL.example"}}).status, 201);
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(), {{"Origin", "https://hall.example:443"}}).status, 201);
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(), {{"Origin", "http://hall.example"}}).status, 403);
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", login_body(), {{"Origin", "https://hall.example.evil"}}).status, 403);
}

TEST(LoginCsrf, BrowserLoginKeepsTheTokenInTheCookieWhileTheAppGetsIt) {
  running_server s;
  auto web = s.call("POST", "/api/v1/sessions", login_body("web"));
  ASSERT_EQ(web.status, 201) << web.body;
  EXPECT_FALSE(web.json().as_object().contains("token")) << web.body;
  EXPECT_FALSE(str_at(web.json(), "csrf_token").empty());
  auto cookie = session_cookie(web);
  ASSERT_GE(cookie.size(), 40u) << web.headers["set-cookie"];
  EXPECT_EQ(web.body.find(cookie), std::string::npos);
  EXPECT_NE(web.headers["set-cookie"].find("HttpOnly"), std::string::npos);
  EXPECT_EQ(s.call("GET", "/api/v1/sessions/current", "", {{"Cookie", "hp_session=" + cookie}}).status, 200);

  auto app = s.call("POST", "/api/v1/sessions", login_body("app"));
  ASSERT_EQ(app.status, 201) << app.body;
  EXPECT_GE(str_at(app.json(), "token").size(), 40u);
  EXPECT_EQ(app.headers.count("set-cookie"), 0u);
  EXPECT_EQ(s.call_as(str_at(app.json(), "token"), "GET", "/api/v1/sessions/current").status, 200);
}
