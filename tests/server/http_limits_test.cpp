// The network layer under bad and hostile input (PRODUCT.md §9): malformed HTTP and JSON,
// bodies over the limit refused before they are read, oversized headers, slow clients,
// keep-alive, metrics and the connection limit. Hand-made bytes go through raw_exchange.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "support/test_env.hpp"

using namespace hallpass::test;
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct raw_reply {
  int status = 0;
  std::string head;
  std::string body;
};

raw_reply parse_raw(const std::string& bytes) {
  raw_reply r;
  if (bytes.rfind("HTTP/1.1 ", 0) == 0 && bytes.size() >= 12) r.status = std::stoi(bytes.substr(9, 3));
  auto end = bytes.find("\r\n\r\n");
  r.head = bytes.substr(0, end);
  if (end != std::string::npos) r.body = bytes.substr(end + 4);
  return r;
}

bool has_non_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return true;
  return false;
}

// Every error a client sees: {"error":{"code","message" (Chinese),"message_en"}}.
void expect_error_shape(const std::string& body, const std::string& code) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  ASSERT_FALSE(ec) << body;
  auto& e = v.at("error").as_object();
  EXPECT_EQ(e.at("code").as_string(), code) << body;
  std::string zh(e.at("message").as_string()), en(e.at("message_en").as_string());
  EXPECT_TRUE(has_non_ascii(zh)) << "message should be Chinese: " << zh;
  EXPECT_FALSE(en.empty());
  EXPECT_FALSE(has_non_ascii(en)) << en;
}

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

