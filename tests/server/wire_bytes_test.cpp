// Answers as they go on the wire: status line, headers, length and connection, in one buffer.
#include <gtest/gtest.h>

#include "hallpass/server/net/http.hpp"

using hallpass::server::response;
using hallpass::server::wire_bytes;
using hallpass::server::wire_head;

namespace {

response answer(int status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace

TEST(WireBytes, KeptConnectionCarriesLengthAndBody) {
  auto bytes = wire_bytes(answer(400, R"({"error":"slow_down"})"), "abc-1", {.version = 11, .keep_alive = true});
  EXPECT_EQ(bytes,
            "HTTP/1.1 400 Bad Request\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            "X-Request-Id: abc-1\r\n"
            "Cache-Control: no-store\r\n"
            "Content-Length: 21\r\n"
            "\r\n"
            R"({"error":"slow_down"})");
}

TEST(WireBytes, ConnectionHeaderFollowsTheVersion) {
  auto close11 = wire_bytes(answer(200, "{}"), "r", {.version = 11, .keep_alive = false});
  EXPECT_NE(close11.find("\r\nConnection: close\r\n"), std::string::npos);
  auto keep10 = wire_bytes(answer(200, "{}"), "r", {.version = 10, .keep_alive = true});
  EXPECT_EQ(keep10.rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
  EXPECT_NE(keep10.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  auto close10 = wire_bytes(answer(200, "{}"), "r", {.version = 10, .keep_alive = false});
  EXPECT_EQ(close10.find("Connection:"), std::string::npos);
}

TEST(WireBytes, HeadKeepsTheLengthOfTheGetAndSendsNoBody) {
  auto bytes = wire_bytes(answer(200, "0123456789"), "r", {.keep_alive = true, .head_only = true});
  EXPECT_NE(bytes.find("Content-Length: 10\r\n\r\n"), std::string::npos);
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "\r\n\r\n");
}

TEST(WireBytes, NoContentHasNoLength) {
  auto bytes = wire_bytes(answer(204, ""), "r", {.keep_alive = true});
  EXPECT_EQ(bytes.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u);
  EXPECT_EQ(bytes.find("Content-Length"), std::string::npos);
}

TEST(WireBytes, StreamHeadRunsUntilClose) {
  response r = answer(200, "");
  r.content_type = "text/event-stream";
  auto bytes = wire_bytes(std::move(r), "r", {.until_close = true, .hsts = true});
  EXPECT_NE(bytes.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(bytes.find("Strict-Transport-Security: max-age=31536000\r\n"), std::string::npos);
  EXPECT_EQ(bytes.find("Content-Length"), std::string::npos);
}

TEST(WireBytes, LineBreaksInAHeaderCannotStartAnother) {
  response r = answer(302, "");
  r.set("Location", "/x\r\nSet-Cookie: stolen=1");
  auto bytes = wire_bytes(std::move(r), "r", {.keep_alive = true});
  EXPECT_NE(bytes.find("Location: /x  Set-Cookie: stolen=1\r\n"), std::string::npos);
  EXPECT_EQ(bytes.find("\nSet-Cookie"), std::string::npos);
}
