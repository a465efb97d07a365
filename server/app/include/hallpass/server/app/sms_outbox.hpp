#pragma once
// Delivery of the outbox to the SMS platform: a thread POSTs each due outbox row to the webhook
// URL, signed with HMAC-SHA256, and marks it delivered on a 2xx answer; otherwise it tries again
// later, the delay doubling from `retry_min` up to `retry_max`. At least once: a row is locked
// (FOR UPDATE SKIP LOCKED) while it is being sent, so two nodes never send it at the same time,
// but a receiver may see a message again after a lost answer; it drops repeats by message id.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server {

struct sms_webhook_settings {
  std::string url;     // http(s)://host[:port]/path
  std::string secret;  // HMAC key
  std::chrono::milliseconds retry_min{1000}, retry_max{300000};
  std::chrono::milliseconds request_timeout{10000};
};

// "sha256=<lower-case hex HMAC-SHA256 of body keyed by secret>", the X-HallPass-Signature value.
std::string sms_signature(const std::string& secret, const std::string& body);

// The delay before attempt `failed + 1` after `failed` failed attempts.
std::chrono::milliseconds sms_retry_delay(const sms_webhook_settings& s, int failed);

class sms_outbox {
 public:
  // Starts the thread; with an empty URL nothing is started (the outbox keeps its rows).
  sms_outbox(db::pool& db, sms_webhook_settings settings);
  ~sms_outbox();  // stops the thread after the delivery in progress
  sms_outbox(const sms_outbox&) = delete;
  sms_outbox& operator=(const sms_outbox&) = delete;

 private:
  // Sends one due row; false when there was none (or the database is away).
  bool deliver_one();
  void run();

  db::pool& db_;
  sms_webhook_settings settings_;
  std::string base_url_, target_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hallpass::server
