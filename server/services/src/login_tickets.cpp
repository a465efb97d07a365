#include "hallpass/server/services/login_tickets.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <regex>

#include "hallpass/server/db/review_store.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/log.hpp"
#include "hallpass/server/services/ticket_tokens.hpp"

namespace hallpass::server::services {

namespace id = identity;

namespace {

error ticket_not_found() {
  return errc::ticket_not_found;
}
error ticket_expired() {
  return errc::ticket_expired;
}

// A precise refusal for a ticket that could not move.
error refusal(const db::ticket_row& t, std::optional<std::int64_t> session) {
  if (t.state == "expired") return ticket_expired();
  if (t.state == "cancelled") return errc::ticket_cancelled;
  if (t.state == "confirmed" || t.state == "consumed")
    return errc::ticket_already_confirmed;
  if (t.state == "scanned" && session && t.claimed_session != session)
    return errc::ticket_claimed_by_another;
  if (t.state == "pending") return errc::ticket_not_scanned;
  return errc::ticket_state_conflict;
}

// Letters without vowels and look-alikes (RFC 8628 §6.1): 20 characters, 8 of them, ~34 bits.
std::string make_user_code() {
  auto out = id::random_text("BCDFGHJKLMNPQRSTVWXZ", 8);
  return out.insert(4, 1, '-');
}

std::optional<std::string> normalize_user_code(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    if (c == '-' || c == ' ') continue;
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!std::strchr("BCDFGHJKLMNPQRSTVWXZ", c) || c == 0) return std::nullopt;
    out += c;
  }
  if (out.size() != 8) return std::nullopt;
  return out.substr(0, 4) + "-" + out.substr(4);
}

}  // namespace

std::string browser_of(const std::string& ua) {
  if (ua.find("Edg/") != std::string::npos) return "Microsoft Edge";
  if (ua.find("Firefox/") != std::string::npos) return "Firefox";
  if (ua.find("HeadlessChrome/") != std::string::npos) return "Chrome (headless)";
  if (ua.find("Chrome/") != std::string::npos || ua.find("Chromium/") != std::string::npos) return "Chrome";
  if (ua.find("Safari/") != std::string::npos) return "Safari";
  if (ua.empty()) return "未知";
  return "其他浏览器";
}

std::string os_of(const std::string& ua) {
  if (ua.find("Windows") != std::string::npos) return "Windows";
  if (ua.find("Android") != std::string::npos) return "Android";
  if (ua.find("iPhone") != std::string::npos || ua.find("iPad") != std::string::npos) return "iOS";
  if (ua.find("Mac OS X") != std::string::npos) return "macOS";
  if (ua.find("Linux") != std::string::npos) return "Linux";
  return "未知";
}

std::string device_of(const std::string& ua) {
  auto browser = browser_of(ua), os = os_of(ua);
  if (browser != "其他浏览器" || os != "未知") return ua.empty() ? "" : browser + " · " + os;
  // Not a browser (hallpass-phone, a kiosk, a TV app): its product name, as far as it is a name.
  auto end = ua.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
  return ua.substr(0, std::min<std::size_t>(end, 40));
}

std::string place_of(const std::string& ip) {
  // No geolocation database ships with the hall; name the kinds of address we can tell apart.
  if (ip.rfind("127.", 0) == 0 || ip == "::1") return "本机 (localhost)";
  if (ip.rfind("10.", 0) == 0 || ip.rfind("192.168.", 0) == 0 || ip.rfind("172.", 0) == 0)
    return "内部网络 (private network)";
  return "互联网 (internet) " + ip;
}

bool same_network(const std::string& a, const std::string& b) {
  auto prefix = [](std::string ip) -> std::string {
    if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) ip = ip.substr(7);
    unsigned char raw[16];
    if (::inet_pton(AF_INET, ip.c_str(), raw) == 1) return "4" + std::string(reinterpret_cast<char*>(raw), 3);
    if (::inet_pton(AF_INET6, ip.c_str(), raw) == 1) return "6" + std::string(reinterpret_cast<char*>(raw), 8);
    return "";
  };
  auto pa = prefix(a);
  return !pa.empty() && pa == prefix(b);
}

