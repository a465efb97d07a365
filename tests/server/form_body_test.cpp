// OAuth form bodies (application/x-www-form-urlencoded), as RFC 8628 clients send them.
#include <gtest/gtest.h>

#include "hallpass/server/api/request_bodies.hpp"

using hallpass::server::request;
using hallpass::server::api::form_body;
using hallpass::server::api::form_decode;

namespace {

std::map<std::string, std::string> form(std::string body) {
  request r;
  r.body = std::move(body);
  return form_body(r);
}

}  // namespace

TEST(FormBody, DecodesEscapesAndPlus) {
  auto f = form("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=a-b_c&name=%E6%B5%B7+%e5%9f%8e");
  EXPECT_EQ(f["grant_type"], "urn:ietf:params:oauth:grant-type:device_code");
  EXPECT_EQ(f["device_code"], "a-b_c");
  EXPECT_EQ(f["name"], "海 城");
  EXPECT_EQ(f.size(), 3u);
}

TEST(FormBody, FirstValueWinsAndEmptyPiecesAddNothing) {
  auto f = form("&client_id=one&&client_id=two&flag&empty=");
  EXPECT_EQ(f["client_id"], "one");
  EXPECT_EQ(f.count("flag"), 1u);
  EXPECT_EQ(f["flag"], "");
  EXPECT_EQ(f["empty"], "");
  EXPECT_EQ(f.size(), 3u);
}

TEST(FormBody, ABrokenEscapeLeavesNoFields) {
  EXPECT_TRUE(form("client_id=a&device_code=%zz").empty());
  EXPECT_TRUE(form("client_id=a%4").empty());
  EXPECT_TRUE(form("client_id=a%").empty());
  EXPECT_FALSE(form_decode("%4").has_value());
  EXPECT_EQ(form_decode("%41%2b+"), std::optional<std::string>("A+ "));
  EXPECT_TRUE(form("").empty());
}
