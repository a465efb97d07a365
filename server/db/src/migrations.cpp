#include "hallpass/server/db/migrations.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace hallpass::server::db {

namespace {

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// Any fixed number: the advisory lock key that serialises migrations across nodes.
constexpr const char* lock_key = "4857201934";

}  // namespace

std::vector<migration> load_migrations(const std::string& dir) {
  std::vector<migration> out;
  for (auto& entry : std::filesystem::directory_iterator(dir)) {
    auto fname = entry.path().filename().string();
    if (entry.path().extension() != ".sql") continue;
    auto us = fname.find('_');
    if (us != 4 || !std::all_of(fname.begin(), fname.begin() + 4, ::isdigit)) {
      throw std::runtime_error("migration file name must be NNNN_name.sql: " + fname);
    }
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) throw std::runtime_error("cannot read migration " + entry.path().string());
    std::stringstream ss;
    ss << in.rdbuf();
    migration m;
    m.version = std::stoi(fname.substr(0, 4));
    m.name = fname;
    m.sql = ss.str();
    m.checksum = sha256_hex(m.sql);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      throw std::runtime_error("two migrations share one number: " + out[i - 1].name + " and " + out[i].name);
    }
  }
  return out;
}

migrate_outcome migrate(connection& c, const std::vector<migration>& files) {
  migrate_outcome outcome;
  transaction tx(c);
  tx.exec(std::string("SELECT pg_advisory_xact_lock(") + lock_key + ")");
  tx.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  auto done = tx.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  std::map<int, std::pair<std::string, std::string>> applied;
  for (int i = 0; i < done.size(); ++i) applied[static_cast<int>(done.int64(i, 0))] = {done.str(i, 1), done.str(i, 2)};

  for (auto& [version, rec] : applied) {
    auto it = std::find_if(files.begin(), files.end(), [v = version](auto& m) { return m.version == v; });
    if (it == files.end()) {
      throw std::runtime_error("migration " + rec.first + " was applied to this database but its file is gone");
    }
    if (it->checksum != rec.second) {
      throw std::runtime_error("migration " + rec.first +
                               " was changed after it was applied (checksum differs); "
                               "add a new migration instead of editing an applied one");
    }
  }
  for (auto& m : files) {
    if (applied.count(m.version)) {
      ++outcome.already;
      continue;
    }
    try {
      c.exec_script(m.sql);
    } catch (const db_error& e) {
      throw db_error(e.kind(), e.sqlstate(), "migration " + m.name + " failed: " + e.what());
    }
    tx.exec("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            {m.version, m.name, m.checksum});
    outcome.applied.push_back(m.name);
  }
  tx.commit();
  return outcome;
}

}  // namespace hallpass::server::db