login_tickets::login_tickets(db::pool& db, db::ticket_batcher& inserts, pending_tickets& pending, event_hub& events,
                             sessions& sessions, accounts& accounts, rate_limiter& limits, const clock& clk,
                             ticket_settings settings)
    : db_(db),
      inserts_(inserts),
      pending_(pending),
      events_(events),
      sessions_(sessions),
      accounts_(accounts),
      limits_(limits),
      pacing_(clk),
      settings_(std::move(settings)) {}

std::pair<created_ticket, db::new_ticket_row> login_tickets::draw_ticket(const ticket_origin& origin) const {
  created_ticket out;
  // The secrets alone until the row has its id (hand_out puts it in front).
  out.scan_token = id::random_token(16);   // 128 bits
  out.poll_secret = id::random_token(32);  // 256 bits, a different value
  db::new_ticket_row row;
  row.scan_hash = id::sha256_hex(out.scan_token);
  row.poll_hash = id::sha256_hex(out.poll_secret);
  row.kind = origin.kind;
  row.client_id = origin.client_id;
  row.portal_name = origin.portal_name;
  row.user_agent = origin.user_agent.substr(0, 300);
  row.portal_ip = origin.ip;
  row.match_number = 10 + static_cast<int>(id::random_uniform(90));
  row.ttl_seconds = ticket_ttl_seconds;
  row.poll_interval = settings_.device_poll_interval;
  if (origin.kind == "device") row.user_code = out.user_code = make_user_code();
  return {std::move(out), std::move(row)};
}

// The stored ticket's tokens as handed out, and this node's memory of it: only while
// notifications arrive would the memory learn that the ticket moved on.
void login_tickets::hand_out(created_ticket& t, const std::string& poll_hash) {
  t.scan_token = ticket_token(t.ticket.id, t.scan_token);
  t.poll_secret = ticket_token(t.ticket.id, t.poll_secret);
  t.qr_url = settings_.public_url + "/l/" + t.scan_token;
  if (events_.listening()) pending_.remember(poll_hash, t.ticket);
}

result<created_ticket> login_tickets::create_ticket(const ticket_origin& origin) {
  if (int wait = limits_.hit("ticket-create:" + origin.ip, settings_.tickets_per_ip_per_minute, 60))
    return error(errc::rate_limited, wait);
  auto [out, row] = draw_ticket(origin);
  out.ticket = inserts_.insert(row);
  hand_out(out, row.poll_hash);
  return out;
}

status login_tickets::start_ticket(const ticket_origin& origin, std::function<void(result<created_ticket>)> done) {
  if (int wait = limits_.hit("ticket-create:" + origin.ip, settings_.tickets_per_ip_per_minute, 60))
    return error(errc::rate_limited, wait);
  auto [out, row] = draw_ticket(origin);
  auto poll_hash = row.poll_hash;
  inserts_.insert_then(std::move(row), [this, out = std::move(out), poll_hash, done = std::move(done)](
                                           std::optional<db::ticket_row> stored, std::exception_ptr failure) mutable {
    if (!failure) {
      out.ticket = std::move(*stored);
      hand_out(out, poll_hash);
      return done(std::move(out));
    }
    try {
      std::rethrow_exception(failure);
    } catch (const db::db_error& e) {
      if (e.kind() == db::error_kind::unavailable) return done(error(errc::database_unavailable));
      log_line("error", "ticket_insert_failed", {{"sqlstate", json_str(e.sqlstate())}, {"message", json_str(e.what())}});
    } catch (const std::exception& e) {
      log_line("error", "ticket_insert_failed", {{"message", json_str(e.what())}});
    }
    done(error(errc::internal));
  });
  return ok();
}