// Waits until the server counts `n` open connections (accepting is asynchronous).
bool wait_open(running_server& s, long n) {
  for (int i = 0; i < 200; ++i) {
    if (s.app().api.connections().open == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The value of one sample line "series value" (not the # HELP / # TYPE lines), or -1.
long metric(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stol(text.substr(at + series.size() + 2));
}

const std::string login_head = "POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";

}  // namespace

TEST(HttpLimits, MalformedRequestLineGets400AndOthersAreStillServed) {
  running_server s(test_config(), false);
  for (std::string bad : {"GARBAGE\r\n\r\n", "GET /healthz HTTP/9.9\r\nHost: t\r\n\r\n",
                          "GET /healthz HTTP/1.1\r\nBad Header Without Colon\r\n\r\n", "GET  HTTP/1.1\r\n\r\n"}) {
    auto r = parse_raw(raw_exchange(s.port(), bad));
    EXPECT_EQ(r.status, 400) << bad;
    expect_error_shape(r.body, "malformed_http");
  }
  EXPECT_EQ(s.call("GET", "/healthz").status, 200);
}

TEST(HttpLimits, MalformedJsonAndUnknownFieldsAre400) {
  running_server s(test_config(), false);
  struct bad_case {
    std::string body, code;
  };
  for (auto& c : std::vector<bad_case>{{"{not json", "malformed_json"},
                                       {"[1,2]", "malformed_json"},
                                       {"\"text\"", "malformed_json"},
                                       {R"({"account":"a","password":"b","extra":1})", "unknown_field"},
                                       {R"({"password":"b"})", "missing_field"},
                                       {R"({"account":5,"password":"b"})", "missing_field"}}) {
    auto r = s.call("POST", "/api/v1/sessions", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    expect_error_shape(r.body, c.code);
  }
}

TEST(HttpLimits, DeclaredOversizedBodyIsRefusedBeforeItIsSent) {
  auto cfg = test_config();
  cfg.json_body_limit = 1024;
  running_server s(cfg, false);
  // Only the header goes out; the server must answer without waiting for the body.
  auto started = clock_type::now();
  auto r = parse_raw(raw_exchange(s.port(), login_head + "Content-Length: 5000000\r\n\r\n", std::chrono::seconds(5)));
  EXPECT_LT(seconds_since(started), 2.0);
  EXPECT_EQ(r.status, 413) << r.head;
  expect_error_shape(r.body, "payload_too_large");
  // A route that takes no body refuses any declared body.
  r = parse_raw(raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"));
  EXPECT_EQ(r.status, 413);
  // Exactly at the limit is fine (and reaches the JSON check).
  auto at_limit = s.call("POST", "/api/v1/sessions", std::string(1024, ' '));
  EXPECT_EQ(at_limit.status, 400);
  EXPECT_EQ(at_limit.error_code(), "malformed_json");
}

TEST(HttpLimits, ChunkedBodyOverTheLimitIs413) {
  auto cfg = test_config();
  cfg.json_body_limit = 1024;
  running_server s(cfg, false);
  std::string chunk(600, 'x');
  std::string req = login_head + "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 2; ++i) req += "258\r\n" + chunk + "\r\n";  // 0x258 = 600
  req += "0\r\n\r\n";
  auto r = parse_raw(raw_exchange(s.port(), req));
  EXPECT_EQ(r.status, 413) << r.head;
  expect_error_shape(r.body, "payload_too_large");
  // The same encoding under the limit is read and parsed.
  std::string small = login_head + "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n";
  r = parse_raw(raw_exchange(s.port(), small));
  EXPECT_EQ(r.status, 400) << r.head;
  expect_error_shape(r.body, "unknown_field");
}

TEST(HttpLimits, HeaderOver16KiBIs431) {
  running_server s(test_config(), false);
  auto r = parse_raw(raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(17 * 1024, 'a') +
                                                "\r\n\r\n"));
  EXPECT_EQ(r.status, 431) << r.head;
  expect_error_shape(r.body, "header_too_large");
  // Just under the limit passes.
  auto ok = s.call("GET", "/healthz", "", {{"X-Big", std::string(15 * 1024, 'a')}});
  EXPECT_EQ(ok.status, 200);
}

TEST(HttpLimits, UnknownRouteIs404AndWrongMethodIs405) {
  running_server s(test_config(), false);
  auto r = s.call("GET", "/api/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  expect_error_shape(r.body, "route_not_found");
  r = s.call("GET", "/api/v1/units/1/grants/2/extra");
  EXPECT_EQ(r.status, 404);
  r = s.call("PUT", "/healthz");
  EXPECT_EQ(r.status, 405);
  expect_error_shape(r.body, "method_not_allowed");
  r = s.call("POST", "/api/v1/units/7/grants/9");
  EXPECT_EQ(r.status, 405);
  // A body for a method the path does not take is refused by size first (its limit is 0).
  r = s.call("POST", "/api/v1/units/7/grants/9", "{}");
  EXPECT_EQ(r.status, 413);
  expect_error_shape(r.body, "payload_too_large");
  r = s.call("GET", "/api/v1/sessions/current");
  EXPECT_EQ(r.status, 401);
  expect_error_shape(r.body, "unauthenticated");
}

TEST(HttpLimits, SlowClientIsDisconnectedAfterTheReadTimeout) {
  auto cfg = test_config();
  cfg.net.read_timeout = std::chrono::seconds(1);
  running_server s(cfg, false);
  auto started = clock_type::now();
  // Half a header, then silence: the server must hang up, not wait forever.
  auto out = raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ", std::chrono::seconds(6));
  double took = seconds_since(started);
  EXPECT_GE(took, 0.8);
  EXPECT_LT(took, 4.0);
  EXPECT_EQ(out.find("200 OK"), std::string::npos);
  EXPECT_TRUE(wait_open(s, 0));
  EXPECT_EQ(s.call("GET", "/healthz").status, 200);
}

TEST(HttpLimits, KeepAliveServesTwoRequestsOnOneConnection) {
  running_server s(test_config(), false);
  long before = s.app().api.connections().total;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port()));
  beast::flat_buffer buf;
  for (auto target : {"/healthz", "/api/v1/nope"}) {
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "t");
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    EXPECT_TRUE(res.keep_alive()) << target;
    EXPECT_EQ(res.result_int(), std::string(target) == "/healthz" ? 200 : 404);
    EXPECT_FALSE(res[http::field::content_type].empty());
  }
  EXPECT_EQ(s.app().api.connections().total, before + 1);
  // HTTP/1.0 without keep-alive is closed after the response.
  auto r = raw_exchange(s.port(), "GET /healthz HTTP/1.0\r\n\r\n", std::chrono::seconds(3));
  EXPECT_NE(r.find("200"), std::string::npos);
  EXPECT_NE(r.find("\"ok\""), std::string::npos);
}

TEST(HttpLimits, MetricsCountRequestsByRouteAndStatusAndOpenConnections) {
  running_server s(test_config(), false);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(s.call("GET", "/healthz").status, 200);
  EXPECT_EQ(s.call("GET", "/nowhere").status, 404);
  EXPECT_EQ(s.call("GET", "/api/v1/sessions/current").status, 401);
  ASSERT_TRUE(wait_open(s, 0));

  asio::io_context ioc;
  tcp::socket held(ioc);
  held.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port()));
  ASSERT_TRUE(wait_open(s, 1));
  auto m = s.call("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["content-type"].rfind("text/plain", 0), 0u);
  EXPECT_EQ(metric(m.body, R"(hallpass_http_requests_total{route="/healthz",method="GET",status="200"})"), 3);
  EXPECT_EQ(metric(m.body, R"(hallpass_http_requests_total{route="not_found",method="GET",status="404"})"), 1);
  EXPECT_EQ(metric(m.body, R"(hallpass_http_requests_total{route="/api/v1/sessions/current",method="GET",status="401"})"), 1);
  EXPECT_EQ(metric(m.body, "hallpass_open_connections"), 2);  // the held one and the one asking
  EXPECT_EQ(metric(m.body, R"(hallpass_http_request_duration_seconds_count{route="/healthz"})"), 3);
  EXPECT_GE(metric(m.body, "hallpass_db_pool_size"), 1);
  // No raw path (which may hold ids or tokens) becomes a label.
  EXPECT_EQ(m.body.find("/nowhere"), std::string::npos);
}

TEST(HttpLimits, ConnectionsBeyondTheLimitAreClosed) {
  auto cfg = test_config();
  cfg.net.max_connections = 2;
  running_server s(cfg, false);
  asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<tcp::socket>(ioc));
    held.back()->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port()));
  }
  ASSERT_TRUE(wait_open(s, 2));
  auto started = clock_type::now();
  auto extra = raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", std::chrono::seconds(3));
  EXPECT_EQ(extra, "");  // closed without an answer
  EXPECT_LT(seconds_since(started), 2.0);
  EXPECT_GE(s.app().api.connections().refused, 1);
  // A held connection still works, and once one closes a new one is served.
  asio::write(*held[0], asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")));
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(*held[0], buf, res);
  EXPECT_EQ(res.result_int(), 200);
  held[0]->close();
  ASSERT_TRUE(wait_open(s, 1));
  EXPECT_EQ(s.call("GET", "/healthz").status, 200);
}

TEST(HttpLimits, HeadAnswersCarryNoBodySoTheNextResponseFollowsAtOnce) {
  running_server s(test_config(), false);
  auto bytes = raw_exchange(s.port(),
                            "HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                            "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto first = parse_raw(bytes);
  EXPECT_EQ(first.status, 200);
  EXPECT_NE(first.head.find("Content-Length: 15"), std::string::npos) << first.head;  // as the GET's {"status":"ok"}
  EXPECT_EQ(first.body.rfind("HTTP/1.1 200", 0), 0u) << "the HEAD answer carried a body: " << first.body;
}

TEST(HttpLimits, MadeUpMethodsGet501AndAddNoMetricSeries) {
  running_server s(test_config(), false);
  for (std::string method : {"FOO", "BREW", "XYZZY"}) {
    auto r = parse_raw(raw_exchange(s.port(), method + " /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
    EXPECT_EQ(r.status, 501) << method;
    expect_error_shape(r.body, "method_not_implemented");
  }
  auto metrics = s.call("GET", "/metrics").body;
  for (const char* method : {"FOO", "BREW", "XYZZY"})
    EXPECT_EQ(metrics.find(std::string("method=\"") + method), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("method=\"OTHER\""), std::string::npos);
}
