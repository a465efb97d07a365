#include "hallpass/server/app/bootstrap.hpp"

#include <malloc.h>
#include <algorithm>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <condition_variable>
#include <thread>

#include "hallpass/client/connection.hpp"
#include "hallpass/client/url.hpp"
#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/db/migrations.hpp"
#include "hallpass/server/documents/official_document.hpp"
#include "hallpass/server/log.hpp"

namespace hallpass::server {

namespace fs = std::filesystem;

database_handle open_database(const config& cfg) {
  database_handle h;
  if (!cfg.database_url.empty()) {
    h.conninfo = cfg.database_url;
    return h;
  }
  h.embedded = std::make_unique<db::embedded_postgres>((fs::path(cfg.data_dir) / "postgres").string());
  h.conninfo = h.embedded->start("hallpass");
  return h;
}

db::connection_settings db_settings_of(const config& cfg) {
  db::connection_settings s;
  s.connect_timeout = std::chrono::seconds(cfg.db_connect_timeout);
  s.statement_timeout = std::chrono::seconds(cfg.db_statement_timeout);
  s.keepalive_idle = std::chrono::seconds(cfg.db_keepalive_idle);
  s.keepalive_interval = std::chrono::seconds(cfg.db_keepalive_interval);
  s.keepalive_count = cfg.db_keepalive_count;
  return s;
}

db::replica_settings replica_settings_of(const config& cfg) {
  db::replica_settings s;
  s.conninfo = cfg.database_read_url;
  s.pool_size = std::max(1, cfg.replica_pool_size);
  s.max_lag = std::chrono::milliseconds(cfg.replica_max_lag_ms);
  s.connection = db_settings_of(cfg);
  return s;
}

void run_migrations(const std::string& conninfo, const std::string& schema_dir) {
  auto files = db::load_migrations(schema_dir);
  db::connection_settings no_statement_limit;  // a migration may rewrite a large table
  no_statement_limit.statement_timeout = std::chrono::milliseconds(0);
  db::connection c(conninfo, no_statement_limit);
  auto out = db::migrate(c, files);
  for (auto& name : out.applied) log_line("info", "migration_applied", {{"name", json_str(name)}});
}

namespace {

// The key in data_dir/keys/<name>, created with 0600 (64 random hex digits) on first use.
std::string key_file(const config& cfg, const std::string& name) {
  auto dir = fs::path(cfg.data_dir) / "keys";
  auto file = dir / name;
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::string key;
    std::getline(in, key);
    if (key.size() < 32) throw std::runtime_error("the data key in " + file.string() + " is too short");
    return key;
  }
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no randomness for the data key");
  static const char* hex = "0123456789abcdef";
  std::string key;
  for (unsigned char b : raw) {
    key += hex[b >> 4];
    key += hex[b & 15];
  }
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    out << key << "\n";
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  fs::rename(tmp, file);
  return key;
}

}  // namespace

std::string load_data_key(const config& cfg) {
  return cfg.data_key.empty() ? key_file(cfg, "data.key") : cfg.data_key;
}

std::string load_sms_webhook_secret(const config& cfg) {
  return cfg.sms_webhook_secret.empty() ? key_file(cfg, "sms-webhook.key") : cfg.sms_webhook_secret;
}

namespace {

// The real-name service's public key (PEM), read from its file; "" when none is configured.
std::string read_real_name_key(const config& cfg) {
  if (cfg.real_name_public_key.empty()) return "";
  std::ifstream in(cfg.real_name_public_key);
  if (!in) throw std::runtime_error("cannot read --real-name-public-key " + cfg.real_name_public_key);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// HTTP to the real-name service (hallpass_client), 5 s per exchange; none when no URL is configured.
services::http_exchange real_name_exchange(const config& cfg) {
  std::string base = cfg.real_name_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty()) return {};
  client::parse_base_url(base);  // client::error for a URL that is not http(s)://host[:port]
  return [base](const std::string& method, const std::string& target, const std::string& body) {
    client::options opts;
    opts.timeout = std::chrono::seconds(5);
    opts.user_agent = "HallPass/1.0";
    client::header_list headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto r = client::fetch(base, {method, target, headers, body}, opts);
    return services::http_answer{r.status, r.body};
  };
}

sms_webhook_settings sms_settings_of(const config& cfg) {
  sms_webhook_settings s;
  s.url = cfg.sms_webhook_url;
  if (!s.url.empty()) s.secret = load_sms_webhook_secret(cfg);
  s.retry_min = std::chrono::milliseconds(std::max(1, cfg.sms_retry_min_ms));
  s.retry_max = std::chrono::milliseconds(std::max(cfg.sms_retry_min_ms, cfg.sms_retry_max_ms));
  return s;
}

}  // namespace