std::size_t login_tickets::forget_expired() { return pending_.drop_expired() + pacing_.drop_expired(); }

result<scan_context> login_tickets::claim_ticket(const caller& phone, const std::optional<std::string>& scan_token,
                                  const std::optional<std::string>& user_code, const std::string& ip) {
  if (phone.channel != "app") return errc::app_channel_required;
  const int unknown_limit = 20;
  if (int wait = limits_.blocked_for("scan-unknown:" + ip, unknown_limit, 60)) return error(errc::rate_limited, wait);
  std::optional<std::string> code;
  if (user_code) code = normalize_user_code(*user_code);
  if (!scan_token && !code) {
    limits_.hit("scan-unknown:" + ip, unknown_limit, 60);
    return ticket_not_found();
  }
  std::optional<db::ticket_row> claimed;
  {
    auto conn = db_.acquire();
    std::optional<db::ticket_row> found;
    if (scan_token) {
      if (auto token = split_ticket_token(*scan_token)) found = db::find_ticket_by_scan(*conn, token->id, token->secret_hash);
    } else {
      auto match = db::find_ticket_by_user_code(*conn, *code);
      if (match.ambiguous) return errc::user_code_ambiguous;  // both devices show a new code after a restart
      found = match.ticket;
    }
    if (!found) {
      limits_.hit("scan-unknown:" + ip, unknown_limit, 60);
      return ticket_not_found();
    }
    // Leaving `pending`: this node's memory of it goes first (other nodes learn by NOTIFY).
    pending_.forget(found->id);
    claimed = db::claim_ticket(*conn, found->id, phone.session_id, confirm_window_seconds);
    if (!claimed) {
      auto now = db::find_ticket(*conn, found->id);
      return refusal(now ? *now : *found, phone.session_id);
    }
  }
  scan_context ctx;
  ctx.ticket = *claimed;
  ctx.browser = browser_of(claimed->user_agent);
  ctx.os = os_of(claimed->user_agent);
  if (claimed->kind != "device") ctx.numbers.push_back(claimed->match_number);
  while (!ctx.numbers.empty() && ctx.numbers.size() < 3) {
    int n = 10 + static_cast<int>(id::random_uniform(90));
    if (std::find(ctx.numbers.begin(), ctx.numbers.end(), n) == ctx.numbers.end()) ctx.numbers.push_back(n);
  }
  if (!ctx.numbers.empty()) std::swap(ctx.numbers[0], ctx.numbers[id::random_uniform(3)]);
  ctx.units = accounts_.units_of(phone.person_id);
  return ctx;
}

status login_tickets::confirm_ticket(const caller& phone, std::int64_t ticket_id, std::optional<int> match_number,
                      std::optional<std::int64_t> unit_id, const std::string& ip,
                      const std::optional<std::string>& office) {
  if (phone.channel != "app") return errc::app_channel_required;
  if (office && unit_id) return errc::not_staff_of_office;
  {
    auto conn = db_.acquire();
    auto t = db::find_ticket(*conn, ticket_id);
    if (!t || t->claimed_session != phone.session_id) return ticket_not_found();  // not yours: not found
    if (t->state != "scanned") return refusal(*t, phone.session_id);
    // A device shows its user code, not a number: the phone showed that code to compare.
    if (t->kind != "device" && !match_number) return errc::match_number_required;
    if (t->kind != "device" && *match_number != t->match_number) {
      // A wrong number means the phone is not looking at this portal: stop this login.
      db::cancel_ticket(*conn, ticket_id, phone.session_id, std::nullopt);
      return errc::wrong_match_number;
    }
  }
  std::optional<std::int64_t> grant_id;
  if (unit_id) {  // the person's roles are read with no connection held
    auto roles = accounts_.units_of(phone.person_id);
    auto it = std::find_if(roles.begin(), roles.end(), [&](auto& r) { return r.unit.id == *unit_id; });
    if (it == roles.end())
      return errc::no_role_in_unit;
    if (!it->valid_now)
      return errc::grant_not_valid_now;
    grant_id = it->grant_id;
  }
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    if (office && !db::find_staff_role(tx.conn(), phone.person_id, *office)) return errc::not_staff_of_office;
    if (!db::confirm_ticket(tx.conn(), ticket_id, phone.session_id, phone.person_id, unit_id, grant_id, office)) {
      auto now = db::find_ticket(tx.conn(), ticket_id);
      if (!now) return ticket_not_found();
      return refusal(*now, phone.session_id);
    }
    db::audit(tx, {"qr_login_confirmed", phone.person_id, unit_id, std::nullopt, grant_id, ip,
                   "{\"ticket\":" + std::to_string(ticket_id) + "}"});
    return ok();
  });
}

