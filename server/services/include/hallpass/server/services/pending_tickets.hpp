#pragma once
// Login tickets created on this node that are still pending, so that a portal's plain poll is
// answered without a database read. Any announced change of a ticket drops it from here (the
// next poll reads the database), and so does a listener reconnect (changes may have been
// missed); while the listener is down nothing is answered from here.
//
// A node holds every ticket it made for their whole life (two minutes), hundreds of thousands under
// load, so each is kept in about a hundred bytes: its poll hash as bytes and only what a pending
// poll's answer needs.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "hallpass/server/db/login_tickets_store.hpp"

namespace hallpass::server::services {

class pending_tickets {
 public:
  // poll_hash: the hex SHA-256 of the poll secret. A ticket whose fields do not fit is not kept.
  void remember(const std::string& poll_hash, const db::ticket_row& t);
  // The ticket if it is known here to be pending still (expires_in brought up to date). The row
  // carries what a pending poll needs: id, kind, state, match_number, expires_at, expires_in,
  // poll_interval and client_id.
  std::optional<db::ticket_row> find(const std::string& poll_hash);
  void forget(std::int64_t ticket_id);
  void forget_all();
  std::size_t drop_expired();  // returns how many were dropped

 private:
  using digest = std::array<unsigned char, 32>;
  struct digest_hash {  // a SHA-256 is uniform: its first bytes are a hash already
    std::size_t operator()(const digest& d) const {
      std::size_t h;
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  struct entry {
    std::int64_t id = 0;
    std::chrono::steady_clock::time_point expires;
    const std::string* client_id = nullptr;  // interned: a node serves a handful of clients
    std::array<char, 24> expires_at{};       // RFC 3339, UTC (20 characters)
    std::uint8_t expires_at_size = 0;
    bool device = false;
    std::int16_t match_number = 0;
    std::int32_t poll_interval = 0;
  };
  std::mutex mutex_;
  std::unordered_map<digest, entry, digest_hash> by_hash_;
  std::unordered_map<std::int64_t, digest> hash_of_;
  std::unordered_set<std::string> client_ids_;
  // A min-heap of (expiry, id): a sweep looks only at the tickets due, not at every ticket held.
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> by_expiry_;
};

}  // namespace hallpass::server::services
