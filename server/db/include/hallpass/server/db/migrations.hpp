#pragma once
// Forward-only schema migrations: schema/NNNN_name.sql, applied in order in one transaction
// under an advisory lock (nodes starting together do not race), each recorded with its SHA-256.
#include <string>
#include <vector>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

struct migration {
  int version = 0;
  std::string name;
  std::string sql;
  std::string checksum;  // hex SHA-256 of the file
};

// Reads NNNN_name.sql files from dir, sorted by number. Throws std::runtime_error on a
// malformed name, a duplicate number or an unreadable file.
std::vector<migration> load_migrations(const std::string& dir);

struct migrate_outcome {
  std::vector<std::string> applied;  // names applied now
  int already = 0;                   // applied earlier
};

// Applies what is missing. Throws std::runtime_error (with a message for the operator) when a
// file that was applied earlier has changed or is gone, and db_error on database failures.
migrate_outcome migrate(connection& c, const std::vector<migration>& files);

}  // namespace hallpass::server::db
