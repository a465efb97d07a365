// Behind a load balancer: X-Forwarded-For and X-Forwarded-Proto count only when the peer is in
// --trusted-proxies. Then per-IP limits apply to the forwarded client and cookies are Secure
// for an https client; otherwise the headers are ignored.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;

namespace {

std::string login_body(const std::string& channel = "app") {
  return json::serialize(json::object{{"account", demo::person_only}, {"password", "Demo@2026"}, {"channel", channel}});
}

hallpass::server::config two_logins_per_ip(const std::string& trusted) {
  auto cfg = test_config();
  cfg.login_attempts_per_ip = 2;
  cfg.trusted_proxies = trusted;
  return cfg;
}

int login_from(const running_server& s, const std::string& forwarded_for) {
  return s.call("POST", "/api/v1/sessions", login_body(), {{"X-Forwarded-For", forwarded_for}}).status;
}

}  // namespace

TEST(TrustedProxies, PerIpLimitCountsTheForwardedClient) {
  running_server s(two_logins_per_ip("10.0.0.0/8, 127.0.0.1/32, ::1/128"));
  EXPECT_EQ(login_from(s, "198.51.100.7"), 201);
  EXPECT_EQ(login_from(s, "198.51.100.7, 10.1.2.3"), 201);  // through a second, trusted proxy
  EXPECT_EQ(login_from(s, "198.51.100.7"), 429) << "the third login of that client in a minute";
  // A client cannot escape by putting an address of its own choice in front.
  EXPECT_EQ(login_from(s, "203.0.113.99, 198.51.100.7"), 429);
  // Another client behind the same proxy has its own budget.
  EXPECT_EQ(login_from(s, "198.51.100.8"), 201);
  auto ips = sql(s.conninfo(), "SELECT DISTINCT ip FROM audit_log WHERE ip IS NOT NULL ORDER BY ip");
  EXPECT_EQ(ips, (std::vector<std::string>{"198.51.100.7", "198.51.100.8"}));
}

TEST(TrustedProxies, WithoutTheOptionForwardedForIsIgnored) {
  running_server s(two_logins_per_ip(""));
  EXPECT_EQ(login_from(s, "198.51.100.1"), 201);
  EXPECT_EQ(login_from(s, "198.51.100.2"), 201);
  EXPECT_EQ(login_from(s, "198.51.100.3"), 429) << "all three came from 127.0.0.1";
}

TEST(TrustedProxies, AnUntrustedPeerIsNotBelieved) {
  running_server s(two_logins_per_ip("192.0.2.0/24"));  // some other proxy, not this loopback peer
  EXPECT_EQ(login_from(s, "198.51.100.1"), 201);
  EXPECT_EQ(login_from(s, "198.51.100.2"), 201);
  EXPECT_EQ(login_from(s, "198.51.100.3"), 429);
  auto https = s.call("POST", "/api/v1/sessions", login_body("web"), {{"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(https.status, 429);
}

TEST(TrustedProxies, ForwardedHttpsGivesSecureCookiesOnlyFromATrustedProxy) {
  auto web_login = [](const running_server& s) {
    auto r = s.call("POST", "/api/v1/sessions", login_body("web"), {{"X-Forwarded-Proto", "https"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.headers["set-cookie"];
  };
  auto cfg = test_config();
  cfg.trusted_proxies = "127.0.0.1";
  running_server trusted(cfg);
  auto cookie = web_login(trusted);
  EXPECT_EQ(cookie.rfind("__Host-hp_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;

  running_server plain;
  cookie = web_login(plain);
  EXPECT_EQ(cookie.rfind("hp_session=", 0), 0u) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << cookie;
}
