// hallpass_client against a local Beast server: keep-alive, reconnection, timeouts, base URLs.
#include <gtest/gtest.h>

#include <chrono>

#include "hallpass/client/connection.hpp"
#include "local_server.hpp"

using namespace hallpass::client;
using hallpass::client::testing::local_server;
using namespace std::chrono_literals;

TEST(BaseUrl, ParsesSchemesHostsAndPorts) {
  auto a = parse_base_url("http://127.0.0.1:8080");
  EXPECT_FALSE(a.tls);
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, "8080");
  EXPECT_EQ(a.host_header(), "127.0.0.1:8080");
  auto b = parse_base_url("https://hall.example.cn/");
  EXPECT_TRUE(b.tls);
  EXPECT_EQ(b.port, "443");
  EXPECT_EQ(b.host_header(), "hall.example.cn");
  EXPECT_EQ(b.base_url(), "https://hall.example.cn:443");
  auto c = parse_base_url("http://[::1]:9000");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.host_header(), "[::1]:9000");
}

TEST(BaseUrl, RefusesWhatIsNotABaseUrl) {
  for (auto bad : {"ftp://x", "127.0.0.1:8080", "http://", "http://x/api", "http://x?q=1", "http://u@x", "", "http://x:0"}) {
    try {
      parse_base_url(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const error& e) {
      EXPECT_EQ(e.code(), errc::url) << bad;
    }
  }
}

TEST(Connection, ReusesOneConnectionForManyRequests) {
  local_server server;
  connection c(loopback(server.port()));
  for (int i = 0; i < 5; ++i) {
    auto r = c.get("/hello");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello");
    EXPECT_EQ(r.header("Content-Type"), "text/plain");
  }
  response into;
  for (int i = 0; i < 5; ++i) c.send({.target = "/hello"}, into);
  EXPECT_EQ(into.body, "hello");
  EXPECT_EQ(c.connects(), 1u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(Connection, SendsMethodHostHeadersAndBody) {
  local_server server;
  connection c("http://127.0.0.1:" + std::to_string(server.port()));
  auto r = c.send({.method = "PATCH", .target = "/echo?x=1", .headers = {{"X-Test", "1"}}, .body = "payload"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "PATCH /echo?x=1\nhost: 127.0.0.1:" + std::to_string(server.port()) + "\npayload");
  auto own_host = c.send({.target = "/echo", .headers = {{"Host", "hall.example.cn"}}});
  EXPECT_NE(own_host.body.find("host: hall.example.cn\n"), std::string::npos) << own_host.body;
  EXPECT_EQ(c.get("/missing").status, 404);  // a status is a response, not an error
  EXPECT_THROW(c.send({.target = "/echo", .headers = {{"X-Bad", "a\r\nInjected: 1"}}}), std::invalid_argument);
}

TEST(Connection, ReconnectsWhenTheServerClosedTheConnection) {
  local_server server;
  connection c(loopback(server.port()));
  EXPECT_EQ(c.get("/drop").body, "bye");  // announced keep-alive, then closed by the server
  std::this_thread::sleep_for(50ms);
  auto r = c.post("/echo", "again");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("again"), std::string::npos);
  EXPECT_EQ(c.connects(), 2u);
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(c.get("/hello").body, "hello");
  EXPECT_EQ(server.connections(), 2);
}

TEST(Connection, ClosesWhenTheResponseSaysSo) {
  local_server server;
  connection c(loopback(server.port()));
  EXPECT_EQ(c.send({.target = "/hello", .headers = {{"Connection", "close"}}}).body, "hello");
  EXPECT_EQ(c.get("/hello").body, "hello");
  EXPECT_EQ(server.connections(), 2);
}

TEST(Connection, TimesOutAndRecoversOnTheNextRequest) {
  local_server server;
  connection c(loopback(server.port()));
  auto started = std::chrono::steady_clock::now();
  try {
    c.send({.target = "/slow", .timeout = 200ms});
    ADD_FAILURE() << "no timeout";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::timeout) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  EXPECT_EQ(c.get("/hello").body, "hello");
  EXPECT_EQ(c.connects(), 2u);
}

TEST(Connection, ReportsARefusedConnection) {
  unsigned short port = 0;
  {
    local_server gone;
    port = gone.port();
  }
  try {
    fetch(loopback(port), {.target = "/hello"});
    ADD_FAILURE() << "connected to a closed port";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::connect) << e.what();
  }
}

TEST(Fetch, OneRequestOnAFreshConnection) {
  local_server server;
  EXPECT_EQ(fetch("http://127.0.0.1:" + std::to_string(server.port()), {.target = "/hello"}).body, "hello");
  EXPECT_EQ(fetch(loopback(server.port()), {.target = "/hello"}).body, "hello");
  EXPECT_EQ(server.connections(), 2);
}
