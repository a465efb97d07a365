#include "hallpass/server/services/mobile_codes.hpp"

#include <cstdio>

#include <boost/json.hpp>

#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/one_time_codes_store.hpp"
#include "hallpass/server/db/sessions_store.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/identity/password_hash.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/identity/validators.hpp"

namespace hallpass::server::services {

namespace id = identity;
namespace json = boost::json;

namespace {

constexpr const char* password_reset = "password_reset";
constexpr const char* mobile_change = "mobile_change";
constexpr const char* registration = "registration";
constexpr int hour = 3600;

std::string six_digits() {
  char out[8];
  std::snprintf(out, sizeof out, "%06u", id::random_uniform(1000000));
  return out;
}

bool well_formed_code(const std::string& code) {
  return code.size() == 6 && code.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

mobile_codes::mobile_codes(db::pool& db, const personal_data_hasher& hash, rate_limiter& limits, sessions& sessions,
                           mobile_code_settings settings)
    : db_(db), hash_(hash), limits_(limits), sessions_(sessions), settings_(settings) {}

std::string mobile_codes::code_hash(std::optional<std::int64_t> person_id, const std::string& mobile_hash,
                                    const std::string& code) const {
  // A registration code has no person yet: it is bound to its mobile.
  return hash_("one-time-code",
               (person_id ? std::to_string(*person_id) : "mobile:" + id::sha256_hex(mobile_hash)) + ":" + code);
}

status mobile_codes::limit_sends(const std::string& account_key, const std::string& ip) {
  if (int wait = limits_.hit("code-ip:" + ip, settings_.sends_per_hour, hour)) return error(errc::rate_limited, wait);
  if (int wait = limits_.hit("code-account:" + id::sha256_hex(account_key), settings_.sends_per_hour, hour))
    return error(errc::rate_limited, wait);
  return ok();
}

void mobile_codes::send_code(db::transaction& tx, const char* purpose, std::optional<std::int64_t> person_id,
                             const std::string& mobile,
                             const std::string& mobile_hash, const std::string& what_zh, const std::string& what_en) {
  auto code = six_digits();
  auto minutes = std::to_string(settings_.code_minutes);
  json::object payload{{"kind", "one_time_code"},
                       {"purpose", purpose},
                       {"mobile", mobile},
                       {"mobile_masked", id::mask_mobile(mobile)},
                       {"text", "【人社网上办事大厅】您正在" + what_zh + "，验证码 " + code + "，" + minutes +
                                    " 分钟内有效。如非本人操作，请忽略。"},
                       {"text_en", "Hall of HR and social security: your code to " + what_en + " is " + code +
                                       ", valid for " + minutes + " minutes. If you did not ask for it, ignore this message."}};
  std::optional<std::string> bound;
  if (std::string(purpose) != password_reset) bound = mobile_hash;
  db::insert_one_time_code(tx.conn(), purpose, person_id, code_hash(person_id, mobile_hash, code), bound,
                           settings_.code_minutes, json::serialize(payload));
  db::audit(tx, {std::string(purpose) + "_code_sent", std::nullopt, std::nullopt, person_id, std::nullopt, ""});
}

status mobile_codes::check_code(db::transaction& tx, const char* purpose, std::optional<std::int64_t> person_id,
                                const std::optional<std::string>& mobile_hash, const std::string& code,
                                const std::string& ip) {
  auto live = db::live_one_time_code(tx.conn(), purpose, person_id, mobile_hash);
  if (!live || live->tries >= settings_.code_tries) return errc::invalid_code;
  if (!id::constant_time_equal(live->code_hash, code_hash(person_id, mobile_hash.value_or(""), code))) {
    db::count_try(tx.conn(), live->id);  // counted: the caller's transaction commits
    db::audit(tx, {std::string(purpose) + "_code_wrong", std::nullopt, std::nullopt, person_id, std::nullopt, ip});
    return errc::invalid_code;
  }
  db::mark_code_used(tx.conn(), live->id);
  return ok();
}

status mobile_codes::request_password_reset(const std::string& id_number, const std::string& mobile,
                                            const std::string& ip) {
  auto idn = id::normalize_code_input(id_number);
  auto m = id::normalize_mobile_input(mobile);
  if (auto p = id::check_resident_id(idn); p != id::resident_id_problem::none) return error::broken_rule(id::describe(p));
  if (!id::is_valid_mobile(m)) return error::broken_rule(id::invalid_mobile_message());
  auto id_hash = hash_("id", idn);
  // The limits count every request, whether or not the account exists.
  if (auto limited = limit_sends(id_hash, ip); !limited) return limited;
  db::in_transaction(db_, [&](db::transaction& tx) {
    auto mobile_hash = hash_("mobile", m);
    if (auto person = db::person_by_id_and_mobile(tx.conn(), id_hash, mobile_hash))
      send_code(tx, password_reset, *person, m, mobile_hash, "找回密码", "reset the password");
  });
  return ok();
}

status mobile_codes::confirm_password_reset(const std::string& id_number, const std::string& mobile,
                                            const std::string& code, const std::string& new_password,
                                            const std::string& ip) {
  auto rule = id::check_password_rule(new_password);
  if (!rule.ok()) return error::broken_rule(id::describe(rule.failure));  // before any try is spent
  if (!well_formed_code(code)) return errc::invalid_code;
  auto id_hash = hash_("id", id::normalize_code_input(id_number));
  auto mobile_hash = hash_("mobile", id::normalize_mobile_input(mobile));
  auto new_hash = id::hash_password(new_password);
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto person = db::person_by_id_and_mobile(tx.conn(), id_hash, mobile_hash);
    if (!person) return errc::invalid_code;
    if (auto checked = check_code(tx, password_reset, *person, std::nullopt, code, ip); !checked) return checked;
    db::set_password_hash(tx, *person, new_hash);
    int ended = db::revoke_sessions_of(tx.conn(), *person, std::nullopt);
    db::audit(tx, {"password_reset", std::nullopt, std::nullopt, *person, std::nullopt, ip,
                   json::serialize(json::object{{"sessions_ended", ended}})});
    return ok();
  });
}

status mobile_codes::request_mobile_change(const caller& who, const std::string& new_mobile, const std::string& ip) {
  auto m = id::normalize_mobile_input(new_mobile);
  if (!id::is_valid_mobile(m)) return error::broken_rule(id::invalid_mobile_message());
  if (auto limited = limit_sends("person:" + std::to_string(who.person_id), ip); !limited) return limited;
  auto mobile_hash = hash_("mobile", m);
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    if (auto holder = db::find_person_by_login(tx, mobile_hash))
      return holder->id == who.person_id ? errc::mobile_unchanged : errc::mobile_taken;
    send_code(tx, mobile_change, who.person_id, m, mobile_hash, "修改手机号码", "change your mobile number");
    return ok();
  });
}

