// hallpass-admin: operator commands (persons, units, grants, demo data, embedded PostgreSQL).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "hallpass/server/api/api_error.hpp"
#include "hallpass/server/app/bootstrap.hpp"
#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/services/demo.hpp"
#include "hallpass/server/services/login_tickets.hpp"

using namespace hallpass::server;

namespace {

const char* usage =
    "usage: hallpass-admin [server options] COMMAND [command options]\n\n"
    "Commands:\n"
    "  demo                     load the demo data set (idempotent) and print its credentials\n"
    "  migrate                  apply the schema migrations\n"
    "  create-person --name N --id-number X [--mobile M] [--password P]\n"
    "  create-unit --uscc C --name N --legal-rep-id-number X [--unit-number U]\n"
    "  create-staff --office CODE --role clerk|reviewer|head --id-number X\n"
    "                           give a person a role in an office of the catalogue (窗口受理 clerk,\n"
    "                           审核 reviewer, 负责人 head); create the person first\n"
    "  grant --unit USCC --role admin|agent --name N --id-number X --until YYYY-MM-DD\n"
    "        [--from YYYY-MM-DD] [--scope code1,code2]   (granted by the unit's legal representative)\n"
    "  list-grants --unit USCC  the unit's live grants, with their ids\n"
    "  revoke-grant --unit USCC --grant ID   end a grant at once (its sessions and upload codes too)\n"
    "  change-legal-rep --unit USCC --name N --id-number X\n"
    "                           record a new legal representative (an existing person); a grant they\n"
    "                           held in the unit ends, and the former one loses the unit\n"
    "  register-client --client-id ID --name NAME\n"
    "                           register a device client of the RFC 8628 device login (again: rename\n"
    "                           it); the phone shows NAME as the site asking\n"
    "  register-kiosk --kiosk-id ID --name NAME --credential FILE\n"
    "                           register a self-service kiosk and write its credential (the server's\n"
    "                           address, the id and a new secret) to FILE, created with mode 0600 for\n"
    "                           hallpass-kiosk; again for the same id: a new secret, the old one stops\n"
    "                           working (a revoked kiosk comes back)\n"
    "  revoke-kiosk --kiosk-id ID\n"
    "                           stop a kiosk at once: it can no longer sign anyone in, and the sessions\n"
    "                           open on it end\n"
    "  keys-list                the document signing keys: id, created, retired (the live one has none)\n"
    "  keys-rotate              make a new signing key for new documents; the previous one is retired\n"
    "                           (what it signed verifies until it expires)\n"
    "  keys-retire --key-id N   retire a key now (the next document makes a new one)\n"
    "  trust-list               print the signed list of public keys that offline verifiers cache\n"
    "  revoke-document --serial HEX --reason TEXT\n"
    "                           revoke a signed document (its QR code then checks as revoked online)\n"
    "  postgres-start           start the embedded PostgreSQL of --data-dir and leave it running;\n"
    "                           prints its connection string\n"
    "  postgres-stop            stop it\n\n"
    "Server options are those of hallpass-server (--data-dir, --database-url, --config, ...).\n"
    "The password may also come from HALLPASS_NEW_PASSWORD instead of --password.\n";

// A new file only its owner may read (0600 from the start, never wider for a moment); an
// existing file is left alone.
void write_private_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno) + " (the credential file must be new)");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) throw std::runtime_error(path + ": could not be written");
}

int fail(const services::error& e) {
  auto shown = api::to_api_error(e);
  std::cerr << "hallpass-admin: " << shown.message << " / " << shown.message_en << " (" << shown.code << ")\n";
  return 1;
}

