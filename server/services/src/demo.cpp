#include "hallpass/server/services/demo.hpp"

#include <vector>

#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/db/review_store.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/identity/validators.hpp"
#include "hallpass/server/services/accounts.hpp"

namespace hallpass::server::services {

namespace {

std::string resident_id(const std::string& first17) { return first17 + identity::resident_id_check_digit(first17); }

std::string uscc(const std::string& org8) {
  std::string first17 = "91320412" + org8 + identity::organization_code_check_char(org8);
  return first17 + identity::uscc_check_char(first17);
}

struct demo_person {
  const char* name;
  std::string id_number;
  const char* mobile;
  const char* what;
};

}  // namespace

void load_demo_data(accounts& accounts, db::pool& db, const personal_data_hasher& hash, std::ostream& out) {
  std::vector<demo_person> people = {
      {"张伟", resident_id("32041219750312001"), "13812340001", "法定代表人 / legal representative of 单位 A"},
      {"李娜", resident_id("32041219820605002"), "13812340002", "管理员 / administrator of 单位 A"},
      {"王芳", resident_id("32041219900118003"), "13812340003", "经办人（全部业务）/ agent (all business) of A, agent of B"},
      {"刘洋", resident_id("32041219931023004"), "13812340004", "经办人（劳务派遣）/ agent (labour dispatch only) of A"},
      {"陈静", resident_id("32041219880707005"), "13812340005", "经办人，授权已过期 / agent of A, grant expired"},
      {"赵磊", resident_id("32041219700901006"), "13812340006", "法定代表人 / legal representative of 单位 B"},
      {"周敏", resident_id("32041219951212007"), "13812340007", "个人，无单位 / a person with no unit"},
      {"孙丽", resident_id("32041219860315008"), "13812340008", "窗口受理 / clerk of every office"},
      {"吴强", resident_id("32041219790822009"), "13812340009", "审核 / reviewer of every office"},
      {"郑华", resident_id("32041219680130011"), "13812340011", "负责人 / head of every office"},
  };
  for (auto& p : people) {
    auto r = accounts.create_person({p.name, p.id_number, std::string(p.mobile), std::string(demo_password)});
    if (!r && r.err().code != errc::person_exists) throw std::runtime_error(std::string("demo person: cannot create ") + p.name);
  }
  std::string unit_a = uscc("MA1XK7P2"), unit_b = uscc("MA2HT9Q4");
  for (auto& [code, name, rep, number] :
       std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {unit_a, "常州示范劳务派遣有限公司", people[0].id_number, "32000101"},
           {unit_b, "常州示范人力资源服务有限公司", people[5].id_number, "32000102"}}) {
    auto r = accounts.create_unit({code, name, number, rep});
    if (!r && r.err().code != errc::unit_exists) throw std::runtime_error("demo unit: cannot create " + name);
  }

  db::in_transaction(db, [&](db::transaction& tx) {
    auto ua = db::find_unit_by_code(tx, unit_a);
    auto ub = db::find_unit_by_code(tx, unit_b);
    auto pid = [&](int i) { return db::find_person_by_login(tx, hash("id", people[i].id_number))->id; };
    auto grant = [&](const db::unit_row& u, int person, const char* role, std::optional<std::vector<std::string>> scope,
                     std::string from, std::string until) {
      if (db::find_live_grant(tx, u.id, pid(person))) return;
      db::insert_grant(tx, u.id, pid(person), role, {std::move(scope), from, until}, u.legal_rep_id);
    };
    std::string today = accounts.today();
    std::string year_end = std::to_string(std::stoi(today.substr(0, 4)) + 1) + "-12-31";
    grant(*ua, 1, "admin", std::nullopt, today, year_end);
    grant(*ua, 2, "agent", std::nullopt, today, year_end);
    grant(*ua, 3, "agent", std::vector<std::string>{"labour_dispatch"}, today, year_end);
    grant(*ua, 4, "agent", std::nullopt, "2024-01-01", "2024-12-31");
    grant(*ub, 2, "agent", std::vector<std::string>{"hr_agency_setup"}, today, year_end);
    // Hall staff: one of each role in every office of the catalogue.
    auto offices = tx.exec("SELECT code FROM offices ORDER BY code");
    for (int i = 0; i < offices.size(); ++i)
      for (auto [person, role] : {std::pair{7, "clerk"}, std::pair{8, "reviewer"}, std::pair{9, "head"}})
        db::upsert_staff(tx.conn(), pid(person), offices.str(i, 0), role);
    // A device client for the RFC 8628 device login.
    db::save_device_client(tx.conn(), demo_device_client, "大厅演示电视 (demo TV)");
  });

  out << "Demo data (password for everyone: " << demo_password << ")\n"
      << "  单位 A 常州示范劳务派遣有限公司      USCC " << unit_a << "  unit number 32000101\n"
      << "  单位 B 常州示范人力资源服务有限公司  USCC " << unit_b << "  unit number 32000102\n";
  for (auto& p : people) {
    out << "  " << p.name << "  ID " << p.id_number << "  mobile " << p.mobile << "  " << p.what << "\n";
  }
  out << "  device client (RFC 8628): client_id " << demo_device_client << "\n" << std::flush;
}

}  // namespace hallpass::server::services