status login_tickets::cancel_ticket_by_phone(const caller& phone, std::int64_t ticket_id) {
  if (phone.channel != "app") return errc::app_channel_required;
  auto conn = db_.acquire();
  auto t = db::find_ticket(*conn, ticket_id);
  if (!t || t->claimed_session != phone.session_id) return ticket_not_found();
  if (!db::cancel_ticket(*conn, ticket_id, phone.session_id, std::nullopt)) {
    auto now = db::find_ticket(*conn, ticket_id);
    return refusal(now ? *now : *t, phone.session_id);
  }
  return ok();
}

std::optional<db::ticket_row> login_tickets::pending_ticket_in_memory(std::int64_t ticket_id,
                                                                     const std::string& poll_secret) {
  auto token = split_ticket_token(poll_secret);
  if (!token || token->id != ticket_id) return std::nullopt;
  return remembered(*token);
}

std::optional<db::ticket_row> login_tickets::remembered(const ticket_token_parts& poll_secret) {
  if (!events_.listening()) return std::nullopt;  // the memory would not learn that it moved on
  auto t = pending_.find(poll_secret.secret_hash);
  if (!t || t->id != poll_secret.id) return std::nullopt;
  return t;
}

result<db::ticket_row> login_tickets::ticket_for_portal(std::int64_t ticket_id, const std::string& poll_secret) {
  auto token = split_ticket_token(poll_secret);
  if (!token || token->id != ticket_id) return ticket_not_found();
  if (auto t = remembered(*token)) return *t;
  auto conn = db_.acquire();
  auto t = db::find_ticket_by_poll(*conn, ticket_id, token->secret_hash);
  if (!t) return ticket_not_found();
  return *t;
}

status login_tickets::count_poll(std::int64_t ticket_id) {
  if (int wait = limits_.hit("ticket-poll:" + std::to_string(ticket_id), settings_.polls_per_minute, 60))
    return error(errc::rate_limited, wait);
  return ok();
}

status login_tickets::cancel_ticket_by_portal(std::int64_t ticket_id, const std::string& poll_secret) {
  auto token = split_ticket_token(poll_secret);
  if (!token || token->id != ticket_id) return ticket_not_found();
  auto conn = db_.acquire();
  auto t = db::find_ticket_by_poll(*conn, ticket_id, token->secret_hash);
  if (!t) return ticket_not_found();
  pending_.forget(ticket_id);
  if (!db::cancel_ticket(*conn, ticket_id, std::nullopt, token->secret_hash)) return refusal(*t, std::nullopt);
  return ok();
}

namespace {

// Why a ticket found by its poll secret cannot be redeemed.
error redeem_refusal(const std::optional<db::ticket_row>& now, std::int64_t ticket_id) {
  if (!now || now->id != ticket_id) return errc::invalid_poll_secret;
  if (now->state == "consumed") return errc::ticket_already_redeemed;
  if (now->state == "pending" || now->state == "scanned") return errc::ticket_not_confirmed;
  return refusal(*now, std::nullopt);
}

}  // namespace

