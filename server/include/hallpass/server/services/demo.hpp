#pragma once
// The demo data set: two units with valid USCCs, their legal representatives, an administrator,
// agents with different scopes and windows, and one expired grant. Loading twice changes nothing.
#include <ostream>

#include "hallpass/server/app.hpp"

namespace hallpass::server::services {

inline constexpr const char* demo_password = "Demo@2026";

// Loads what is missing and prints the demo credentials to out.
void load_demo_data(app& a, std::ostream& out);

}  // namespace hallpass::server::services