namespace {
const services::system_clock system_time;
}  // namespace

api::api_settings api_settings_of(const config& cfg) {
  api::api_settings s;
  s.public_url = cfg.public_url;
  s.web_dir = cfg.web_dir.empty() ? HALLPASS_SOURCE_WEB_DIR : cfg.web_dir;
  s.json_body_limit = cfg.json_body_limit;
  s.upload_body_limit = cfg.upload_body_limit;
  s.log_requests = cfg.log_requests;
  s.streams_per_key = cfg.streams_per_session;
  s.trusted_proxies = api::parse_cidr_list(cfg.trusted_proxies).value_or(std::vector<api::cidr>{});
  return s;
}

namespace {

// A ticket re-read after the listener reconnected. One that is gone was lost with a failover
// (tickets are UNLOGGED; finished ones are kept an hour): its portal is told "expired", so that
// it shows a fresh QR instead of waiting for a ticket that no longer exists.
std::optional<std::string> ticket_state(db::connection& c, std::int64_t id) {
  auto t = db::find_ticket(c, id);
  return t ? t->state : std::string("expired");
}

}  // namespace

// Every two seconds: announces expired login tickets (to portals waiting on any node), empties
// the ticket partitions of ended tickets, forgets what this node kept of expired tickets and
// hands freed memory back to the system; makes the deadline reminders that are due.
struct assembly::sweeper {
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  std::chrono::steady_clock::time_point next_reminders{};
  std::chrono::steady_clock::time_point next_trim{};
  bool trim_due = false;  // memory was freed since the last malloc_trim
  std::thread thread;
};

namespace {

// Request bodies and images are megabytes each. glibc's default moves its mmap threshold up after
// such a buffer is freed, so later ones come from the heap and stay there after a burst. A fixed
// threshold sends every large buffer to mmap and back to the system when freed.
void return_large_buffers_to_system() {
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    return true;
  }();
  (void)done;
}

}  // namespace

namespace {

// Every node of a hall must hold the key the database was first used with: the keyed hashes of
// ID numbers and mobiles, and the sealed signing keys, depend on it. Another key would start
// fine and then answer every password login with "wrong account or password"; it stops here.
void check_data_key(db::pool& pool, const services::personal_data_hasher& key) {
  auto fingerprint = key("data-key-fingerprint", "v1").substr(0, 16);
  auto conn = pool.acquire();
  if (db::record_data_key_fingerprint(*conn, fingerprint) == fingerprint) return;
  throw std::runtime_error(
      "this node's data key is not the one this database was first used with. Every node of a hall "
      "needs the same key: copy data-dir/keys/data.key from the first node (mode 0600), or give each "
      "node the same --data-key (docs/scale-out.md). / 本节点的数据密钥与数据库首次使用的密钥不同，"
      "各节点须使用同一密钥。");
}

}  // namespace

