#include "hallpass/server/services/accounts.hpp"

#include <chrono>
#include <regex>

#include <boost/json.hpp>

#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/db/review_store.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/identity/password_hash.hpp"
#include "hallpass/server/identity/validators.hpp"

namespace hallpass::server::services {

namespace id = identity;

namespace {

error rule_error(const id::rule_message& m) { return error::broken_rule(m); }

error unit_not_found() { return errc::unit_not_found; }

bool is_date(const std::string& s) {
  static const std::regex re(R"(\d{4}-\d{2}-\d{2})");
  if (!std::regex_match(s, re)) return false;
  std::chrono::year_month_day d{std::chrono::year(std::stoi(s.substr(0, 4))),
                                std::chrono::month(static_cast<unsigned>(std::stoi(s.substr(5, 2)))),
                                std::chrono::day(static_cast<unsigned>(std::stoi(s.substr(8, 2))))};
  return d.ok();
}

// A scope lists 1 to 200 codes, each a service of the catalogue (error::items: the unknown ones).
std::optional<error> check_scope(db::transaction& tx, const std::optional<std::vector<std::string>>& scope) {
  if (!scope) return std::nullopt;
  static const std::regex code(R"([A-Za-z0-9_.\-]{1,64})");
  if (scope->empty() || scope->size() > 200)
    return errc::invalid_scope;
  for (auto& s : *scope)
    if (!std::regex_match(s, code))
      return errc::invalid_scope;
  if (auto unknown = db::unknown_service_codes(tx, *scope); !unknown.empty()) {
    error e(errc::unknown_service_code);
    e.items = std::move(unknown);
    return e;
  }
  return std::nullopt;
}

// Checks that `who` may manage grants of `role` in unit_id.
std::optional<error> may_manage(const caller& who, std::int64_t unit_id, const std::string& role) {
  if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();  // never reveal others' units
  if (who.role == "agent")
    return errc::agents_cannot_grant;
  if (role == "admin" && who.role != "legal_rep")
    return errc::only_legal_rep_manages_admin;
  return std::nullopt;
}

std::string grant_detail(const std::string& role, const db::grant_change& g) {
  boost::json::value scope = nullptr;
  if (g.scope) scope = boost::json::value_from(*g.scope);
  return boost::json::serialize(boost::json::object{
      {"role", role}, {"scope", scope}, {"valid_from", g.valid_from}, {"valid_until", g.valid_until}});
}

}  // namespace

accounts::accounts(db::pool& db, const personal_data_hasher& hash, const clock& clock)
    : db_(db), hash_(hash), clock_(clock) {}

std::string accounts::today() const { return china_date(clock_.now()); }

std::optional<error> accounts::check_window(const std::string& from, const std::string& until) const {
  if (!is_date(from) || !is_date(until))
    return errc::invalid_date;
  if (until < from)
    return errc::invalid_window;
  if (until < today())
    return errc::window_in_past;
  return std::nullopt;
}

status accounts::add_staff(const std::string& id_number, const std::string& office_code, const std::string& role) {
  if (role != "clerk" && role != "reviewer" && role != "head") return errc::invalid_role;
  auto idn = id::normalize_code_input(id_number);
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto person = db::find_person_by_login(tx, hash_("id", idn));
    if (!person) return errc::person_not_found;
    if (!db::upsert_staff(tx.conn(), person->id, office_code, role)) return errc::office_not_found;
    db::audit(tx, {"staff_added", std::nullopt, std::nullopt, person->id, std::nullopt, "",
                   boost::json::serialize(boost::json::object{{"office", office_code}, {"role", role}})});
    return ok();
  });
}

result<std::int64_t> accounts::create_person(const person_input& in, const before_insert& first) {
  auto name = in.name;
  if (name.empty() || name.size() > 64 * 4)
    return errc::invalid_person_name;
  auto idn = id::normalize_code_input(in.id_number);
  if (auto p = id::check_resident_id(idn); p != id::resident_id_problem::none) return rule_error(id::describe(p));
  db::new_person np{name, hash_("id", idn), id::mask_id_number(idn)};
  if (in.mobile) {
    auto m = id::normalize_mobile_input(*in.mobile);
    if (!id::is_valid_mobile(m)) return rule_error(id::invalid_mobile_message());
    np.mobile_hash = hash_("mobile", m);
    np.mobile_masked = id::mask_mobile(m);
  }
  if (in.password) {
    auto rule = id::check_password_rule(*in.password);
    if (!rule.ok()) return rule_error(id::describe(rule.failure));
    np.password_hash = id::hash_password(*in.password);
  }
  try {
    return db::in_transaction(db_, [&](db::transaction& tx) -> result<std::int64_t> {
      if (first) {
        if (db::find_person_by_login(tx, np.id_number_hash)) return errc::person_exists;
        if (np.mobile_hash && db::find_person_by_login(tx, *np.mobile_hash)) return errc::mobile_taken;
        if (auto done = first(tx); !done) return done.err();  // what it changed is committed
      }
      auto pid = db::insert_person(tx, np);
      db::audit(tx, {"person_created", std::nullopt, std::nullopt, pid, std::nullopt, in.ip, in.audit_detail_json});
      return pid;
    });
  } catch (const db::db_error& e) {
    if (e.kind() != db::error_kind::unique_violation) throw;
    return errc::person_exists;
  }
}

