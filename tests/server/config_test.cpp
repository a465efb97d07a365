// Configuration: flags override the environment, which overrides the file, which overrides
// the defaults; unknown options and bad values are reported, never silently ignored.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "hallpass/server/app/bootstrap.hpp"
#include "hallpass/server/app/config.hpp"

namespace server = hallpass::server;
namespace fs = std::filesystem;

namespace {

// Sets environment variables for one test and restores them afterwards.
class scoped_env {
 public:
  void set(const std::string& name, const std::string& value) {
    remember(name);
    setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    remember(name);
    unsetenv(name.c_str());
  }
  ~scoped_env() {
    for (auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
  }

 private:
  void remember(const std::string& name) {
    for (auto& s : saved_)
      if (s.first == name) return;
    const char* v = std::getenv(name.c_str());
    saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

class config_file {
 public:
  explicit config_file(const std::string& text) {
    path_ = (fs::temp_directory_path() / ("hallpass-conf-" + std::to_string(std::random_device{}()) + ".conf")).string();
    std::ofstream(path_) << text;
  }
  ~config_file() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

server::config_outcome load(server::config& cfg, std::vector<std::string> args) {
  args.insert(args.begin(), "hallpass-server");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return server::load_config(cfg, static_cast<int>(argv.size()), argv.data());
}

bool mentions(const std::vector<std::string>& errors, const std::string& what) {
  for (auto& e : errors)
    if (e.find(what) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (auto& e : errors) out += e + "\n";
  return out;
}

}  // namespace

TEST(Config, FlagsOverrideEnvironmentOverrideFile) {
  config_file file(
      "# HallPass test configuration\n"
      "port = 1111\n"
      "workers = 3\n"
      "data-dir = /from/file\n"
      "db-pool-size = 7   # trailing comment\n"
      "\n"
      "log-requests = false\n");
  scoped_env env;
  env.unset("HALLPASS_CONFIG");
  env.set("HALLPASS_PORT", "2222");
  env.set("HALLPASS_WORKERS", "5");
  server::config cfg;
  auto out = load(cfg, {"--config", file.path(), "--port=3333", "--read-timeout", "4"});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  EXPECT_FALSE(out.show_help);
  EXPECT_EQ(cfg.net.port, 3333);                  // flag beats environment and file
  EXPECT_EQ(cfg.net.worker_threads, 5);           // environment beats file
  EXPECT_EQ(cfg.data_dir, "/from/file");          // file beats default
  EXPECT_EQ(cfg.db_pool_size, 7);
  EXPECT_FALSE(cfg.log_requests);
  EXPECT_EQ(cfg.net.read_timeout, std::chrono::seconds(4));
  EXPECT_EQ(cfg.net.idle_timeout, std::chrono::seconds(75));  // untouched default
  EXPECT_EQ(cfg.config_file, file.path());
  EXPECT_EQ(cfg.public_url, "http://127.0.0.1:3333");
}

TEST(Config, FileNamedByTheEnvironmentAndDefaults) {
  config_file file("address = 0.0.0.0\ndemo = yes\npublic-url = https://hall.example.cn\n");
  scoped_env env;
  env.set("HALLPASS_CONFIG", file.path());
  env.unset("HALLPASS_PORT");
  env.unset("HALLPASS_ADDRESS");
  server::config cfg;
  auto out = load(cfg, {});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  EXPECT_EQ(cfg.net.address, "0.0.0.0");
  EXPECT_TRUE(cfg.demo);
  EXPECT_EQ(cfg.public_url, "https://hall.example.cn");
  EXPECT_EQ(cfg.net.port, 8080);
  EXPECT_FALSE(cfg.schema_dir.empty());

  env.unset("HALLPASS_CONFIG");
  server::config plain;
  out = load(plain, {"--demo"});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  EXPECT_TRUE(plain.demo);
  EXPECT_EQ(plain.net.max_connections, 0);  // as many as the open-file limit allows
  EXPECT_EQ(plain.net.header_limit, 16u * 1024);
}

TEST(Config, UnknownOptionsAndBadValuesAreReported) {
  config_file file("colour = red\nport = eighty\njust a line\n");
  scoped_env env;
  env.unset("HALLPASS_CONFIG");
  env.set("HALLPASS_WORKERS", "many");
  server::config cfg;
  auto out = load(cfg, {"--config=" + file.path(), "--nope=1", "--port=-1", "--demo=maybe", "--read-timeout=3s",
                        "stray", "--db-pool-size"});
  auto all = joined(out.errors);
  EXPECT_TRUE(mentions(out.errors, "unknown option nope")) << all;
  EXPECT_TRUE(mentions(out.errors, file.path() + ":1: unknown option colour")) << all;
  EXPECT_TRUE(mentions(out.errors, file.path() + ":2: bad value for port")) << all;
  EXPECT_TRUE(mentions(out.errors, file.path() + ":3: expected name = value")) << all;
  EXPECT_TRUE(mentions(out.errors, "HALLPASS_WORKERS: bad value for workers")) << all;
  EXPECT_TRUE(mentions(out.errors, "--port: bad value for port")) << all;
  EXPECT_TRUE(mentions(out.errors, "--demo: bad value for demo")) << all;
  EXPECT_TRUE(mentions(out.errors, "--read-timeout: bad value for read-timeout")) << all;
  EXPECT_TRUE(mentions(out.errors, "unexpected argument stray")) << all;
  EXPECT_TRUE(mentions(out.errors, "missing value for --db-pool-size")) << all;
  EXPECT_EQ(out.errors.size(), 10u) << all;
  // Bad values leave the defaults in place.
  EXPECT_EQ(cfg.net.port, 8080);
  EXPECT_EQ(cfg.net.worker_threads, 8);

  server::config missing;
  out = load(missing, {"--config", "/nonexistent/hallpass.conf"});
  EXPECT_TRUE(mentions(out.errors, "cannot read config file /nonexistent/hallpass.conf")) << joined(out.errors);
}

TEST(Config, DatabaseTimeLimitsHaveDefaultsAndReachEveryConnection) {
  scoped_env env;
  env.unset("HALLPASS_CONFIG");
  server::config defaults;
  ASSERT_TRUE(load(defaults, {}).errors.empty());
  auto d = server::db_settings_of(defaults);
  EXPECT_EQ(d.connect_timeout, std::chrono::seconds(5));
  EXPECT_EQ(d.statement_timeout, std::chrono::seconds(15));
  EXPECT_EQ(d.keepalive_idle, std::chrono::seconds(10));
  EXPECT_EQ(defaults.db_acquire_timeout, 5);

  server::config cfg;
  auto out = load(cfg, {"--db-connect-timeout=2", "--db-statement-timeout=3", "--db-keepalive-idle=4",
                        "--db-keepalive-interval=1", "--db-keepalive-count=6", "--db-acquire-timeout=1"});
  ASSERT_TRUE(out.errors.empty());
  auto s = server::db_settings_of(cfg);
  EXPECT_EQ(s.connect_timeout, std::chrono::seconds(2));
  EXPECT_EQ(s.statement_timeout, std::chrono::seconds(3));
  EXPECT_EQ(s.keepalive_idle, std::chrono::seconds(4));
  EXPECT_EQ(s.keepalive_interval, std::chrono::seconds(1));
  EXPECT_EQ(s.keepalive_count, 6);
  EXPECT_EQ(cfg.db_acquire_timeout, 1);
}

TEST(Config, UploadLimitsAndTheImagingQueueAreOptions) {
  scoped_env env;
  env.unset("HALLPASS_CONFIG");
  server::config defaults;
  auto out = load(defaults, {});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  EXPECT_EQ(defaults.upload_photos_per_code_per_minute, 20);
  EXPECT_EQ(defaults.upload_photos_per_ip_per_minute, 60);
  EXPECT_EQ(defaults.imaging_queue, 64);
  server::config cfg;
  out = load(cfg, {"--upload-photos-per-code-per-minute=5", "--upload-photos-per-ip-per-minute=7", "--imaging-queue=3"});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  EXPECT_EQ(cfg.upload_photos_per_code_per_minute, 5);
  EXPECT_EQ(cfg.upload_photos_per_ip_per_minute, 7);
  EXPECT_EQ(cfg.imaging_queue, 3);
}

TEST(Config, CalendarDefaultsToTheShippedFile) {
  scoped_env env;
  env.unset("HALLPASS_CONFIG");
  env.unset("HALLPASS_CALENDAR");
  server::config defaults;
  auto out = load(defaults, {});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  EXPECT_TRUE(defaults.calendar_file.ends_with("server/data/calendar-cn.txt")) << defaults.calendar_file;
  EXPECT_TRUE(std::filesystem::exists(defaults.calendar_file)) << defaults.calendar_file;
  server::config cfg;
  out = load(cfg, {"--calendar", "/etc/hallpass/calendar-cn.txt"});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  EXPECT_EQ(cfg.calendar_file, "/etc/hallpass/calendar-cn.txt");
}

TEST(Config, AMalformedCalendarStopsTheStart) {
  auto cfg = server::config();
  cfg.calendar_file = std::string(HALLPASS_SOURCE_DIR) + "/server/data/catalogue.json";  // not a calendar
  cfg.data_key = "test-data-key-0123456789abcdef0123456789abcdef";
  try {
    server::assembly parts(cfg, "host=/nonexistent port=1 connect_timeout=1");
    ADD_FAILURE() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("working-day calendar"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(":1:"), std::string::npos) << e.what();
  }
}

TEST(Config, HelpListsEveryOption) {
  scoped_env env;
  env.unset("HALLPASS_CONFIG");
  server::config cfg;
  auto out = load(cfg, {"--help"});
  EXPECT_TRUE(out.show_help);
  EXPECT_TRUE(out.errors.empty());
  for (auto name : {"address", "port", "data-dir", "database-url", "schema-dir", "public-url", "data-key", "tls-cert",
                    "tls-key", "io-threads", "workers", "db-pool-size", "max-connections", "read-timeout",
                    "idle-timeout", "shutdown-grace", "session-idle-minutes", "session-absolute-hours",
                    "login-failures-per-account", "login-attempts-per-ip", "db-acquire-timeout",
                    "db-connect-timeout", "db-statement-timeout", "db-keepalive-idle", "db-keepalive-interval",
                    "db-keepalive-count", "calendar", "demo", "log-requests", "config", "help"}) {
    EXPECT_NE(out.help.find(std::string("--") + name + " "), std::string::npos) << name << "\n" << out.help;
  }
  EXPECT_NE(out.help.find("HALLPASS_"), std::string::npos);
  // Every option the help names is accepted as a flag (none listed that load_config refuses).
  std::istringstream lines(out.help);
  std::string line;
  int checked = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("  --", 0) != 0) continue;
    auto name = line.substr(4, line.find(' ', 4) - 4);
    if (name == "config" || name == "help") continue;
    server::config probe;
    auto r = load(probe, {"--" + name + "=1"});
    EXPECT_FALSE(mentions(r.errors, "unknown option")) << name;
    ++checked;
  }
  EXPECT_GE(checked, 20);
  // -h is the short form.
  server::config other;
  EXPECT_TRUE(load(other, {"-h"}).show_help);
}

TEST(Config, TrustedProxiesFromTheEnvironmentAndBadNetworksRefused) {
  scoped_env env;
  env.set("HALLPASS_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8");
  server::config cfg;
  auto out = load(cfg, {});
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(cfg.trusted_proxies, "10.0.0.0/8, fd00::/8");
  EXPECT_NE(out.help.find("--trusted-proxies"), std::string::npos);

  server::config bad;
  out = load(bad, {"--trusted-proxies=10.0.0.0/40"});
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("trusted-proxies"), std::string::npos);
}

TEST(Config, ReadReplicaIsOffUntilAReadUrlIsGiven) {
  scoped_env env;
  env.unset("HALLPASS_CONFIG");
  env.unset("HALLPASS_DATABASE_READ_URL");
  server::config plain;
  auto out = load(plain, {});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  EXPECT_TRUE(plain.database_read_url.empty());
  EXPECT_TRUE(server::replica_settings_of(plain).conninfo.empty());

  env.set("HALLPASS_DATABASE_READ_URL", "host=replica port=5001 dbname=hallpass");
  server::config cfg;
  out = load(cfg, {"--replica-max-lag-ms=500", "--replica-pool-size", "2", "--db-statement-timeout=9"});
  EXPECT_TRUE(out.errors.empty()) << joined(out.errors);
  auto s = server::replica_settings_of(cfg);
  EXPECT_EQ(s.conninfo, "host=replica port=5001 dbname=hallpass");
  EXPECT_EQ(s.max_lag, std::chrono::milliseconds(500));
  EXPECT_EQ(s.pool_size, 2);
  EXPECT_EQ(s.connection.statement_timeout, std::chrono::seconds(9));  // the primary's limits apply there too

  server::config bad;
  out = load(bad, {"--replica-max-lag-ms=-1"});
  EXPECT_TRUE(mentions(out.errors, "replica-max-lag-ms")) << joined(out.errors);
}
