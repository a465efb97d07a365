// The server with its PostgreSQL stopped and started again, on a private cluster of its own
// (never the shared test cluster): /readyz follows the database, requests that need it get
// 503 with Retry-After, /healthz and the process stay up, and it recovers by itself.
// Also: embedded_postgres starts over a stale postmaster.pid left by a crash.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <boost/json.hpp>

#include "hallpass/server/app/bootstrap.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/embedded_postgres.hpp"
#include "hallpass/server/net/http_server.hpp"
#include "hallpass/server/api/router.hpp"
#include "hallpass/server/services/demo.hpp"
#include "support/test_env.hpp"

using namespace hallpass::test;
namespace server = hallpass::server;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// A folder under /tmp that the `postgres` user can reach when the tests run as root.
class cluster_dir {
 public:
  cluster_dir() {
    root_ = fs::path("/tmp") / ("hp-ready-" + std::to_string(std::random_device{}() % 100000000));
    fs::create_directories(root_);
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::replace);
  }
  ~cluster_dir() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string postgres() const { return (root_ / "pg").string(); }

 private:
  fs::path root_;
};

// The real server stack on a given database, as hallpass-server builds it.
struct server_stack {
  std::unique_ptr<server::assembly> parts;
  std::unique_ptr<server::api::router> router;
  std::unique_ptr<server::http_server> http;

  explicit server_stack(const std::string& conninfo) {
    auto cfg = test_config();
    server::run_migrations(conninfo, cfg.schema_dir);
    parts = std::make_unique<server::assembly>(cfg, conninfo);
    std::ostringstream ignored;
    parts->load_demo_data(ignored);
    router = std::make_unique<server::api::router>(parts->api, server::api::all_routes(parts->api.settings));
    http = std::make_unique<server::http_server>(cfg.net, *router);
    http->start();
  }
  ~server_stack() { http->stop(); }
  unsigned short port() const { return http->port(); }
};

std::string login_body(const std::string& account) {
  return json::serialize(json::object{{"account", account}, {"password", "Demo@2026"}, {"channel", "app"}});
}

// A pid that surely belongs to no process now: a child that has already exited and been reaped.
pid_t dead_pid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

}  // namespace

TEST(Readiness, FollowsPostgresDownAndBackUp) {
  cluster_dir dir;
  server::db::embedded_postgres pg(dir.postgres());
  auto conninfo = pg.start("hallpass_ready");
  server_stack s(conninfo);

  EXPECT_EQ(http_call(s.port(), "GET", "/readyz").status, 200);
  auto login = http_call(s.port(), "POST", "/api/v1/sessions", login_body(demo::person_only));
  ASSERT_EQ(login.status, 201) << login.body;
  std::string token(login.json().at("token").as_string());
  header_list bearer{{"Authorization", "Bearer " + token}};
  EXPECT_EQ(http_call(s.port(), "GET", "/api/v1/sessions/current", "", bearer).status, 200);

  pg.stop();
  for (int i = 0; i < 3; ++i) {  // several times: each stale pooled connection fails the same way
    auto ready = http_call(s.port(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_EQ(ready.error_code(), "not_ready");
    EXPECT_FALSE(ready.headers["retry-after"].empty());
    auto me = http_call(s.port(), "GET", "/api/v1/sessions/current", "", bearer);
    EXPECT_EQ(me.status, 503) << me.body;
    EXPECT_EQ(me.error_code(), "database_unavailable");
    EXPECT_FALSE(me.headers["retry-after"].empty());
    auto again = http_call(s.port(), "POST", "/api/v1/sessions", login_body(demo::person_only));
    EXPECT_EQ(again.status, 503) << again.body;
  }
  EXPECT_EQ(http_call(s.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_call(s.port(), "GET", "/metrics").status, 200);

  pg.start("hallpass_ready");
  EXPECT_EQ(http_call(s.port(), "GET", "/readyz").status, 200);
  auto me = http_call(s.port(), "GET", "/api/v1/sessions/current", "", bearer);
  EXPECT_EQ(me.status, 200) << me.body;  // the session survived the restart
  auto relogin = http_call(s.port(), "POST", "/api/v1/sessions", login_body(demo::agent_all));
  EXPECT_EQ(relogin.status, 201) << relogin.body;

  // A restart while the server is idle: pooled connections are dead, yet no request may fail.
  pg.stop();
  pg.start("hallpass_ready");
  for (int i = 0; i < 3; ++i) {
    me = http_call(s.port(), "GET", "/api/v1/sessions/current", "", bearer);
    EXPECT_EQ(me.status, 200) << "request " << i << " after the restart: " << me.body;
  }
}

TEST(Readiness, EmbeddedPostgresStartsOverAStalePidFile) {
  cluster_dir dir;
  {
    server::db::embedded_postgres pg(dir.postgres());
    pg.start();
    EXPECT_FALSE(pg.adopted());
    pg.stop();
  }
  auto pidfile = dir.postgres() + "/postmaster.pid";
  ASSERT_FALSE(fs::exists(pidfile));
  // A crash leaves the file behind; the pid in it is dead (then: alive, but not a postgres).
  for (pid_t stale : {dead_pid(), getpid()}) {
    std::ofstream(pidfile) << stale << "\n" << dir.postgres() << "\n1700000000\n5432\n";
    server::db::embedded_postgres pg(dir.postgres());
    std::string conninfo;
    ASSERT_NO_THROW(conninfo = pg.start()) << "stale pid " << stale;
    EXPECT_FALSE(pg.adopted());
    server::db::connection c(conninfo);
    EXPECT_EQ(c.exec("SELECT 1").int64(0, 0), 1);
    pg.stop();
  }
  // A second object on a running cluster adopts it instead of starting another.
  server::db::embedded_postgres first(dir.postgres());
  first.start();
  server::db::embedded_postgres second(dir.postgres());
  second.keep_running();
  auto conninfo = second.start();
  EXPECT_TRUE(second.adopted());
  EXPECT_EQ(server::db::connection(conninfo).exec("SELECT 2").int64(0, 0), 2);
}