result<issued_session> login_tickets::redeem_ticket(std::int64_t ticket_id, const std::string& poll_secret,
                                     const std::string& channel, const std::string& ip, const std::string& device,
                                     const std::optional<std::string>& kiosk) {
  auto token = split_ticket_token(poll_secret);
  if (!token || token->id != ticket_id) return errc::invalid_poll_secret;
  const auto& hash = token->secret_hash;
  std::optional<db::ticket_row> t;
  {
    auto conn = db_.acquire();
    t = db::find_ticket_by_poll(*conn, ticket_id, hash);
  }
  if (!t || t->id != ticket_id || t->state != "confirmed") return redeem_refusal(t, ticket_id);
  // The grant is checked again here: revoked between confirm and redeem means no unit session.
  // The ticket is consumed in the transaction that stores the session: a crash leaves either
  // both or neither, so a confirmed ticket is never used up without its session.
  return sessions_.open_session(
      *t->person_id, t->unit_id, channel, ip, device,
      [&](db::connection& c) -> status {
        if (db::consume_ticket(c, ticket_id, hash)) return ok();
        return redeem_refusal(db::find_ticket_by_poll(c, ticket_id, hash), ticket_id);
      },
      t->office_code, kiosk);
}

std::optional<std::string> login_tickets::device_client(const std::string& client_id) {
  auto conn = db_.acquire();
  auto row = db::find_device_client(*conn, client_id);
  if (!row) return std::nullopt;
  return row->name;
}

namespace {

result<device_client_info> check_client(const std::optional<db::device_client_row>& row,
                                        const std::optional<std::string>& secret) {
  if (!row) return errc::invalid_client;
  if (row->secret_hash && !(secret && id::constant_time_equal(id::sha256_hex(*secret), *row->secret_hash)))
    return errc::invalid_client;
  return device_client_info{row->name, row->secret_hash.has_value()};
}

}  // namespace

result<device_client_info> login_tickets::authenticate_client(const std::string& client_id,
                                                              const std::optional<std::string>& secret) {
  auto conn = db_.acquire();
  return check_client(db::find_device_client(*conn, client_id), secret);
}

result<device_client_info> login_tickets::authenticate_client_for_start(const std::string& client_id,
                                                                        const std::optional<std::string>& secret) {
  if (!events_.listening()) return authenticate_client(client_id, secret);
  if (auto known = public_client_in_memory(client_id)) return *known;  // no secret to check
  std::uint64_t generation;
  {
    std::lock_guard lock(clients_mutex_);
    generation = clients_generation_;
  }
  std::optional<db::device_client_row> row;
  {
    auto conn = db_.acquire();
    row = db::find_device_client(*conn, client_id);
  }
  // Only public clients are kept: all that can change of one is its name. A kiosk is read each
  // time, so that its revocation or new secret holds from the next request on. Unknown ids are not
  // kept either (made-up ids cannot fill the memory), nor a row read before a change was announced.
  std::lock_guard lock(clients_mutex_);
  if (row && !row->secret_hash && generation == clients_generation_ && clients_.size() < 10000)
    clients_.emplace(client_id, *row);
  return check_client(row, secret);
}