result<std::int64_t> accounts::create_unit(const unit_input& in, const before_insert& first) {
  auto uscc = id::normalize_code_input(in.uscc);
  if (auto p = id::check_uscc(uscc); p != id::uscc_problem::none) return rule_error(id::describe(p));
  if (in.name.empty() || in.name.size() > 128 * 4)
    return errc::invalid_unit_name;
  if (in.unit_number && !std::regex_match(*in.unit_number, std::regex(R"(\d{6,20})")))
    return errc::invalid_unit_number;
  auto rep_hash = hash_("id", id::normalize_code_input(in.legal_rep_id_number));
  try {
    return db::in_transaction(db_, [&](db::transaction& tx) -> result<std::int64_t> {
      auto rep = db::find_person_by_login(tx, rep_hash);
      if (!rep)
        return errc::legal_rep_not_found;
      if (first) {
        if (db::find_unit_by_code(tx, uscc)) return errc::unit_exists;
        if (auto done = first(tx); !done) return done.err();
      }
      auto number = in.unit_number ? *in.unit_number : db::next_unit_number(tx);
      auto uid = db::insert_unit(tx, uscc, number, in.name, rep->id);
      db::audit(tx, {"unit_created", rep->id == in.actor_person_id ? in.actor_person_id : std::nullopt, uid, rep->id,
                     std::nullopt, in.ip, in.audit_detail_json});
      return uid;
    });
  } catch (const db::db_error& e) {
    if (e.kind() != db::error_kind::unique_violation) throw;
    return errc::unit_exists;
  }
}

result<db::grant_row> accounts::add_grant(const caller& who, std::int64_t unit_id, const grant_input& in,
                                const std::string& ip) {
  if (in.role != "admin" && in.role != "agent")
    return errc::invalid_role;
  if (auto e = may_manage(who, unit_id, in.role)) return *e;
  db::grant_change g{in.role == "agent" ? in.scope : std::nullopt, in.valid_from.value_or(today()), in.valid_until};
  if (in.role == "admin" && in.scope)
    return errc::admin_has_no_scope;
  if (auto e = check_window(g.valid_from, g.valid_until)) return *e;
  auto person_hash = hash_("id", id::normalize_code_input(in.person_id_number));

  try {
    return db::in_transaction(db_, [&](db::transaction& tx) -> result<db::grant_row> {
      // Locking the unit row serialises grant changes of one unit, so the limits hold under concurrency.
      auto unit = db::find_unit(tx, unit_id, true);
      if (!unit) return unit_not_found();
      if (auto e = check_scope(tx, g.scope)) return *e;
      auto person = db::find_person_by_login(tx, person_hash);
      if (!person || person->name != in.person_name)
        return errc::person_not_found;
      if (person->id == unit->legal_rep_id)
        return errc::legal_rep_needs_no_grant;
      if (db::find_live_grant(tx, unit_id, person->id))
        return errc::grant_exists;
      if (in.role == "agent" && db::count_live_agents(tx, unit_id) >= max_agents_per_unit)
        return errc::agent_limit_reached;
      std::int64_t gid = 0;
      try {
        gid = db::insert_grant(tx, unit_id, person->id, in.role, g, who.person_id);
      } catch (const db::db_error& e) {
        if (e.kind() == db::error_kind::unique_violation && e.constraint == "grants_one_admin")
          return errc::admin_exists;
        throw;
      }
      db::audit(tx, {"grant_created", who.person_id, unit_id, person->id, gid, ip, grant_detail(in.role, g)});
      return *db::find_grant(tx, unit_id, gid, false);
    });
  } catch (const db::db_error& e) {
    if (e.kind() == db::error_kind::unique_violation)
      return errc::grant_exists;
    throw;
  }
}

