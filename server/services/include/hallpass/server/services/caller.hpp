#pragma once
// Who is calling: a person alone, or a person acting for a unit in a role.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallpass::server::services {

struct caller {
  std::int64_t session_id = 0;
  std::int64_t person_id = 0;
  std::optional<std::int64_t> unit_id, grant_id;
  std::string role;     // person | legal_rep | admin | agent | staff
  std::string channel;  // web | app | kiosk
  std::string person_name, id_number_masked;
  std::optional<std::string> mobile_masked;
  std::optional<std::string> unit_name, uscc;
  std::optional<std::vector<std::string>> scope;  // agents: granted service codes; nullopt: all
  std::string expires_at;
  // Staff sessions: the office they act for and their role there (clerk, reviewer, head).
  std::optional<std::string> office_code, office_name, staff_role;
  bool is_staff() const { return role == "staff"; }

  // Whether this caller may do business `service_code` for its unit (or for itself).
  bool may_do(std::string_view service_code) const;
};

}  // namespace hallpass::server::services