std::optional<device_client_info> login_tickets::public_client_in_memory(const std::string& client_id) {
  if (!events_.listening()) return std::nullopt;
  std::lock_guard lock(clients_mutex_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return std::nullopt;
  return device_client_info{it->second.name, false};
}

void login_tickets::forget_clients() {
  std::lock_guard lock(clients_mutex_);
  clients_.clear();
  ++clients_generation_;
}

namespace {

bool valid_client(const std::string& client_id, const std::string& name) {
  static const std::regex id_rule(R"([A-Za-z0-9_.\-]{1,64})");
  return std::regex_match(client_id, id_rule) && !name.empty() && name.size() <= 64 * 4;
}

}  // namespace

result<std::string> login_tickets::register_kiosk(const std::string& client_id, const std::string& name) {
  if (!valid_client(client_id, name)) return errc::invalid_input;
  auto secret = id::random_token(32);
  auto conn = db_.acquire();
  if (!db::save_kiosk(*conn, client_id, name, id::sha256_hex(secret))) return errc::client_id_taken;
  return secret;
}

result<int> login_tickets::revoke_kiosk(const std::string& client_id) {
  auto conn = db_.acquire();
  db::transaction tx(*conn);
  auto ended = db::revoke_kiosk(*conn, client_id);
  if (!ended) return errc::invalid_client;
  tx.commit();
  return *ended;
}

status login_tickets::register_device_client(const std::string& client_id, const std::string& name) {
  if (!valid_client(client_id, name)) return errc::invalid_input;
  auto conn = db_.acquire();
  db::save_device_client(*conn, client_id, name);
  return ok();
}

device_token_outcome login_tickets::poll_device_token(const std::string& device_code, const std::string& client_id,
                                                      const std::optional<std::string>& secret, const std::string& ip) {
  // A pending ticket made on this node is answered from memory; any other is read (never written).
  auto token = split_ticket_token(device_code);
  if (token)
    if (auto answer = device_poll_in_memory(*token, client_id)) return *answer;
  device_token_outcome out;
  out.interval = settings_.device_poll_interval;
  std::optional<db::ticket_row> ticket;
  if (token) {
    auto conn = db_.acquire();
    ticket = db::find_ticket_by_poll(*conn, token->id, token->secret_hash);
  }
  if (!ticket || ticket->kind != "device" || ticket->client_id != client_id) {
    // Only now, off the path of every good poll, is the client looked up.
    out.oauth_error = device_client(client_id) ? "invalid_grant" : "invalid_client";
    return out;
  }
  out.interval = ticket->poll_interval;
  auto& st = ticket->state;
  if (st == "confirmed") {  // an approved grant is never answered with slow_down
    auto client = authenticate_client(client_id, secret);
    if (!client) {
      out.oauth_error = "invalid_client";
      return out;
    }
    pacing_.forget(ticket->id);
    auto s = redeem_ticket(ticket->id, device_code, client->kiosk ? "kiosk" : "web", ip, client->name,
                           client->kiosk ? std::optional(client_id) : std::nullopt);
    if (s) out.session = std::move(s.value());
    else out.oauth_error = s.err().code == errc::ticket_already_redeemed ? "invalid_grant" : "access_denied";
  } else if (st == "consumed") {
    out.oauth_error = "invalid_grant";
  } else if (st == "cancelled") {
    out.oauth_error = "access_denied";
  } else if (st == "expired") {
    out.oauth_error = "expired_token";
  } else {
    out = pace(*ticket);
  }
  return out;
}

std::optional<device_token_outcome> login_tickets::poll_device_token_in_memory(const std::string& device_code,
                                                                               const std::string& client_id) {
  auto token = split_ticket_token(device_code);
  if (!token) return std::nullopt;
  return device_poll_in_memory(*token, client_id);
}

std::optional<device_token_outcome> login_tickets::device_poll_in_memory(const ticket_token_parts& device_code,
                                                                         const std::string& client_id) {
  auto ticket = remembered(device_code);
  if (!ticket || ticket->kind != "device" || ticket->client_id != client_id) return std::nullopt;
  return pace(*ticket);
}

device_token_outcome login_tickets::pace(const db::ticket_row& pending) {
  device_token_outcome out;
  auto p = pacing_.poll(pending.id, pending.poll_interval, pending.expires_in);
  out.interval = p.interval;
  out.oauth_error = p.too_fast ? "slow_down" : "authorization_pending";
  return out;
}

}  // namespace hallpass::server::services
