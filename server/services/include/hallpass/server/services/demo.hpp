#pragma once
// The demo data set: two units with valid USCCs, their legal representatives, an administrator,
// agents with different scopes and windows, and one expired grant. Loading twice changes nothing.
#include <ostream>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/services/accounts.hpp"
#include "hallpass/server/services/personal_data.hpp"

namespace hallpass::server::services {

inline constexpr const char* demo_password = "Demo@2026";
inline constexpr const char* demo_device_client = "hallpass-demo-tv";

// Loads what is missing and prints the demo credentials to out.
void load_demo_data(accounts& accounts, db::pool& db, const personal_data_hasher& hash, std::ostream& out);

}  // namespace hallpass::server::services