result<db::grant_row> accounts::change_grant(const caller& who, std::int64_t unit_id, std::int64_t grant_id,
                                   const grant_update& in, const std::string& ip) {
  return db::in_transaction(db_, [&](db::transaction& tx) -> result<db::grant_row> {
    if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();
    auto g = db::find_grant(tx, unit_id, grant_id, true);
    if (!g || g->revoked) return errc::grant_not_found;
    if (auto e = may_manage(who, unit_id, g->role)) return *e;
    if (g->person_id == who.person_id)
      return errc::cannot_change_own_grant;
    db::grant_change c{g->scope, in.valid_from.value_or(g->valid_from), in.valid_until.value_or(g->valid_until)};
    if (in.scope) {
      if (g->role == "admin")
        return errc::admin_has_no_scope;
      c.scope = *in.scope;
    }
    if (auto e = check_scope(tx, c.scope)) return *e;
    if (auto e = check_window(c.valid_from, c.valid_until)) return *e;
    db::update_grant(tx, grant_id, c);
    db::revoke_codes_creator_lost(tx.conn(), unit_id, g->person_id);  // upload codes outside the new scope or window
    db::audit(tx, {"grant_changed", who.person_id, unit_id, g->person_id, grant_id, ip, grant_detail(g->role, c)});
    return *db::find_grant(tx, unit_id, grant_id, false);
  });
}

status accounts::revoke_grant(const caller& who, std::int64_t unit_id, std::int64_t grant_id, const std::string& ip) {
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();
    auto g = db::find_grant(tx, unit_id, grant_id, true);
    if (!g || g->revoked) return errc::grant_not_found;
    if (auto e = may_manage(who, unit_id, g->role)) return *e;
    db::revoke_grant(tx, grant_id, who.person_id);
    db::revoke_codes_creator_lost(tx.conn(), unit_id, g->person_id);  // its upload codes die with it
    db::audit(tx, {"grant_revoked", who.person_id, unit_id, g->person_id, grant_id, ip});
    return ok();
  });
}

status accounts::change_legal_rep(std::int64_t unit_id, const std::string& id_number, const std::string& name,
                                  const std::string& ip) {
  auto person_hash = hash_("id", id::normalize_code_input(id_number));
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto unit = db::find_unit(tx, unit_id, true);
    if (!unit) return unit_not_found();
    auto person = db::find_person_by_login(tx, person_hash);
    if (!person || person->name != name) return errc::person_not_found;
    if (person->id == unit->legal_rep_id) return ok();
    if (auto g = db::find_live_grant(tx, unit_id, person->id)) {
      db::revoke_grant(tx, g->id, unit->legal_rep_id);
      db::revoke_codes_creator_lost(tx.conn(), unit_id, person->id);
    }
    db::set_legal_rep(tx, unit_id, person->id);
    db::revoke_codes_creator_lost(tx.conn(), unit_id, unit->legal_rep_id);
    db::audit(tx, {"legal_rep_changed", std::nullopt, unit_id, person->id, std::nullopt, ip,
                   boost::json::serialize(boost::json::object{{"former_person_id", unit->legal_rep_id}})});
    return ok();
  });
}

result<std::vector<db::grant_row>> accounts::list_grants(const caller& who, std::int64_t unit_id) {
  if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();
  if (who.role == "agent")
    return errc::agents_cannot_grant;
  return db::in_transaction(db_, [&](db::transaction& tx) { return db::grants_of_unit(tx, unit_id); }, "BEGIN READ ONLY");
}

result<std::vector<db::activity_row>> accounts::unit_activity(const caller& who, std::int64_t unit_id,
                                                              const std::string& category,
                                                              const std::optional<std::string>& before, int limit) {
  if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();
  if (who.role != "legal_rep" && who.role != "admin") return errc::unit_managers_only;
  return db::in_transaction(
      db_, [&](db::transaction& tx) { return db::unit_activity(tx, unit_id, category, before, limit); }, "BEGIN READ ONLY");
}

std::vector<db::unit_role> accounts::units_of(std::int64_t person_id) {
  return db::in_transaction(db_, [&](db::transaction& tx) { return db::units_of_person(tx, person_id); },
                        "BEGIN READ ONLY");
}

std::optional<db::unit_row> accounts::find_unit(const std::string& code) {
  return db::in_transaction(db_, [&](db::transaction& tx) { return db::find_unit_by_code(tx, code); },
                            "BEGIN READ ONLY");
}

}  // namespace hallpass::server::services
