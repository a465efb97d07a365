#include "hallpass/server/services/auth.hpp"

#include <algorithm>

#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/sessions_store.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/identity/password_hash.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/identity/validators.hpp"

namespace hallpass::server::services {

namespace id = identity;

namespace {

api_error invalid_credentials() {
  return {401, "invalid_credentials", "账号或密码错误", "Wrong account or password"};
}

api_error too_many_attempts(int retry_after) {
  return {429, "too_many_attempts", "登录失败次数过多，请稍后再试", "Too many failed logins; try again later",
          std::max(1, retry_after)};
}

// Verifying against this when the account does not exist keeps the answer time the same.
const std::string& dummy_hash() {
  static const std::string h = id::hash_password("no-such-account-Aa1!");
  return h;
}

std::string login_hash(const app& a, const std::string& account) {
  if (id::is_valid_mobile(id::normalize_mobile_input(account)))
    return personal_data_hash(a, "mobile", id::normalize_mobile_input(account));
  return personal_data_hash(a, "id", id::normalize_code_input(account));
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
  return c;
}

}  // namespace

bool caller::may_do(std::string_view service_code) const {
  if (role != "agent" || !scope) return true;
  return std::find(scope->begin(), scope->end(), service_code) != scope->end();
}

std::string session_cookie_name(const request& req) { return req.secure ? "__Host-hp_session" : "hp_session"; }

result<issued_session> open_session(app& a, std::int64_t person_id, std::optional<std::int64_t> unit_id,
                                    const std::string& channel, const std::string& ip) {
  db::new_session ns;
  ns.person_id = person_id;
  ns.channel = channel;
  ns.role = "person";
  ns.absolute_hours = a.cfg.session_absolute_hours;
  if (unit_id) {
    auto roles = units_of(a, person_id);
    auto it = std::find_if(roles.begin(), roles.end(), [&](auto& r) { return r.unit.id == *unit_id; });
    if (it == roles.end()) {
      return api_error{403, "no_role_in_unit", "您不是该单位的法定代表人、管理员或经办人",
                       "You are not the legal representative, administrator or an agent of this unit"};
    }
    if (!it->valid_now) {
      return api_error{403, "grant_not_valid_now", "您在该单位的授权不在有效期内",
                       "Your authorisation for this unit is outside its validity period"};
    }
    ns.unit_id = unit_id;
    ns.grant_id = it->grant_id;
    ns.role = it->role;
  }
  issued_session out;
  out.token = id::random_token(32);
  out.csrf_token = id::random_token(16);
  ns.token_hash = id::sha256_hex(out.token);
  ns.csrf_hash = id::sha256_hex(out.csrf_token);
  auto conn = a.db->acquire();
  {
    db::transaction tx(*conn);
    auto [sid, expires] = db::insert_session(*conn, ns);
    db::audit(tx, {"login", person_id, unit_id, std::nullopt, ns.grant_id, ip,
                   "{\"channel\":" + json_str(channel) + ",\"role\":" + json_str(ns.role) + "}"});
    tx.commit();
  }
  auto row = db::find_session(*conn, ns.token_hash, a.cfg.session_idle_minutes);
  if (!row) return errors::internal();
  out.who = caller_from(*row);
  return out;
}

result<issued_session> login_with_password(app& a, const password_login& in) {
  if (in.channel != "web" && in.channel != "app" && in.channel != "kiosk") {
    return errors::bad_request("invalid_channel", "登录渠道只能是 web、app 或 kiosk", "channel must be web, app or kiosk");
  }
  if (int wait = a.limits.hit("login-ip:" + in.ip, a.cfg.login_attempts_per_ip, 60)) return errors::rate_limited(wait);

  std::string account_key = id::sha256_hex(login_hash(a, in.account) + "|" + in.unit.value_or(""));
  const int window = 15 * 60;
  if (int wait = a.limits.blocked_for("login-fail:" + account_key, a.cfg.login_failures_per_account, window))
    return too_many_attempts(wait);

  std::optional<db::person_row> person;
  std::optional<db::unit_row> unit;
  {
    auto conn = a.db->acquire();
    db::transaction tx(*conn, "BEGIN READ ONLY");
    person = db::find_person_by_login(tx, login_hash(a, in.account));
    if (in.unit) unit = db::find_unit_by_code(tx, id::normalize_code_input(*in.unit));
    tx.commit();
  }
  // The hash runs on this worker thread without holding a database connection.
  bool ok = id::verify_password(in.password, person && person->password_hash ? *person->password_hash : dummy_hash());
  ok = ok && person && person->password_hash && (!in.unit || unit);
  if (!ok) {
    a.limits.hit("login-fail:" + account_key, a.cfg.login_failures_per_account, window);
    in_transaction(*a.db, [&](db::transaction& tx) {
      db::audit(tx, {"login_failed", person ? std::optional(person->id) : std::nullopt,
                     unit ? std::optional(unit->id) : std::nullopt, std::nullopt, std::nullopt, in.ip,
                     "{\"reason\":\"invalid_credentials\"}"});
    });
    return invalid_credentials();
  }
  a.limits.reset("login-fail:" + account_key);
  return open_session(a, person->id, unit ? std::optional(unit->id) : std::nullopt, in.channel, in.ip);
}

result<caller> authenticate(app& a, const request& req) {
  std::optional<std::string> token;
  bool from_cookie = false;
  if (auto h = req.header_value("authorization")) {
    if (h->size() > 7 && h->substr(0, 7) == "Bearer ") token = std::string(h->substr(7));
  } else if (auto c = req.cookie(session_cookie_name(req))) {
    token = *c;
    from_cookie = true;
  }
  if (!token || token->empty() || token->size() > 200) return errors::unauthenticated();
  auto conn = a.db->acquire();
  auto row = db::find_session(*conn, id::sha256_hex(*token), a.cfg.session_idle_minutes);
  if (!row) {
    return api_error{401, "session_invalid", "登录已失效，请重新登录", "Your session has ended; please sign in again"};
  }
  if (!row->still_entitled) {
    db::revoke_session(*conn, row->id);
    return api_error{401, "grant_revoked", "您在该单位的授权已变更或撤销，请重新登录",
                     "Your authorisation for this unit was changed or revoked; please sign in again"};
  }
  if (from_cookie && req.method != "GET" && req.method != "HEAD") {
    auto csrf = req.header_value("x-csrf-token");
    if (!csrf || !id::constant_time_equal(id::sha256_hex(*csrf), row->csrf_hash)) {
      return api_error{403, "csrf_token_invalid", "页面已过期，请刷新后重试", "Missing or wrong CSRF token; reload the page"};
    }
  }
  if (row->needs_touch) db::touch_session(*conn, row->id);
  return caller_from(*row);
}

caller require_caller(app& a, const request& req) {
  auto c = authenticate(a, req);
  return std::move(c.or_throw());
}

status logout(app& a, const caller& who, const std::string& ip) {
  in_transaction(*a.db, [&](db::transaction& tx) {
    db::revoke_session(tx.conn(), who.session_id);
    db::audit(tx, {"logout", who.person_id, who.unit_id, std::nullopt, who.grant_id, ip});
  });
  return ok();
}

}  // namespace hallpass::server::services
