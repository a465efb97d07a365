#include "hallpass/server/app/sms_outbox.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "hallpass/client/connection.hpp"
#include "hallpass/server/db/messages_store.hpp"
#include "hallpass/server/log.hpp"

namespace hallpass::server {

namespace {

// How long the thread sleeps when nothing is due.
constexpr std::chrono::milliseconds idle_poll{500};

}  // namespace

std::string sms_signature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

std::chrono::milliseconds sms_retry_delay(const sms_webhook_settings& s, int failed) {
  auto d = s.retry_min;
  for (int i = 1; i < failed && d < s.retry_max; ++i) d *= 2;
  return std::min(d, s.retry_max);
}

sms_outbox::sms_outbox(db::pool& db, sms_webhook_settings settings) : db_(db), settings_(std::move(settings)) {
  if (settings_.url.empty()) return;
  // Split http(s)://host[:port] from the path the client sends as its target.
  auto scheme_end = settings_.url.find("://");
  auto path_start = scheme_end == std::string::npos ? std::string::npos : settings_.url.find('/', scheme_end + 3);
  base_url_ = settings_.url.substr(0, path_start);
  target_ = path_start == std::string::npos ? "/" : settings_.url.substr(path_start);
  client::parse_base_url(base_url_);  // client::error for a URL that is not http(s)
  thread_ = std::thread([this] { run(); });
}

sms_outbox::~sms_outbox() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool sms_outbox::deliver_one() {
  try {
    return db::in_transaction(db_, [&](db::transaction& tx) {
      auto row = db::claim_due_outbox(tx.conn());
      if (!row) return false;
      std::string failure;
      try {
        client::options opts;
        opts.timeout = settings_.request_timeout;
        opts.user_agent = "HallPass-Outbox/1.0";
        auto r = client::fetch(base_url_,
                               {"POST", target_,
                                {{"Content-Type", "application/json"},
                                 {"X-HallPass-Message-Id", row->delivery_id},
                                 {"X-HallPass-Signature", sms_signature(settings_.secret, row->payload_json)}},
                                row->payload_json},
                               opts);
        if (!r.ok()) failure = "HTTP " + std::to_string(r.status);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (failure.empty()) {
        db::mark_delivered(tx.conn(), row->id);
      } else {
        auto delay = sms_retry_delay(settings_, row->attempts + 1);
        db::mark_failed(tx.conn(), row->id, delay.count(), failure);
        log_line("warn", "sms_webhook_failed",
                 {{"message_id", json_str(row->delivery_id)}, {"attempts", std::to_string(row->attempts + 1)},
                  {"error", json_str(failure)}});
      }
      return true;
    });
  } catch (const std::exception&) {
    return false;  // database away: try again after a pause
  }
}

void sms_outbox::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    bool sent = deliver_one();
    lock.lock();
    if (!sent) cv_.wait_for(lock, idle_poll, [this] { return stop_; });
  }
}

}  // namespace hallpass::server
