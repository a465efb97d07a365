#pragma once
// Applications (办件) and their materials: the catalogue, drafts, per-material upload codes,
// photo uploads through the imaging pipeline, submission with tolerated-missing (容缺) materials.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hallpass/server/api_error.hpp"
#include "hallpass/server/app.hpp"
#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/services/auth.hpp"

namespace hallpass::server::services {

// Reads the shipped catalogue (JSON); throws std::runtime_error on a malformed file.
std::vector<db::service_def> load_catalogue(const std::string& path);
// Writes it into the database (start-up).
void install_catalogue(app& a, const std::vector<db::service_def>& services);

struct application_view {
  db::application_row row;
  db::service_def service;
  std::vector<db::page_row> pages;
};

result<std::int64_t> start_application(app& a, const caller& who, const std::string& service_code);
result<application_view> get_application(app& a, const caller& who, std::int64_t id);
result<std::vector<db::application_row>> list_applications(app& a, const caller& who);

struct application_form {
  std::string contact_name;
  std::string contact_mobile;
  std::optional<std::string> email, address, postcode;
};
status save_form(app& a, const caller& who, std::int64_t id, const std::optional<application_form>& form,
                 const std::optional<std::string>& step);

struct issued_upload_code {
  std::string token;  // goes into the QR URL; only its hash is stored
  std::string url;    // <public_url>/u/<token>
  db::upload_code_row code;
};
result<issued_upload_code> create_upload_code(app& a, const caller& who, std::int64_t id, const std::string& material);
status revoke_upload_code(app& a, const caller& who, std::int64_t id, std::int64_t code_id);

// What the phone page shows for a code.
struct upload_code_view {
  db::upload_code_row code;
  std::string service_name, material_name;
  int pages_in_material = 0;
};
result<upload_code_view> describe_upload_code(app& a, const std::string& token);

struct upload_outcome {
  bool accepted = false;
  bool replayed = false;  // same Idempotency-Key and bytes: the first result
  db::page_row page;
  std::vector<std::pair<std::string, std::array<double, 3>>> checks;  // name → value, threshold, ok
  std::vector<std::array<std::string, 3>> reasons;                   // code, message, message_en
};
result<upload_outcome> upload_with_code(app& a, const std::string& token, std::span<const std::uint8_t> bytes,
                                        const std::optional<std::string>& idempotency_key);
result<upload_outcome> upload_from_portal(app& a, const caller& who, std::int64_t id, const std::string& material,
                                          std::span<const std::uint8_t> bytes,
                                          const std::optional<std::string>& idempotency_key);

// A page's image or thumbnail for its application's owner, or for an upload code of that material.
result<std::pair<std::string, std::string>> page_image(app& a, const std::optional<caller>& who,
                                                       const std::optional<std::string>& upload_token,
                                                       std::int64_t page_id, bool thumbnail);
status delete_page(app& a, const caller& who, std::int64_t id, const std::string& material, std::int64_t page_id);
status reorder_pages(app& a, const caller& who, std::int64_t id, const std::string& material,
                     const std::vector<std::int64_t>& page_ids);

struct submission {
  std::string due_date;
  std::optional<std::string> supply_deadline;
  std::vector<std::string> tolerated;  // material codes supplied later
};
// Refused with 422 materials_missing (missing codes in the error message) unless every required
// material has a page or may be tolerated.
result<submission> submit_application(app& a, const caller& who, std::int64_t id, std::vector<std::string>* missing);
status withdraw_application(app& a, const caller& who, std::int64_t id);
result<std::string> material_pdf(app& a, const caller& who, std::int64_t id, const std::string& material);

// Adds n working days (Monday to Friday) to an ISO date.
std::string add_working_days(const std::string& iso_date, int n);

}  // namespace hallpass::server::services
