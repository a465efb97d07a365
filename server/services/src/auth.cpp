#include "hallpass/server/services/auth.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/review_store.hpp"
#include "hallpass/server/db/sessions_store.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/identity/password_hash.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/identity/validators.hpp"

namespace hallpass::server::services {

namespace id = identity;

namespace {

error invalid_credentials() {
  return errc::invalid_credentials;
}

error too_many_attempts(int retry_after) {
  return error(errc::too_many_attempts, std::max(1, retry_after));
}

// Verifying against this when the account does not exist keeps the answer time the same.
const std::string& dummy_hash() {
  static const std::string h = id::hash_password("no-such-account-Aa1!");
  return h;
}

caller caller_from(const db::session_row& s) {
  caller c;
  c.session_id = s.id;
  c.person_id = s.person_id;
  c.unit_id = s.unit_id;
  c.grant_id = s.grant_id;
  c.role = s.role;
  c.channel = s.channel;
  c.person_name = s.person_name;
  c.id_number_masked = s.id_number_masked;
  c.mobile_masked = s.mobile_masked;
  c.unit_name = s.unit_name;
  c.uscc = s.uscc;
  c.scope = s.scope;
  c.expires_at = s.expires_at;
  c.office_code = s.office_code;
  c.office_name = s.office_name;
  c.staff_role = s.staff_role;
  return c;
}

}  // namespace

bool caller::may_do(std::string_view service_code) const {
  if (role != "agent" || !scope) return true;
  return std::find(scope->begin(), scope->end(), service_code) != scope->end();
}

sessions::sessions(db::pool& db, const personal_data_hasher& hash, rate_limiter& limits, accounts& accounts,
                   session_settings settings)
    : db_(db), hash_(hash), limits_(limits), accounts_(accounts), settings_(settings) {}

std::string sessions::login_hash(const std::string& account) const {
  if (id::is_valid_mobile(id::normalize_mobile_input(account)))
    return hash_("mobile", id::normalize_mobile_input(account));
  return hash_("id", id::normalize_code_input(account));
}

result<issued_session> sessions::open_session(std::int64_t person_id, std::optional<std::int64_t> unit_id,
                                    const std::string& channel, const std::string& ip, const std::string& device,
                                    const session_claim& claim, const std::optional<std::string>& office,
                                    const std::optional<std::string>& kiosk) {
  db::new_session ns;
  ns.person_id = person_id;
  ns.channel = channel;
  ns.device = device;
  ns.client_id = kiosk;
  ns.role = "person";
  ns.absolute_hours = settings_.absolute_hours;
  if (unit_id) {
    auto roles = accounts_.units_of(person_id);
    auto it = std::find_if(roles.begin(), roles.end(), [&](auto& r) { return r.unit.id == *unit_id; });
    if (it == roles.end()) {
      return errc::no_role_in_unit;
    }
    if (!it->valid_now) {
      return errc::grant_not_valid_now;
    }
    ns.unit_id = unit_id;
    ns.grant_id = it->grant_id;
    ns.role = it->role;
  }
  auto conn = db_.acquire();
  if (office) {
    if (unit_id || !db::find_staff_role(*conn, person_id, *office)) return errc::not_staff_of_office;
    ns.role = "staff";
    ns.office_code = office;
  }
  issued_session out;
  out.token = id::random_token(32);
  out.csrf_token = id::random_token(16);
  ns.token_hash = id::sha256_hex(out.token);
  ns.csrf_hash = id::sha256_hex(out.csrf_token);
  {
    db::transaction tx(*conn);
    if (claim) {
      if (auto claimed = claim(*conn); !claimed) return claimed.err();
    }
    auto [sid, expires] = db::insert_session(*conn, ns);
    db::audit(tx, {"login", person_id, unit_id, std::nullopt, ns.grant_id, ip,
                   boost::json::serialize(boost::json::object{{"channel", channel}, {"role", ns.role}})});
    tx.commit();
  }
  auto row = db::find_session(*conn, ns.token_hash, settings_.idle_minutes);
  if (!row) return errc::internal;
  out.who = caller_from(*row);
  return out;
}

result<issued_session> sessions::login_with_password(const password_login& in) {
  if (in.channel != "web" && in.channel != "app" && in.channel != "kiosk") {
    return errc::invalid_channel;
  }
  if (int wait = limits_.hit("login-ip:" + in.ip, settings_.login_attempts_per_ip, 60)) return error(errc::rate_limited, wait);

  // Failures count per account, whatever unit a request names, so a unit string never opens a
  // second budget of guesses.
  std::string account_key = id::sha256_hex(login_hash(in.account));
  const int window = 15 * 60;
  if (int wait = limits_.blocked_for("login-fail:" + account_key, settings_.login_failures_per_account, window))
    return too_many_attempts(wait);

  std::optional<db::person_row> person;
  std::optional<db::unit_row> unit;
  {
    auto conn = db_.acquire();
    db::transaction tx(*conn, "BEGIN READ ONLY");
    person = db::find_person_by_login(tx, login_hash(in.account));
    if (in.unit) unit = db::find_unit_by_code(tx, id::normalize_code_input(*in.unit));
    tx.commit();
  }
  // The hash runs on this worker thread without holding a database connection.
  bool ok = id::verify_password(in.password, person && person->password_hash ? *person->password_hash : dummy_hash());
  ok = ok && person && person->password_hash && (!in.unit || unit) && !(in.unit && in.office);
  // With a unit, a right password without a usable role there must look like a wrong one:
  // otherwise the answer would tell a guesser that the password was right.
  std::string reason = "invalid_credentials";
  if (ok && unit) {
    auto roles = accounts_.units_of(person->id);
    auto it = std::find_if(roles.begin(), roles.end(), [&](auto& r) { return r.unit.id == unit->id; });
    if (it == roles.end()) reason = "no_role_in_unit";
    else if (!it->valid_now) reason = "grant_not_valid_now";
    ok = reason == "invalid_credentials";
  }
  if (ok && in.office) {  // staff: the same rule, a role elsewhere looks like a wrong password
    auto conn = db_.acquire();
    if (!db::find_staff_role(*conn, person->id, *in.office)) reason = "not_staff_of_office";
    ok = reason == "invalid_credentials";
  }
  if (!ok) {
    limits_.hit("login-fail:" + account_key, settings_.login_failures_per_account, window);
    db::in_transaction(db_, [&](db::transaction& tx) {
      db::audit(tx, {"login_failed", person ? std::optional(person->id) : std::nullopt,
                     unit ? std::optional(unit->id) : std::nullopt, std::nullopt, std::nullopt, in.ip,
                     boost::json::serialize(boost::json::object{{"reason", reason}})});
    });
    return in.unit ? errc::invalid_unit_login : invalid_credentials();
  }
  limits_.reset("login-fail:" + account_key);
  return open_session(person->id, unit ? std::optional(unit->id) : std::nullopt, in.channel, in.ip, in.device, {}, in.office);
}

result<caller> sessions::authenticate(const credentials& c) {
  if (c.token.empty() || c.token.size() > 200) return errc::unauthenticated;
  auto conn = db_.acquire();
  auto row = db::find_session(*conn, id::sha256_hex(c.token), settings_.idle_minutes);
  if (!row) return errc::session_invalid;
  if (!row->still_entitled) {
    db::revoke_session(*conn, row->id);
    return errc::grant_revoked;
  }
  if (c.sent_automatically && c.changes_state) {
    if (!c.csrf_token || !id::constant_time_equal(id::sha256_hex(*c.csrf_token), row->csrf_hash))
      return errc::csrf_token_invalid;
  }
  if (row->needs_touch) db::touch_session(*conn, row->id);
  return caller_from(*row);
}

status sessions::verify_own_password(const caller& who, const std::string& password, const std::string& ip,
                                     const std::string& failure_event) {
  const std::string key = "own-password-fail:" + std::to_string(who.person_id);
  const int window = 15 * 60;
  if (int wait = limits_.blocked_for(key, settings_.login_failures_per_account, window)) return too_many_attempts(wait);
  std::optional<db::person_row> person;
  db::in_transaction(db_, [&](db::transaction& tx) { person = db::find_person_by_id(tx, who.person_id); });
  if (!person || !person->password_hash || password.size() > 128 ||
      !id::verify_password(password, *person->password_hash)) {
    limits_.hit(key, settings_.login_failures_per_account, window);
    db::in_transaction(db_, [&](db::transaction& tx) {
      db::audit(tx, {failure_event, who.person_id, who.unit_id, std::nullopt, who.grant_id, ip});
    });
    return errc::wrong_password;
  }
  limits_.reset(key);
  return ok();
}

status sessions::change_password(const caller& who, const std::string& current, const std::string& next,
                                 const std::string& ip) {
  if (auto checked = verify_own_password(who, current, ip, "password_change_failed"); !checked) return checked;
  auto rule = id::check_password_rule(next);
  if (!rule.ok()) return error::broken_rule(id::describe(rule.failure));
  if (next == current) return errc::password_unchanged;
  auto hash = id::hash_password(next);
  db::in_transaction(db_, [&](db::transaction& tx) {
    db::set_password_hash(tx, who.person_id, hash);
    int ended = db::revoke_sessions_of(tx.conn(), who.person_id, who.session_id);
    db::audit(tx, {"password_changed", who.person_id, who.unit_id, std::nullopt, who.grant_id, ip,
                   boost::json::serialize(boost::json::object{{"sessions_ended", ended}})});
  });
  return ok();
}

std::vector<db::own_session> sessions::own_sessions(const caller& who) {
  auto conn = db_.acquire();
  return db::live_sessions_of(*conn, who.person_id);
}

status sessions::end_own_session(const caller& who, std::int64_t session_id, const std::string& ip) {
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    if (!db::revoke_own_session(tx.conn(), who.person_id, session_id)) return errc::session_not_found;
    db::audit(tx, {"session_ended_by_person", who.person_id, who.unit_id, who.person_id, who.grant_id, ip,
                   "{\"session\": " + std::to_string(session_id) + "}"});
    return ok();
  });
}

status sessions::logout(const caller& who, const std::string& ip) {
  db::in_transaction(db_, [&](db::transaction& tx) {
    db::revoke_session(tx.conn(), who.session_id);
    db::audit(tx, {"logout", who.person_id, who.unit_id, std::nullopt, who.grant_id, ip});
  });
  return ok();
}

}  // namespace hallpass::server::services
