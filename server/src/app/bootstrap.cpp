#include "hallpass/server/bootstrap.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/db/migrations.hpp"
#include "hallpass/server/services/applications.hpp"
#include "hallpass/server/services/event_hub.hpp"
#include "hallpass/server/services/pending_tickets.hpp"

#include <condition_variable>
#include <thread>

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

void run_migrations(const std::string& conninfo, const std::string& schema_dir) {
  auto files = db::load_migrations(schema_dir);
  db::connection c(conninfo);
  auto out = db::migrate(c, files);
  for (auto& name : out.applied) log_line("info", "migration_applied", {{"name", json_str(name)}});
}

std::string load_data_key(const config& cfg) {
  if (!cfg.data_key.empty()) return cfg.data_key;
  auto dir = fs::path(cfg.data_dir) / "keys";
  auto file = dir / "data.key";
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

std::string personal_data_hash(const app& a, std::string_view kind, std::string_view value) {
  std::string msg = std::string(kind) + ":" + std::string(value);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), a.data_key.data(), static_cast<int>(a.data_key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &n);
  return std::string(reinterpret_cast<char*>(md), n);
}

// Expires overdue login tickets every two seconds (which notifies waiting portals).
struct app::background {
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  std::thread sweeper;
};

app::app() = default;
app::~app() { stop_background(); }

void app::start_background() {
  pending_tickets = std::make_unique<services::pending_tickets>();
  ticket_inserts = std::make_unique<db::ticket_batcher>(*db);
  ticket_events = std::make_unique<services::event_hub>(
      *db, "login_tickets",
      [](db::connection& c, std::int64_t id) -> std::optional<std::string> {
        auto t = db::find_ticket(c, id);
        return t ? std::optional(t->state) : std::nullopt;
      },
      [cache = pending_tickets.get()](std::int64_t id, const std::string&) {
        if (id == 0) cache->forget_all();
        else cache->forget(id);
      });
  ticket_events->start();
  application_events = std::make_unique<services::event_hub>(
      *db, "application_pages",
      [](db::connection&, std::int64_t) -> std::optional<std::string> { return "refresh"; });
  application_events->start();
  background_ = std::make_unique<background>();
  background_->sweeper = std::thread([this] {
    std::unique_lock lock(background_->m);
    while (!background_->cv.wait_for(lock, std::chrono::seconds(2), [this] { return background_->stop; })) {
      lock.unlock();
      try {
        pending_tickets->drop_expired();
        auto conn = db->acquire();
        db::sweep_tickets(*conn);
      } catch (const std::exception&) {
        // Database away: try again next round.
      }
      lock.lock();
    }
  });
}

void app::stop_background() {
  if (background_) {
    {
      std::lock_guard lock(background_->m);
      background_->stop = true;
    }
    background_->cv.notify_all();
    background_->sweeper.join();
    background_.reset();
  }
  if (ticket_events) ticket_events->stop();
  if (application_events) application_events->stop();
}

std::unique_ptr<app> make_app(const config& cfg, const std::string& conninfo) {
  auto a = std::make_unique<app>();
  a->cfg = cfg;
  // Defaults of the source tree when the caller did not go through load_config.
  if (a->cfg.catalogue_file.empty()) a->cfg.catalogue_file = HALLPASS_SOURCE_CATALOGUE;
  if (a->cfg.web_dir.empty()) a->cfg.web_dir = HALLPASS_SOURCE_WEB_DIR;
  a->data_key = load_data_key(cfg);
  a->db = std::make_unique<db::pool>(conninfo, cfg.db_pool_size);
  services::install_catalogue(*a, services::load_catalogue(a->cfg.catalogue_file));
  a->start_background();
  return a;
}

}  // namespace hallpass::server