// The unit named by USCC or unit number, and a caller acting as its legal representative (the
// operator acts on the unit's behalf). Throws when there is no such unit.
std::pair<db::unit_row, services::caller> as_legal_rep(assembly& parts, const std::string& code) {
  auto unit = parts.accounts.find_unit(code);
  if (!unit) throw std::runtime_error("no unit " + code + " / 没有该单位");
  services::caller rep;
  rep.person_id = unit->legal_rep_id;
  rep.unit_id = unit->id;
  rep.role = "legal_rep";
  return {*unit, rep};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<const char*> server_args{argv[0]};
  std::string command;
  std::map<std::string, std::string> opts;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (command.empty() && a.rfind("--", 0) != 0) {
      command = a;
    } else if (command.empty()) {
      server_args.push_back(argv[i]);
      if (a.find('=') == std::string::npos && a != "--help" && a != "--demo" && i + 1 < argc) server_args.push_back(argv[++i]);
    } else if (a.rfind("--", 0) == 0 && i + 1 < argc) {
      opts[a.substr(2)] = argv[++i];
    } else {
      std::cerr << "hallpass-admin: unexpected argument " << a << "\n" << usage;
      return 2;
    }
  }
  config cfg;
  auto loaded = load_config(cfg, static_cast<int>(server_args.size()), server_args.data());
  if (loaded.show_help || command.empty() || command == "help") {
    std::cout << usage;
    return command.empty() && !loaded.show_help ? 2 : 0;
  }
  for (auto& e : loaded.errors) std::cerr << "hallpass-admin: " << e << "\n";
  if (!loaded.errors.empty()) return 2;
  auto need = [&](const char* k) -> std::string {
    auto it = opts.find(k);
    if (it == opts.end()) throw std::invalid_argument(std::string("missing --") + k);
    return it->second;
  };
  auto maybe = [&](const char* k) -> std::optional<std::string> {
    auto it = opts.find(k);
    return it == opts.end() ? std::nullopt : std::optional(it->second);
  };

  try {
    if (command == "postgres-start" || command == "postgres-stop") {
      if (!cfg.database_url.empty()) throw std::invalid_argument("--database-url names an outside server");
      db::embedded_postgres pg(cfg.data_dir + "/postgres");
      auto conninfo = pg.start("hallpass");
      if (command == "postgres-start") {
        pg.keep_running();
        std::cout << conninfo << std::endl;
      } else {
        pg.stop();
      }
      return 0;
    }

    auto database = open_database(cfg);
    // A cluster the server is running stays up; one started only for this command stops again.
    if (database.embedded && database.embedded->adopted()) database.embedded->keep_running();
    run_migrations(database.conninfo, cfg.schema_dir);
    cfg.db_pool_size = 2;
    assembly parts(cfg, database.conninfo);

    if (command == "migrate") {
      std::cout << "schema is up to date\n";
    } else if (command == "demo") {
      parts.load_demo_data(std::cout);
    } else if (command == "create-person") {
      auto pw = maybe("password");
      if (!pw) {
        if (const char* e = std::getenv("HALLPASS_NEW_PASSWORD")) pw = e;
      }
      auto r = parts.accounts.create_person({need("name"), need("id-number"), maybe("mobile"), pw});
      if (!r) return fail(r.err());
      std::cout << "person " << r.value() << " created\n";
    } else if (command == "create-unit") {
      auto r = parts.accounts.create_unit({need("uscc"), need("name"), maybe("unit-number"), need("legal-rep-id-number")});
      if (!r) return fail(r.err());
      std::cout << "unit " << r.value() << " created\n";
    } else if (command == "create-staff") {
      auto r = parts.accounts.add_staff(need("id-number"), need("office"), need("role"));
      if (!r) return fail(r.err());
      std::cout << "staff role " << need("role") << " in " << need("office") << " given\n";
    } else if (command == "register-client") {
      if (auto r = parts.tickets.register_device_client(need("client-id"), need("name")); !r) return fail(r.err());
      std::cout << "device client " << need("client-id") << " registered\n";
    } else if (command == "register-kiosk") {
      auto secret = parts.tickets.register_kiosk(need("kiosk-id"), need("name"));
      if (!secret) return fail(secret.err());
      write_private_file(need("credential"),
                         boost::json::serialize(boost::json::object{{"server", cfg.public_url},
                                                                    {"client_id", need("kiosk-id")},
                                                                    {"client_secret", *secret}}) + "\n");
      std::cout << "kiosk " << need("kiosk-id") << " registered; its credential is in " << need("credential") << "\n";
    } else if (command == "revoke-kiosk") {
      auto ended = parts.tickets.revoke_kiosk(need("kiosk-id"));
      if (!ended) return fail(ended.err());
      std::cout << "kiosk " << need("kiosk-id") << " revoked; " << *ended << " session(s) ended\n";
    } else if (command == "keys-list") {
      using hallpass::signing::utc_time;
      for (auto& k : parts.signing.keys())
        std::cout << k.key_id << "\tcreated " << utc_time(k.created_at) << "\t"
                  << (k.retired_at ? "retired " + utc_time(*k.retired_at) : std::string("live")) << "\n";
    } else if (command == "keys-rotate") {
      std::cout << "signing key " << parts.signing.rotate_key() << " is live\n";
    } else if (command == "keys-retire") {
      if (auto r = parts.signing.retire_key(std::stoll(need("key-id"))); !r) return fail(r.err());
      std::cout << "signing key " << need("key-id") << " retired\n";
    } else if (command == "trust-list") {
      std::cout << parts.signing.signed_trust_list() << "\n";
    } else if (command == "revoke-document") {
      if (auto r = parts.signing.revoke(need("serial"), need("reason")); !r) return fail(r.err());
      std::cout << "document " << need("serial") << " revoked\n";
    } else if (command == "list-grants") {
      auto [unit, rep] = as_legal_rep(parts, need("unit"));
      auto r = parts.accounts.list_grants(rep, unit.id);
      if (!r) return fail(r.err());
      for (auto& g : *r) {
        std::string scope = "all";
        if (g.scope) {
          scope.clear();
          for (auto& c : *g.scope) scope += (scope.empty() ? "" : ",") + c;
        }
        std::cout << g.id << "\t" << g.role << "\t" << g.person_name << "\t" << g.person_id_masked << "\t" << g.valid_from
                  << " .. " << g.valid_until << "\t" << scope << "\t"
                  << (g.revoked ? "revoked" : g.valid_now ? "valid" : "not valid today") << "\n";
      }
    } else if (command == "revoke-grant") {
      auto [unit, rep] = as_legal_rep(parts, need("unit"));
      if (auto r = parts.accounts.revoke_grant(rep, unit.id, std::stoll(need("grant")), "operator"); !r) return fail(r.err());
      std::cout << "grant " << need("grant") << " revoked\n";
    } else if (command == "change-legal-rep") {
      auto [unit, rep] = as_legal_rep(parts, need("unit"));
      if (auto r = parts.accounts.change_legal_rep(unit.id, need("id-number"), need("name"), "operator"); !r)
        return fail(r.err());
      std::cout << "legal representative of " << unit.name << " is now " << need("name") << "\n";
    } else if (command == "grant") {
      auto [unit_row, rep] = as_legal_rep(parts, need("unit"));
      auto* unit = &unit_row;
      services::grant_input in{need("role"), need("id-number"), need("name"), std::nullopt, maybe("from"), need("until")};
      if (auto s = maybe("scope")) {
        std::vector<std::string> codes;
        std::stringstream ss(*s);
        for (std::string c; std::getline(ss, c, ',');) codes.push_back(c);
        in.scope = codes;
      }
      auto r = parts.accounts.add_grant(rep, unit->id, in, "operator");
      if (!r) return fail(r.err());
      std::cout << "grant " << r->id << " created: " << r->role << " " << r->valid_from << " .. " << r->valid_until << "\n";
    } else {
      std::cerr << "hallpass-admin: unknown command " << command << "\n" << usage;
      return 2;
    }
    return 0;
  } catch (const std::invalid_argument& e) {
    std::cerr << "hallpass-admin: " << e.what() << "\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hallpass-admin: " << e.what() << "\n";
    return 1;
  }
}