status mobile_codes::confirm_mobile_change(const caller& who, const std::string& new_mobile, const std::string& code,
                                           const std::string& password, const std::string& ip) {
  auto m = id::normalize_mobile_input(new_mobile);
  if (!id::is_valid_mobile(m)) return error::broken_rule(id::invalid_mobile_message());
  if (!well_formed_code(code)) return errc::invalid_code;
  // The password first, its failures counted with those of password changes.
  if (auto checked = sessions_.verify_own_password(who, password, ip, "mobile_change_password_wrong"); !checked)
    return checked;
  auto mobile_hash = hash_("mobile", m);
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    if (auto checked = check_code(tx, mobile_change, who.person_id, mobile_hash, code, ip); !checked) return checked;
    if (!db::set_mobile(tx.conn(), who.person_id, mobile_hash, id::mask_mobile(m))) return errc::mobile_taken;
    db::audit(tx, {"mobile_changed", who.person_id, who.unit_id, who.person_id, who.grant_id, ip});
    return ok();
  });
}

status mobile_codes::request_registration_code(const std::string& mobile, const std::string& ip) {
  auto m = id::normalize_mobile_input(mobile);
  if (!id::is_valid_mobile(m)) return error::broken_rule(id::invalid_mobile_message());
  auto mobile_hash = hash_("mobile", m);
  if (auto limited = limit_sends("mobile:" + mobile_hash, ip); !limited) return limited;
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    if (db::find_person_by_login(tx, mobile_hash)) return errc::mobile_taken;
    send_code(tx, registration, std::nullopt, m, mobile_hash, "注册账号", "register an account");
    return ok();
  });
}

status mobile_codes::use_registration_code(db::transaction& tx, const std::string& mobile_hash, const std::string& code,
                                           const std::string& ip) {
  if (!well_formed_code(code)) return errc::invalid_code;
  return check_code(tx, registration, std::nullopt, mobile_hash, code, ip);
}

}  // namespace hallpass::server::services
