#pragma once
// The service catalogue: reading the shipped file, and the rules that say which materials an
// application needs (its variant, its cases, and what is tolerated).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/db/applications_store.hpp"

namespace hallpass::server::services {

// Reads and checks the catalogue; throws std::runtime_error naming the entry at fault.
std::vector<db::service_def> load_catalogue(const std::string& path);

const db::material_def* material_in(const db::service_def& s, const std::string& code);
const db::variant_def* variant_in(const db::service_def& s, const std::string& code);

// The statutory working days of the application's variant (the service's when it has none).
int time_limit_of(const db::service_def& s, const std::optional<std::string>& variant);

// Whether the material belongs to this application at all: its variant and its cases.
bool material_applies(const db::material_def& m, const std::optional<std::string>& variant,
                      const std::vector<std::string>& cases);

// What a material asks of the application now, given which materials have pages.
enum class material_need {
  not_applicable,  // another variant or case
  uploaded,
  missing,         // required and without pages
  tolerable,       // required, without pages, may follow after acceptance (容缺)
  not_needed,      // required only while another material is tolerated, and that one is here
  optional,
};
material_need need_of(const db::service_def& s, const db::material_def& m, const std::optional<std::string>& variant,
                      const std::vector<std::string>& cases, const std::function<bool(const std::string&)>& has_pages);

}  // namespace hallpass::server::services
