#include "hallpass/server/services/registration.hpp"

#include <boost/json.hpp>

#include "hallpass/server/db/one_time_codes_store.hpp"
#include "hallpass/server/identity/validators.hpp"

namespace hallpass::server::services {

namespace id = identity;
namespace json = boost::json;

namespace {

constexpr int hour = 3600;
constexpr int clock_skew_seconds = 60;  // a verdict this far in our future still counts

std::int64_t unix_seconds(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

status known_id_type(const std::string& id_type) {
  // Only the resident ID card for now (schema/0001: persons.id_type).
  return id_type == "resident_id" ? ok() : status(errc::unsupported_id_type);
}

std::string detail(const std::string& check_id) {
  return json::serialize(json::object{{"registered_online", true}, {"identity_check", check_id}});
}

}  // namespace

registration::registration(db::pool& db, const personal_data_hasher& hash, rate_limiter& limits, const clock& clock,
                           accounts& accounts, mobile_codes& codes, const real_name_service& real_name,
                           registration_settings settings)
    : db_(db),
      hash_(hash),
      limits_(limits),
      clock_(clock),
      accounts_(accounts),
      codes_(codes),
      real_name_(real_name),
      settings_(settings) {}

status registration::limit(const char* what, int per_hour, const std::string& ip) {
  if (int wait = limits_.hit(std::string(what) + ":" + ip, per_hour, hour)) return error(errc::rate_limited, wait);
  return ok();
}

result<started_check> registration::start_check(const std::string& purpose, const std::string& name,
                                                const std::string& id_type, const std::string& id_number,
                                                const std::string& ip) {
  if (!real_name_.configured()) return errc::registration_unavailable;
  if (purpose != "person" && purpose != "unit") return errc::invalid_input;
  if (name.empty() || name.size() > 64 * 4) return errc::invalid_person_name;
  if (auto known = known_id_type(id_type); !known) return known.err();
  auto idn = id::normalize_code_input(id_number);
  if (auto p = id::check_resident_id(idn); p != id::resident_id_problem::none) return error::broken_rule(id::describe(p));
  if (auto limited = limit("identity-check-ip", settings_.checks_per_ip_per_hour, ip); !limited) return limited.err();
  if (purpose == "person") {
    bool exists = db::in_transaction(db_, [&](db::transaction& tx) {
      return db::find_person_by_login(tx, hash_("id", idn)).has_value();
    });
    if (exists) return errc::person_exists;
  }
  return real_name_.start(name, id_type, idn, purpose);
}

result<check_state> registration::check(const std::string& check_id) {
  auto c = real_name_.fetch(check_id);
  if (!c) return c.err();
  check_state s{c->status, 0};
  if (c->status == "passed") {
    s.valid_until = c->checked_at + settings_.check_minutes * 60;
    if (unix_seconds(clock_.now()) > s.valid_until) s.status = "expired";
  }
  return s;
}

status registration::verified(const std::string& check_id, const std::string& purpose, const std::string& name,
                              const std::string& id_number) {
  auto c = real_name_.fetch(check_id);
  if (!c) return c.err();
  if (c->status == "pending") return errc::identity_check_pending;
  if (c->status != "passed") return errc::identity_check_failed;
  // A statement about someone else, or made for the other kind of registration.
  if (c->purpose != purpose || c->name != name || c->id_type != "resident_id" ||
      id::normalize_code_input(c->id_number) != id_number)
    return errc::identity_check_mismatch;
  auto now = unix_seconds(clock_.now());
  if (c->checked_at > now + clock_skew_seconds || now - c->checked_at > settings_.check_minutes * 60)
    return errc::identity_check_expired;
  return ok();
}

result<std::int64_t> registration::register_person(const person_registration& in, const std::string& ip) {
  if (!real_name_.configured()) return errc::registration_unavailable;
  if (auto known = known_id_type(in.id_type); !known) return known.err();
  person_input p{in.name, in.id_number, in.mobile, in.password, ip, detail(in.check_id)};
  // The input's rules first (create_person checks them again), so that bad input spends neither a
  // call of the real-name service nor a try of the code.
  auto idn = id::normalize_code_input(in.id_number);
  auto m = id::normalize_mobile_input(in.mobile);
  if (in.name.empty() || in.name.size() > 64 * 4) return errc::invalid_person_name;
  if (auto bad = id::check_resident_id(idn); bad != id::resident_id_problem::none)
    return error::broken_rule(id::describe(bad));
  if (!id::is_valid_mobile(m)) return error::broken_rule(id::invalid_mobile_message());
  if (auto rule = id::check_password_rule(in.password); !rule.ok()) return error::broken_rule(id::describe(rule.failure));
  if (auto limited = limit("register-ip", settings_.attempts_per_ip_per_hour, ip); !limited) return limited.err();
  if (auto ok_check = verified(in.check_id, "person", in.name, idn); !ok_check) return ok_check.err();
  auto mobile_hash = hash_("mobile", m);
  return accounts_.create_person(p, [&](db::transaction& tx) -> status {
    if (db::identity_check_used(tx.conn(), in.check_id)) return errc::identity_check_used;
    if (auto code = codes_.use_registration_code(tx, mobile_hash, in.code, ip); !code) return code;  // its try is kept
    db::use_identity_check(tx.conn(), in.check_id, "person");
    return ok();
  });
}

result<registered_unit> registration::register_unit(const caller& who, const unit_registration& in,
                                                    const std::string& ip) {
  if (!real_name_.configured()) return errc::registration_unavailable;
  if (auto known = known_id_type(in.legal_rep_id_type); !known) return known.err();
  auto uscc = id::normalize_code_input(in.uscc);
  if (auto bad = id::check_uscc(uscc); bad != id::uscc_problem::none) return error::broken_rule(id::describe(bad));
  if (in.name.empty() || in.name.size() > 128 * 4) return errc::invalid_unit_name;
  auto idn = id::normalize_code_input(in.legal_rep_id_number);
  if (auto bad = id::check_resident_id(idn); bad != id::resident_id_problem::none)
    return error::broken_rule(id::describe(bad));
  // The signed-in person registers their own unit: the ID and name must be theirs.
  bool is_caller = db::in_transaction(db_, [&](db::transaction& tx) {
    auto p = db::find_person_by_login(tx, hash_("id", idn));
    return p && p->id == who.person_id && p->name == in.legal_rep_name;
  });
  if (!is_caller) return errc::not_the_legal_rep;
  if (auto limited = limit("register-ip", settings_.attempts_per_ip_per_hour, ip); !limited) return limited.err();
  if (auto ok_check = verified(in.check_id, "unit", in.legal_rep_name, idn); !ok_check) return ok_check.err();
  unit_input u{uscc, in.name, std::nullopt, idn, who.person_id, ip, detail(in.check_id)};
  auto uid = accounts_.create_unit(u, [&](db::transaction& tx) -> status {
    if (db::identity_check_used(tx.conn(), in.check_id)) return errc::identity_check_used;
    db::use_identity_check(tx.conn(), in.check_id, "unit");
    return ok();
  });
  if (!uid) return uid.err();
  auto unit = accounts_.find_unit(uscc);
  if (!unit) return errc::unit_not_found;
  return registered_unit{unit->id, unit->unit_number, unit->uscc, unit->name};
}

}  // namespace hallpass::server::services
