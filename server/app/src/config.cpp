#include "hallpass/server/app/config.hpp"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "hallpass/server/api/client_address.hpp"

#ifndef HALLPASS_SOURCE_SCHEMA_DIR
#define HALLPASS_SOURCE_SCHEMA_DIR "schema"
#endif
#ifndef HALLPASS_SOURCE_CATALOGUE
#define HALLPASS_SOURCE_CATALOGUE "server/data/catalogue.json"
#endif
#ifndef HALLPASS_SOURCE_CALENDAR
#define HALLPASS_SOURCE_CALENDAR "server/data/calendar-cn.txt"
#endif
#ifndef HALLPASS_SOURCE_WEB_DIR
#define HALLPASS_SOURCE_WEB_DIR "web"
#endif

namespace hallpass::server {

namespace {

struct option {
  const char* name;
  const char* help;
  std::function<bool(config&, const std::string&)> set;
};

bool to_int(const std::string& v, int& out) {
  try {
    std::size_t n = 0;
    int x = std::stoi(v, &n);
    if (n != v.size()) return false;
    out = x;
    return true;
  } catch (...) {
    return false;
  }
}

bool to_bool(const std::string& v, bool& out) {
  if (v == "1" || v == "true" || v == "yes" || v == "on") return out = true, true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return out = false, true;
  return false;
}

template <class F>
option int_opt(const char* name, const char* help, F field) {
  return {name, help, [field](config& c, const std::string& v) {
            int x = 0;
            if (!to_int(v, x) || x < 0) return false;
            field(c, x);
            return true;
          }};
}

option str_opt(const char* name, const char* help, std::string config::*field) {
  return {name, help, [field](config& c, const std::string& v) {
            c.*field = v;
            return true;
          }};
}

const std::vector<option>& options() {
  static const std::vector<option> all = {
      {"address", "listen address (default 127.0.0.1)", [](config& c, const std::string& v) { c.net.address = v; return true; }},
      int_opt("port", "listen port, 0 picks a free one (default 8080)", [](config& c, int v) { c.net.port = static_cast<unsigned short>(v); }),
      str_opt("data-dir", "data directory: embedded PostgreSQL, keys (default ./var)", &config::data_dir),
      str_opt("database-url", "PostgreSQL URL; empty starts an embedded PostgreSQL in the data directory", &config::database_url),
      str_opt("database-read-url", "PostgreSQL URL of a replica: page images and PDFs of submitted applications are read there while it is within --replica-max-lag-ms (default none: all reads from the primary)", &config::database_read_url),
      int_opt("replica-max-lag-ms", "replica lag in ms beyond which those reads go to the primary (default 2000)", [](config& c, int v) { c.replica_max_lag_ms = v; }),
      int_opt("replica-pool-size", "PostgreSQL connections to the replica (default 4)", [](config& c, int v) { c.replica_pool_size = v; }),
      str_opt("schema-dir", "folder of NNNN_name.sql migrations", &config::schema_dir),
      str_opt("public-url", "base URL put into QR codes (default http://ADDRESS:PORT)", &config::public_url),
      str_opt("data-key", "secret for keyed hashes of ID numbers and mobiles (default: generated in data-dir/keys)", &config::data_key),
      {"tls-cert", "PEM certificate chain; with --tls-key serves HTTPS", [](config& c, const std::string& v) { c.net.tls_cert_file = v; return true; }},
      {"tls-key", "PEM private key", [](config& c, const std::string& v) { c.net.tls_key_file = v; return true; }},
      int_opt("io-threads", "network threads (default 1)", [](config& c, int v) { c.net.io_threads = v; }),
      int_opt("workers", "worker threads for database and CPU work (default 8)", [](config& c, int v) { c.net.worker_threads = v; }),
      int_opt("db-pool-size", "PostgreSQL connections (default 16)", [](config& c, int v) { c.db_pool_size = v; }),
      int_opt("db-acquire-timeout", "seconds a request waits for a free PostgreSQL connection before 503 (default 5)", [](config& c, int v) { c.db_acquire_timeout = v; }),
      int_opt("db-connect-timeout", "seconds to connect to PostgreSQL; 0: no limit (default 5)", [](config& c, int v) { c.db_connect_timeout = v; }),
      int_opt("db-statement-timeout", "seconds one SQL statement may take; 0: no limit (default 15)", [](config& c, int v) { c.db_statement_timeout = v; }),
      int_opt("db-keepalive-idle", "seconds a PostgreSQL connection is idle before TCP keepalive probes (default 10)", [](config& c, int v) { c.db_keepalive_idle = v; }),
      int_opt("db-keepalive-interval", "seconds between TCP keepalive probes (default 5)", [](config& c, int v) { c.db_keepalive_interval = v; }),
      int_opt("db-keepalive-count", "unanswered TCP keepalive probes before a PostgreSQL connection is dead (default 3)", [](config& c, int v) { c.db_keepalive_count = v; }),
      int_opt("max-connections", "open client connections before new ones are refused; the open-file limit is raised to match or the server refuses to start (default: 20000, or what the hard open-file limit allows)", [](config& c, int v) { c.net.max_connections = v; }),
      int_opt("max-connections-per-ip", "open connections from one address before more are refused (default 1000)", [](config& c, int v) { c.net.max_connections_per_ip = v; }),
      int_opt("read-timeout", "seconds a request header may take to arrive, then 408 (default 15)", [](config& c, int v) { c.net.read_timeout = std::chrono::seconds(v); }),
      int_opt("min-body-rate-kib", "slowest body upload accepted in KiB/s: a body gets read-timeout + size / rate, then 408 (default 16)", [](config& c, int v) { c.net.min_body_rate = static_cast<std::size_t>(v) * 1024; }),
      int_opt("write-timeout", "seconds a client may take to accept a response or an event (default 30)", [](config& c, int v) { c.net.write_timeout = std::chrono::seconds(v); }),
      int_opt("body-memory-mb", "MiB all request bodies in flight may hold; beyond it 503 (default 256)", [](config& c, int v) { c.net.body_memory_limit = static_cast<std::size_t>(v) * 1024 * 1024; }),
      int_opt("idle-timeout", "seconds an idle keep-alive connection is kept (default 75)", [](config& c, int v) { c.net.idle_timeout = std::chrono::seconds(v); }),
      int_opt("shutdown-grace", "seconds in-flight requests get on shutdown (default 10)", [](config& c, int v) { c.net.shutdown_grace = std::chrono::seconds(v); }),
      int_opt("streams-per-session", "live event streams one session or login ticket may hold open; beyond it 429 (default 8)", [](config& c, int v) { c.streams_per_session = v; }),
      int_opt("shutdown-delay", "seconds /readyz answers 503 while still serving, before a stop (default 0)", [](config& c, int v) { c.shutdown_delay = v; }),
      int_opt("session-idle-minutes", "session idle expiry (default 30)", [](config& c, int v) { c.session_idle_minutes = v; }),
      int_opt("session-absolute-hours", "session absolute expiry (default 12)", [](config& c, int v) { c.session_absolute_hours = v; }),
      int_opt("login-failures-per-account", "wrong passwords per account in 15 minutes before 429 (default 5)", [](config& c, int v) { c.login_failures_per_account = v; }),
      int_opt("login-attempts-per-ip", "password logins per IP per minute (default 30)", [](config& c, int v) { c.login_attempts_per_ip = v; }),
      int_opt("tickets-per-ip-per-minute", "login QR tickets one address may create per minute (default 60)", [](config& c, int v) { c.tickets_per_ip_per_minute = v; }),
      int_opt("ticket-polls-per-minute", "state requests per login ticket per minute (default 120)", [](config& c, int v) { c.ticket_polls_per_minute = v; }),
      int_opt("device-poll-interval", "RFC 8628 polling interval in seconds (default 5)", [](config& c, int v) { c.device_poll_interval = v; }),
      int_opt("upload-code-minutes", "minutes an upload QR stays valid (default 10)", [](config& c, int v) { c.upload_code_minutes = v; }),
      int_opt("upload-code-max-pages", "pages one upload QR may add (default 10)", [](config& c, int v) { c.upload_code_max_pages = v; }),
      int_opt("video-max-mb", "largest video material, MiB (default 200)", [](config& c, int v) { c.video_max_mb = v; }),
      int_opt("upload-photos-per-code-per-minute", "photos one upload code (on the portal, one person) may send per minute (default 20)", [](config& c, int v) { c.upload_photos_per_code_per_minute = v; }),
      int_opt("upload-photos-per-ip-per-minute", "photos one address may upload per minute (default 60)", [](config& c, int v) { c.upload_photos_per_ip_per_minute = v; }),
      int_opt("imaging-threads", "threads that process photos; 0: one per core (default 0)", [](config& c, int v) { c.imaging_threads = v; }),
      int_opt("imaging-queue", "photos that may wait for an imaging thread before 503 (default 64)", [](config& c, int v) { c.imaging_queue = v; }),
      int_opt("upload-limit-mb", "largest photo upload in MiB (default 20)", [](config& c, int v) { c.upload_body_limit = static_cast<std::size_t>(v) * 1024 * 1024; }),
      str_opt("catalogue", "service catalogue JSON file", &config::catalogue_file),
      str_opt("calendar", "working-day calendar: public holidays and make-up working days (default: the shipped calendar-cn.txt)", &config::calendar_file),
      str_opt("document-font", "TrueType CJK font (.ttf/.ttc) for receipts and decisions (default: fonts-wqy-zenhei or another installed one)", &config::document_font),
      str_opt("sms-webhook-url", "http(s) URL the outbox messages are POSTed to for SMS (default none: kept, not sent)", &config::sms_webhook_url),
      str_opt("sms-webhook-secret", "key of the X-HallPass-Signature HMAC (default: generated in data-dir/keys/sms-webhook.key)", &config::sms_webhook_secret),
      str_opt("real-name-url", "http(s) URL of the real-name service that checks persons who register (default none: registration online is off)", &config::real_name_url),
      str_opt("real-name-public-key", "PEM file of the real-name service's Ed25519 public key (needed with --real-name-url)", &config::real_name_public_key),
      int_opt("sms-retry-min-ms", "delay after a failed SMS webhook delivery, doubled each time (default 1000)", [](config& c, int v) { c.sms_retry_min_ms = v; }),
      int_opt("sms-retry-max-ms", "longest delay between SMS webhook attempts (default 300000)", [](config& c, int v) { c.sms_retry_max_ms = v; }),
      str_opt("web-dir", "folder of the portal and phone pages", &config::web_dir),
      {"demo", "load the demo data set at start-up (true/false)", [](config& c, const std::string& v) { return to_bool(v, c.demo); }},
      {"trusted-proxies", "comma-separated CIDRs of load balancers whose X-Forwarded-For/-Proto are believed (default none)",
       [](config& c, const std::string& v) {
         c.trusted_proxies = v;
         return api::parse_cidr_list(v).has_value();
       }},
      {"log-requests", "one log line per request (true/false, default true)", [](config& c, const std::string& v) { return to_bool(v, c.log_requests); }},
  };
  return all;
}

std::string env_name(const char* name) {
  std::string out = "HALLPASS_";
  for (const char* p = name; *p; ++p) out += (*p == '-') ? '_' : static_cast<char>(std::toupper(*p));
  return out;
}

void apply(config& cfg, const std::string& name, const std::string& value, const std::string& origin,
           config_outcome& out) {
  for (auto& o : options()) {
    if (name == o.name) {
      if (!o.set(cfg, value)) out.errors.push_back(origin + ": bad value for " + name);
      return;
    }
  }
  out.errors.push_back(origin + ": unknown option " + name);
}

}  // namespace

config_outcome load_config(config& cfg, int argc, const char* const* argv) {
  config_outcome out;
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      out.show_help = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      out.errors.push_back("unexpected argument " + a);
      continue;
    }
    a = a.substr(2);
    auto eq = a.find('=');
    if (eq != std::string::npos) {
      flags.emplace_back(a.substr(0, eq), a.substr(eq + 1));
    } else if (a == "demo") {  // a switch; an explicit true/false after it is taken too
      bool has_value = i + 1 < argc && (std::string(argv[i + 1]) == "true" || std::string(argv[i + 1]) == "false");
      flags.emplace_back(a, has_value ? argv[++i] : "true");
    } else if (i + 1 < argc) {
      flags.emplace_back(a, argv[++i]);
    } else {
      out.errors.push_back("missing value for --" + a);
    }
  }

  std::string file;
  if (const char* e = std::getenv("HALLPASS_CONFIG")) file = e;
  for (auto& [k, v] : flags)
    if (k == "config") file = v;
  if (!file.empty()) {
    cfg.config_file = file;
    std::ifstream in(file);
    if (!in) out.errors.push_back("cannot read config file " + file);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      auto hash = line.find('#');
      if (hash != std::string::npos) line.erase(hash);
      auto eq = line.find('=');
      auto trim = [](std::string s) {
        auto b = s.find_first_not_of(" \t\r");
        auto e = s.find_last_not_of(" \t\r");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
      };
      if (trim(line).empty()) continue;
      if (eq == std::string::npos) {
        out.errors.push_back(file + ":" + std::to_string(n) + ": expected name = value");
        continue;
      }
      apply(cfg, trim(line.substr(0, eq)), trim(line.substr(eq + 1)), file + ":" + std::to_string(n), out);
    }
  }
  for (auto& o : options()) {
    if (const char* e = std::getenv(env_name(o.name).c_str())) apply(cfg, o.name, e, env_name(o.name), out);
  }
  for (auto& [k, v] : flags) {
    if (k != "config") apply(cfg, k, v, "--" + k, out);
  }
  if (cfg.schema_dir.empty()) cfg.schema_dir = HALLPASS_SOURCE_SCHEMA_DIR;
  if (cfg.web_dir.empty()) cfg.web_dir = HALLPASS_SOURCE_WEB_DIR;
  if (cfg.catalogue_file.empty()) cfg.catalogue_file = HALLPASS_SOURCE_CATALOGUE;
  if (cfg.calendar_file.empty()) cfg.calendar_file = HALLPASS_SOURCE_CALENDAR;
  if (cfg.real_name_url.empty() != cfg.real_name_public_key.empty())
    out.errors.push_back("--real-name-url and --real-name-public-key go together");
  if (cfg.public_url.empty()) {
    cfg.public_url = (cfg.net.tls_cert_file.empty() ? "http://" : "https://") + cfg.net.address + ":" +
                     std::to_string(cfg.net.port);
  }

  std::ostringstream help;
  help << "usage: hallpass-server [--config FILE] [--name=value ...]\n\n"
          "Options (also HALLPASS_<NAME> in the environment, or `name = value` lines in the config file):\n";
  for (auto& o : options()) {
    std::string n = std::string("--") + o.name;
    help << "  " << n << std::string(n.size() < 30 ? 30 - n.size() : 1, ' ') << o.help << "\n";
  }
  help << "  --config FILE                 read options from FILE (also HALLPASS_CONFIG)\n"
          "  --help                        show this help\n";
  out.help = help.str();
  return out;
}

}  // namespace hallpass::server