assembly::assembly(const config& c, const std::string& conninfo, const services::clock* clk)
    : cfg(c),
      clock(clk ? *clk : system_time),
      db(conninfo, c.db_pool_size, db_settings_of(c), std::chrono::seconds(c.db_acquire_timeout)),
      replica(db, replica_settings_of(c)),
      personal_data(load_data_key(c)),
      limits(clock),
      imaging(c.imaging_threads, static_cast<std::size_t>(c.imaging_queue)),
      ticket_inserts(db),
      ticket_events(db, "login_tickets", ticket_state,
                    [this](std::int64_t id, const std::string& event) {
                      if (id != 0) return pending_tickets.forget(id);
                      tickets.forget_clients();  // a client changed (schema 0017), or events were missed
                      if (event != "clients") pending_tickets.forget_all();
                    }),
      application_events(db, "application_pages",
                         [](db::connection&, std::int64_t) -> std::optional<std::string> { return "refresh"; }),
      office_events(db, "office_queue",
                    [](db::connection&, std::int64_t) -> std::optional<std::string> { return "refresh"; }),
      message_events(db, "messages",
                     [](db::connection&, std::int64_t) -> std::optional<std::string> { return "refresh"; }),
      accounts(db, personal_data, clock),
      sessions(db, personal_data, limits, accounts,
               {c.session_idle_minutes, c.session_absolute_hours, c.login_failures_per_account,
                c.login_attempts_per_ip}),
      tickets(db, ticket_inserts, pending_tickets, ticket_events, sessions, accounts, limits, clock,
              {c.public_url, c.device_poll_interval, c.tickets_per_ip_per_minute, c.ticket_polls_per_minute}),
      calendar(services::working_calendar::load(c.calendar_file.empty() ? HALLPASS_SOURCE_CALENDAR : c.calendar_file)),
      applications(db, personal_data, imaging, limits, clock, application_events,
                   {c.public_url, c.upload_code_minutes, c.upload_code_max_pages, c.upload_photos_per_code_per_minute,
                    c.upload_photos_per_ip_per_minute, static_cast<std::int64_t>(c.video_max_mb) * 1024 * 1024},
                   calendar, &replica),
      review(db, clock, calendar, office_events),
      messages(db, clock, calendar, message_events),
      signing(db, personal_data, limits, c.public_url, clock),
      documents(db, applications, review, documents::find_cjk_font(c.document_font), &signing),
      mobile_codes(db, personal_data, limits, sessions),
      real_name(real_name_exchange(c), read_real_name_key(c)),
      registration(db, personal_data, limits, clock, accounts, mobile_codes, real_name),
      sms(db, sms_settings_of(c)),
      api{accounts, sessions,     tickets, applications, review, messages, documents,
          mobile_codes, registration, db,   api_settings_of(c)} {
  return_large_buffers_to_system();
  check_data_key(db, personal_data);
  api.imaging_load = [this] { return imaging.load(); };
  api.replica = [this] { return replica.stats(); };
  applications.install_catalogue(
      services::load_catalogue(cfg.catalogue_file.empty() ? HALLPASS_SOURCE_CATALOGUE : cfg.catalogue_file));
  ticket_events.start();
  application_events.start();
  office_events.start();
  message_events.start();
  sweeper_ = std::make_unique<sweeper>();
  sweeper_->thread = std::thread([this] {
    std::unique_lock lock(sweeper_->m);
    while (!sweeper_->cv.wait_for(lock, std::chrono::seconds(2), [this] { return sweeper_->stop; })) {
      lock.unlock();
      try {
        if (tickets.forget_expired() > 0) sweeper_->trim_due = true;
        limits.drop_finished();
        // Each worker thread has its own malloc arena, and freed memory inside one is not returned
        // on its own: after a burst of tickets the node would stay at its peak size.
        if (sweeper_->trim_due && std::chrono::steady_clock::now() >= sweeper_->next_trim) {
          sweeper_->trim_due = false;
          sweeper_->next_trim = std::chrono::steady_clock::now() + std::chrono::seconds(10);
          malloc_trim(0);
        }
        {
          auto conn = db.acquire();
          db::sweep_tickets(*conn);
        }
        // Deadline reminders once a minute (each is made once, whichever node comes first).
        if (std::chrono::steady_clock::now() >= sweeper_->next_reminders) {
          sweeper_->next_reminders = std::chrono::steady_clock::now() + std::chrono::minutes(1);
          messages.send_reminders();
        }
      } catch (const std::exception&) {
        // Database away: try again next round.
      }
      lock.lock();
    }
  });
}

assembly::~assembly() {
  {
    std::lock_guard lock(sweeper_->m);
    sweeper_->stop = true;
  }
  sweeper_->cv.notify_all();
  sweeper_->thread.join();
  imaging.stop();  // photos in progress still reach the database
  ticket_events.stop();
  application_events.stop();
  office_events.stop();
  message_events.stop();
}

void assembly::load_demo_data(std::ostream& out) { services::load_demo_data(accounts, db, personal_data, out); }

}  // namespace hallpass::server
