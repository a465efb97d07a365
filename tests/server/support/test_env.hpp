#pragma once
// Test support: a fresh PostgreSQL database with the real migrations per test, the real server
// on a loopback port, and a small HTTP client. The PostgreSQL server comes from
// HALLPASS_TEST_DATABASE_URL (a key=value libpq string, e.g. "host=/tmp/x port=5432 user=hallpass
// dbname=postgres"); scripts/test.sh starts one and sets it.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "hallpass/client/http.hpp"
#include "hallpass/server/app/bootstrap.hpp"
#include "hallpass/server/app/config.hpp"
#include "hallpass/server/services/clock.hpp"

namespace hallpass::test {

// Libpq string of the test PostgreSQL server (its maintenance database).
std::string admin_conninfo();

// A new, empty database with every migration applied; dropped on destruction.
class scratch_database {
 public:
  // In `tablespace` when one is named, else in the default one.
  explicit scratch_database(const std::string& tablespace = "");
  ~scratch_database();
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;
  const std::string& conninfo() const { return conninfo_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string conninfo_;
};

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  boost::json::value json() const;
  std::string error_code() const;  // error.code of an error body, or ""
};

using header_list = client::header_list;

// The session token a browser login put into its cookie (hp_session or __Host-hp_session), or "".
std::string session_cookie(const http_reply& r);

// A hallpass_client response as an http_reply (headers by lower-case name; of a repeated
// field, the last value).
http_reply to_reply(const client::response& r);
// Options of the tests' client calls: a deadline of two minutes, above the longest long-poll.
client::options test_client_options();

// One request on a fresh connection to 127.0.0.1:port (hallpass_client), with Content-Type
// application/json for a body unless given; client::error when there is no answer.
http_reply http_call(unsigned short port, const std::string& method, const std::string& target,
                     const std::string& body = "", const header_list& headers = {});
// Writes raw bytes and returns everything read until the server closes or `wait` passes.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds wait = std::chrono::milliseconds(3000));

// Configuration for an in-process test server: port 0, quiet, fixed data key.
server::config test_config();

// As cfg.database_read_url of a running_server: its own scratch database, as a replica with no lag.
inline constexpr const char* own_database = "(the test's own database)";

// The real server (router, services, pool) on its own scratch database. Its public URL is
// http://127.0.0.1:<its port> unless cfg names another. With a clock, the services see that
// time (tests advance it instead of sleeping).
class running_server {
 public:
  explicit running_server(server::config cfg = test_config(), bool demo = true,
                          const server::services::clock* clock = nullptr);
  ~running_server();
  unsigned short port() const;
  server::assembly& app();
  const std::string& conninfo() const { return db_->conninfo(); }

  http_reply call(const std::string& method, const std::string& target, const std::string& body = "",
                  const header_list& headers = {}) const;
  http_reply call_as(const std::string& token, const std::string& method, const std::string& target,
                     const std::string& body = "") const;
  // Password login; returns the token or fails the test.
  std::string login(const std::optional<std::string>& unit, const std::string& account,
                    const std::string& password = "Demo@2026", const std::string& channel = "app") const;

 private:
  struct parts;
  std::unique_ptr<scratch_database> db_;
  std::unique_ptr<parts> parts_;
};

// Demo data identities (see services/demo.cpp).
namespace demo {
inline constexpr const char* unit_a = "91320412MA1XK7P22M";
inline constexpr const char* unit_b = "91320412MA2HT9Q47Q";
inline constexpr const char* legal_rep_a = "320412197503120017";  // 张伟
inline constexpr const char* admin_a = "320412198206050029";      // 李娜
inline constexpr const char* agent_all = "320412199001180035";    // 王芳, agent of A (all) and B
inline constexpr const char* agent_scoped = "320412199310230040"; // 刘洋, agent of A (labour_dispatch)
inline constexpr const char* agent_expired = "32041219880707005X";// 陈静, expired grant in A
inline constexpr const char* legal_rep_b = "320412197009010066";  // 赵磊
inline constexpr const char* person_only = "320412199512120077";  // 周敏
inline constexpr const char* mobile_agent_all = "13812340003";
inline constexpr const char* clerk = "320412198603150082";     // 孙丽, 窗口受理 in every office
inline constexpr const char* reviewer = "320412197908220091";  // 吴强, 审核 in every office
inline constexpr const char* head = "320412196801300118";      // 郑华, 负责人 in every office
}  // namespace demo

}  // namespace hallpass::test
