#include "hallpass/server/services/password_resets.hpp"

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

constexpr const char* purpose = "password_reset";
constexpr int hour = 3600;

std::string six_digits() {
  char out[8];
  std::snprintf(out, sizeof out, "%06u", id::random_uniform(1000000));
  return out;
}

}  // namespace

password_resets::password_resets(db::pool& db, const personal_data_hasher& hash, rate_limiter& limits,
                                 password_reset_settings settings)
    : db_(db), hash_(hash), limits_(limits), settings_(settings) {}

std::string password_resets::code_hash(std::int64_t person_id, const std::string& code) const {
  return hash_("one-time-code", std::to_string(person_id) + ":" + code);
}

status password_resets::request(const std::string& id_number, const std::string& mobile, const std::string& ip) {
  auto idn = id::normalize_code_input(id_number);
  auto m = id::normalize_mobile_input(mobile);
  if (auto p = id::check_resident_id(idn); p != id::resident_id_problem::none) return error::broken_rule(id::describe(p));
  if (!id::is_valid_mobile(m)) return error::broken_rule(id::invalid_mobile_message());
  // Both limits count every request, whether or not the account exists.
  if (int wait = limits_.hit("reset-ip:" + ip, settings_.sends_per_hour, hour)) return error(errc::rate_limited, wait);
  auto id_hash = hash_("id", idn);
  if (int wait = limits_.hit("reset-account:" + id::sha256_hex(id_hash), settings_.sends_per_hour, hour))
    return error(errc::rate_limited, wait);
  db::in_transaction(db_, [&](db::transaction& tx) {
    auto person = db::person_by_id_and_mobile(tx.conn(), id_hash, hash_("mobile", m));
    if (!person) return;
    auto code = six_digits();
    json::object payload{{"kind", "one_time_code"},
                         {"purpose", purpose},
                         {"mobile", m},
                         {"mobile_masked", id::mask_mobile(m)},
                         {"text", "【人社网上办事大厅】您正在找回密码，验证码 " + code + "，" +
                                      std::to_string(settings_.code_minutes) + " 分钟内有效。如非本人操作，请忽略。"},
                         {"text_en", "Hall of HR and social security: your code to reset the password is " + code +
                                         ", valid for " + std::to_string(settings_.code_minutes) +
                                         " minutes. If you did not ask for it, ignore this message."}};
    db::insert_one_time_code(tx.conn(), purpose, *person, code_hash(*person, code), settings_.code_minutes,
                             json::serialize(payload));
    db::audit(tx, {"password_reset_code_sent", std::nullopt, std::nullopt, *person, std::nullopt, ip});
  });
  return ok();
}

status password_resets::confirm(const std::string& id_number, const std::string& mobile, const std::string& code,
                                const std::string& new_password, const std::string& ip) {
  auto rule = id::check_password_rule(new_password);
  if (!rule.ok()) return error::broken_rule(id::describe(rule.failure));  // before any code is spent
  if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos) return errc::invalid_code;
  auto id_hash = hash_("id", id::normalize_code_input(id_number));
  auto mobile_hash = hash_("mobile", id::normalize_mobile_input(mobile));
  auto new_hash = id::hash_password(new_password);
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto person = db::person_by_id_and_mobile(tx.conn(), id_hash, mobile_hash);
    if (!person) return errc::invalid_code;
    auto live = db::live_one_time_code(tx.conn(), purpose, *person);
    if (!live || live->tries >= settings_.code_tries) return errc::invalid_code;
    if (!id::constant_time_equal(live->code_hash, code_hash(*person, code))) {
      db::count_try(tx.conn(), live->id);
      db::audit(tx, {"password_reset_code_wrong", std::nullopt, std::nullopt, *person, std::nullopt, ip});
      return errc::invalid_code;  // the try is counted: the transaction commits
    }
    db::mark_code_used(tx.conn(), live->id);
    db::set_password_hash(tx, *person, new_hash);
    int ended = db::revoke_sessions_of(tx.conn(), *person, std::nullopt);
    db::audit(tx, {"password_reset", std::nullopt, std::nullopt, *person, std::nullopt, ip,
                   json::serialize(json::object{{"sessions_ended", ended}})});
    return ok();
  });
}

}  // namespace hallpass::server::services
