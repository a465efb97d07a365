#pragma once
// Start-up steps shared by hallpass-server, hallpass-admin and the tests.
#include <memory>
#include <string>

#include "hallpass/server/app.hpp"
#include "hallpass/server/config.hpp"
#include "hallpass/server/db/embedded_postgres.hpp"

namespace hallpass::server {

struct database_handle {
  std::unique_ptr<db::embedded_postgres> embedded;  // null when database_url is used
  std::string conninfo;
};

// With cfg.database_url: that server. Without: the embedded cluster in data_dir/postgres.
// Throws std::runtime_error with a message for the operator.
database_handle open_database(const config& cfg);

// Applies the migrations in cfg.schema_dir; throws std::runtime_error on a changed file.
void run_migrations(const std::string& conninfo, const std::string& schema_dir);

// cfg.data_key, or the key in data_dir/keys/data.key (created with 0600 on first run).
std::string load_data_key(const config& cfg);

// Everything but the network: database, migrations, key, pool.
std::unique_ptr<app> make_app(const config& cfg, const std::string& conninfo);

}  // namespace hallpass::server
