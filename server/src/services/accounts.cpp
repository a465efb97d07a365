#include "hallpass/server/services/accounts.hpp"

#include <chrono>
#include <regex>

#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/identity/password_hash.hpp"
#include "hallpass/server/identity/validators.hpp"

namespace hallpass::server::services {

namespace id = identity;

namespace {

api_error rule_error(const id::rule_message& m) {
  return {422, std::string(m.code), std::string(m.message), std::string(m.message_en)};
}

api_error unit_not_found() { return {404, "unit_not_found", "未找到该单位", "Unit not found"}; }

bool is_date(const std::string& s) {
  static const std::regex re(R"(\d{4}-\d{2}-\d{2})");
  if (!std::regex_match(s, re)) return false;
  std::chrono::year_month_day d{std::chrono::year(std::stoi(s.substr(0, 4))),
                                std::chrono::month(static_cast<unsigned>(std::stoi(s.substr(5, 2)))),
                                std::chrono::day(static_cast<unsigned>(std::stoi(s.substr(8, 2))))};
  return d.ok();
}

std::optional<api_error> check_window(const std::string& from, const std::string& until) {
  if (!is_date(from) || !is_date(until))
    return api_error{422, "invalid_date", "日期格式应为 YYYY-MM-DD", "Dates must be YYYY-MM-DD"};
  if (until < from)
    return api_error{422, "invalid_window", "授权结束日期早于开始日期", "The authorisation ends before it starts"};
  if (until < china_today())
    return api_error{422, "window_in_past", "授权结束日期已过", "The authorisation end date has already passed"};
  return std::nullopt;
}

std::optional<api_error> check_scope(const std::optional<std::vector<std::string>>& scope) {
  if (!scope) return std::nullopt;
  static const std::regex code(R"([A-Za-z0-9_.\-]{1,64})");
  if (scope->empty() || scope->size() > 200)
    return api_error{422, "invalid_scope", "业务范围不能为空", "The business scope must list 1 to 200 service codes"};
  for (auto& s : *scope)
    if (!std::regex_match(s, code))
      return api_error{422, "invalid_scope", "业务范围中有无效的事项编码", "The business scope holds an invalid service code"};
  return std::nullopt;
}

// Checks that `who` may manage grants of `role` in unit_id.
std::optional<api_error> may_manage(const caller& who, std::int64_t unit_id, const std::string& role) {
  if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();  // never reveal others' units
  if (who.role == "agent")
    return api_error{403, "agents_cannot_grant", "经办人不能进行授权", "Agents cannot grant or change authorisations"};
  if (role == "admin" && who.role != "legal_rep")
    return api_error{403, "only_legal_rep_manages_admin", "只有法定代表人可以设置管理员",
                     "Only the legal representative can appoint or change the administrator"};
  return std::nullopt;
}

std::string grant_detail(const std::string& role, const db::grant_change& g) {
  std::string scope = "null";
  if (g.scope) {
    scope = "[";
    for (std::size_t i = 0; i < g.scope->size(); ++i) scope += (i ? "," : "") + json_str((*g.scope)[i]);
    scope += "]";
  }
  return "{\"role\":" + json_str(role) + ",\"scope\":" + scope + ",\"valid_from\":" + json_str(g.valid_from) +
         ",\"valid_until\":" + json_str(g.valid_until) + "}";
}

}  // namespace

std::string china_today() {
  auto now = std::chrono::system_clock::now() + std::chrono::hours(8);
  std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(now)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

result<std::int64_t> create_person(app& a, const person_input& in) {
  auto name = in.name;
  if (name.empty() || name.size() > 64 * 4)
    return api_error{422, "invalid_name", "姓名不能为空", "The name must not be empty"};
  auto idn = id::normalize_code_input(in.id_number);
  if (auto p = id::check_resident_id(idn); p != id::resident_id_problem::none) return rule_error(id::describe(p));
  db::new_person np{name, personal_data_hash(a, "id", idn), id::mask_id_number(idn)};
  if (in.mobile) {
    auto m = id::normalize_mobile_input(*in.mobile);
    if (!id::is_valid_mobile(m)) return rule_error(id::invalid_mobile_message());
    np.mobile_hash = personal_data_hash(a, "mobile", m);
    np.mobile_masked = id::mask_mobile(m);
  }
  if (in.password) {
    auto rule = id::check_password_rule(*in.password);
    if (!rule.ok()) return rule_error(id::describe(rule.failure));
    np.password_hash = id::hash_password(*in.password);
  }
  try {
    return in_transaction(*a.db, [&](db::transaction& tx) {
      auto pid = db::insert_person(tx, np);
      db::audit(tx, {"person_created", std::nullopt, std::nullopt, pid, std::nullopt, ""});
      return pid;
    });
  } catch (const db::db_error& e) {
    if (e.kind() != db::error_kind::unique_violation) throw;
    return api_error{409, "person_exists", "该证件号码或手机号已注册", "This ID number or mobile is already registered"};
  }
}

result<std::int64_t> create_unit(app& a, const unit_input& in) {
  auto uscc = id::normalize_code_input(in.uscc);
  if (auto p = id::check_uscc(uscc); p != id::uscc_problem::none) return rule_error(id::describe(p));
  if (in.name.empty() || in.name.size() > 128 * 4)
    return api_error{422, "invalid_name", "单位名称不能为空", "The unit name must not be empty"};
  if (in.unit_number && !std::regex_match(*in.unit_number, std::regex(R"(\d{6,20})")))
    return api_error{422, "invalid_unit_number", "单位编号应为 6 到 20 位数字", "The unit number must be 6 to 20 digits"};
  auto rep_hash = personal_data_hash(a, "id", id::normalize_code_input(in.legal_rep_id_number));
  try {
    return in_transaction(*a.db, [&](db::transaction& tx) -> result<std::int64_t> {
      auto rep = db::find_person_by_login(tx, rep_hash);
      if (!rep)
        return api_error{404, "person_not_found", "未找到法定代表人，请先注册个人账号",
                         "The legal representative is not registered"};
      auto number = in.unit_number ? *in.unit_number : db::next_unit_number(tx);
      auto uid = db::insert_unit(tx, uscc, number, in.name, rep->id);
      db::audit(tx, {"unit_created", std::nullopt, uid, rep->id, std::nullopt, ""});
      return uid;
    });
  } catch (const db::db_error& e) {
    if (e.kind() != db::error_kind::unique_violation) throw;
    return api_error{409, "unit_exists", "该统一社会信用代码或单位编号已存在", "This USCC or unit number already exists"};
  }
}

result<db::grant_row> add_grant(app& a, const caller& who, std::int64_t unit_id, const grant_input& in,
                                const std::string& ip) {
  if (in.role != "admin" && in.role != "agent")
    return api_error{422, "invalid_role", "角色只能是管理员或经办人", "role must be admin or agent"};
  if (auto e = may_manage(who, unit_id, in.role)) return *e;
  db::grant_change g{in.role == "agent" ? in.scope : std::nullopt, in.valid_from.value_or(china_today()), in.valid_until};
  if (in.role == "admin" && in.scope)
    return api_error{422, "admin_has_no_scope", "管理员可办理全部业务，不设业务范围",
                     "An administrator may do all business; a scope applies to agents only"};
  if (auto e = check_scope(g.scope)) return *e;
  if (auto e = check_window(g.valid_from, g.valid_until)) return *e;
  auto person_hash = personal_data_hash(a, "id", id::normalize_code_input(in.person_id_number));

  try {
    return in_transaction(*a.db, [&](db::transaction& tx) -> result<db::grant_row> {
      // Locking the unit row serialises grant changes of one unit, so the limits hold under concurrency.
      auto unit = db::find_unit(tx, unit_id, true);
      if (!unit) return unit_not_found();
      auto person = db::find_person_by_login(tx, person_hash);
      if (!person || person->name != in.person_name)
        return api_error{404, "person_not_found", "未找到该人员，请核对姓名和证件号码（需先注册个人账号）",
                         "No registered person with this name and ID number"};
      if (person->id == unit->legal_rep_id)
        return api_error{422, "legal_rep_needs_no_grant", "法定代表人无需授权", "The legal representative needs no grant"};
      if (db::find_live_grant(tx, unit_id, person->id))
        return api_error{409, "grant_exists", "该人员已有本单位的授权，请修改或撤销原授权",
                         "This person already holds a grant of this unit; change or revoke it"};
      if (in.role == "agent" && db::count_live_agents(tx, unit_id) >= max_agents_per_unit)
        return api_error{409, "agent_limit_reached", "每个单位最多可添加 10 名经办人", "A unit may have at most 10 agents"};
      std::int64_t gid = 0;
      try {
        gid = db::insert_grant(tx, unit_id, person->id, in.role, g, who.person_id);
      } catch (const db::db_error& e) {
        if (e.kind() == db::error_kind::unique_violation && e.constraint == "grants_one_admin")
          return api_error{409, "admin_exists", "每个单位只能设置一名管理员", "A unit may have only one administrator"};
        throw;
      }
      db::audit(tx, {"grant_created", who.person_id, unit_id, person->id, gid, ip, grant_detail(in.role, g)});
      return *db::find_grant(tx, unit_id, gid, false);
    });
  } catch (const db::db_error& e) {
    if (e.kind() == db::error_kind::unique_violation)
      return api_error{409, "grant_exists", "该人员已有本单位的授权", "This person already holds a grant of this unit"};
    throw;
  }
}

result<db::grant_row> change_grant(app& a, const caller& who, std::int64_t unit_id, std::int64_t grant_id,
                                   const grant_update& in, const std::string& ip) {
  return in_transaction(*a.db, [&](db::transaction& tx) -> result<db::grant_row> {
    if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();
    auto g = db::find_grant(tx, unit_id, grant_id, true);
    if (!g || g->revoked) return api_error{404, "grant_not_found", "未找到该授权", "Grant not found"};
    if (auto e = may_manage(who, unit_id, g->role)) return *e;
    if (g->person_id == who.person_id)
      return api_error{403, "cannot_change_own_grant", "不能修改自己的授权", "You cannot change your own grant"};
    db::grant_change c{g->scope, in.valid_from.value_or(g->valid_from), in.valid_until.value_or(g->valid_until)};
    if (in.scope) {
      if (g->role == "admin")
        return api_error{422, "admin_has_no_scope", "管理员可办理全部业务，不设业务范围",
                         "An administrator may do all business; a scope applies to agents only"};
      c.scope = *in.scope;
    }
    if (auto e = check_scope(c.scope)) return *e;
    if (auto e = check_window(c.valid_from, c.valid_until)) return *e;
    db::update_grant(tx, grant_id, c);
    db::audit(tx, {"grant_changed", who.person_id, unit_id, g->person_id, grant_id, ip, grant_detail(g->role, c)});
    return *db::find_grant(tx, unit_id, grant_id, false);
  });
}

status revoke_grant(app& a, const caller& who, std::int64_t unit_id, std::int64_t grant_id, const std::string& ip) {
  return in_transaction(*a.db, [&](db::transaction& tx) -> status {
    if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();
    auto g = db::find_grant(tx, unit_id, grant_id, true);
    if (!g || g->revoked) return api_error{404, "grant_not_found", "未找到该授权", "Grant not found"};
    if (auto e = may_manage(who, unit_id, g->role)) return *e;
    db::revoke_grant(tx, grant_id, who.person_id);
    db::audit(tx, {"grant_revoked", who.person_id, unit_id, g->person_id, grant_id, ip});
    return ok();
  });
}

result<std::vector<db::grant_row>> list_grants(app& a, const caller& who, std::int64_t unit_id) {
  if (!who.unit_id || *who.unit_id != unit_id) return unit_not_found();
  if (who.role == "agent")
    return api_error{403, "agents_cannot_grant", "经办人不能查看或管理授权", "Agents cannot view or manage grants"};
  return in_transaction(*a.db, [&](db::transaction& tx) { return db::grants_of_unit(tx, unit_id); }, "BEGIN READ ONLY");
}

std::vector<db::unit_role> units_of(app& a, std::int64_t person_id) {
  return in_transaction(*a.db, [&](db::transaction& tx) { return db::units_of_person(tx, person_id); },
                        "BEGIN READ ONLY");
}

}  // namespace hallpass::server::services
