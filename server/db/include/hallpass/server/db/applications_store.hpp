#pragma once
// SQL for the service catalogue, applications, upload codes and pages.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hallpass/server/db/database.hpp"

namespace hallpass::server::db {

struct material_def {
  std::string code, name;
  int position = 0;
  bool required = true, tolerable = false;
  std::optional<int> supply_days;
  int max_pages = 30;
  std::vector<std::string> variants;      // the variants it belongs to; empty: every variant
  std::string when_tolerated;             // required only while this (tolerable) material is missing
  std::vector<std::string> when_cases;    // applies only when the application has one of these cases
  std::vector<std::string> unless_cases;  // does not apply when it has one of these
  std::string hint, origin;               // 说明 and 资料来源
  std::string template_key;               // a shipped template or sample; empty: none
  std::string kind = "paper";             // paper | pdf | video | portrait
  std::string paper = "any";              // for kind paper: a4 | id_card | any
  std::string seed;                       // the manual line it comes from
};

// 申请 / 变更 / 延续 …: which materials a case needs. A variant may have its own time limit.
struct variant_def {
  std::string code, name, name_en;
  std::optional<int> time_limit_days;
};
// A circumstance of the applicant that adds or removes materials (a minor, a proxy …).
struct case_def {
  std::string code, name, name_en;
};

struct service_def {
  std::string code, name, name_en, authority, notice;
  int time_limit_days = 20;  // working days from acceptance; 0: 即时办结
  std::string office_code, office_name;  // the office whose staff handle it
  std::vector<material_def> materials;
  std::string audience = "unit";  // unit | person: who applies
  std::vector<variant_def> variants;  // the first is the default; empty: one form only
  std::vector<case_def> cases;
  std::string seed;
};

// Inserts or refreshes the catalogue rows.
void upsert_catalogue(transaction& tx, const std::vector<service_def>& services);
std::vector<service_def> list_services(connection& c);
std::optional<service_def> find_service(connection& c, const std::string& code);

struct application_row {
  std::int64_t id = 0;
  std::string service_code;
  std::int64_t person_id = 0;
  std::optional<std::int64_t> unit_id;
  std::string state, step, form_json;
  std::string created_at, updated_at;
  std::optional<std::string> submitted_at, due_date, supply_deadline;
  // After submission (schema/0004_review.sql).
  std::optional<std::string> accepted_at, decided_at, completed_at;
  std::optional<std::string> correction_from, correction_since, correction_deadline;
  std::vector<std::string> reopened_materials;
  std::optional<std::string> decision_text, licence_number, calendar;
  bool rated = false;  // 办件评价 given
  std::optional<std::string> variant;  // of the service's variants
  std::vector<std::string> cases;      // of the service's cases
};

std::int64_t insert_application(connection& c, const std::string& service_code, std::int64_t person_id,
                                std::optional<std::int64_t> unit_id, const std::optional<std::string>& variant);
std::optional<application_row> find_application(connection& c, std::int64_t id, bool for_update = false);
// Several applications in one query, in no particular order (missing ids are left out).
std::vector<application_row> find_applications(connection& c, const std::vector<std::int64_t>& ids);
// Applications of a unit (unit_id set) or of a person acting alone.
std::vector<application_row> list_applications(connection& c, std::optional<std::int64_t> unit_id,
                                               std::int64_t person_id);
void update_application_form(connection& c, std::int64_t id, const std::string& form_json, const std::string& step);
void update_application_variant(connection& c, std::int64_t id, const std::optional<std::string>& variant,
                                const std::vector<std::string>& cases);
void mark_submitted(connection& c, std::int64_t id, const std::string& due_date,
                    const std::optional<std::string>& supply_deadline);
bool set_application_state(connection& c, std::int64_t id, const std::string& from, const std::string& to);

struct page_row {
  std::int64_t id = 0;
  std::string material_code;
  int position = 0;
  std::string content_type, sha256;
  int width = 0, height = 0;
  double dpi = 0;
  std::int64_t bytes = 0;
  std::string source, created_at;
};
std::vector<page_row> pages_of(connection& c, std::int64_t application_id);
int count_pages(connection& c, std::int64_t application_id, const std::string& material);

struct new_page {
  std::int64_t application_id = 0;
  std::string material_code;
  std::string content, content_type, sha256, thumbnail;
  int width = 0, height = 0;
  double dpi = 0;
  std::string source;
  std::optional<std::int64_t> upload_code_id;
  std::optional<std::string> idempotency_key;
  std::string request_sha256;
};
// Appends at the end of the material's pages (the caller holds the application row lock).
page_row insert_page(connection& c, const new_page& p);
std::optional<std::pair<page_row, std::string>> find_page_by_idempotency(connection& c, std::int64_t application_id,
                                                                         const std::string& key);
// What a page is, read before its bytes: its application and that application's state, its
// content type, and for a video the upload that holds it and its size.
struct page_source {
  std::int64_t application_id = 0;
  std::string application_state, content_type;
  std::optional<std::int64_t> video_upload_id;
  std::int64_t video_bytes = 0;
};
std::optional<page_source> find_page_source(connection& c, std::int64_t page_id);
// The bytes of the page's image or thumbnail; none when there is no such page.
std::optional<std::string> page_image_bytes(connection& c, std::int64_t page_id, bool thumbnail);
bool delete_page(connection& c, std::int64_t application_id, const std::string& material, std::int64_t page_id);
// Renumbers the material's pages in the given order (every page id exactly once).
bool reorder_pages(connection& c, std::int64_t application_id, const std::string& material,
                   const std::vector<std::int64_t>& page_ids);
std::vector<std::string> page_contents(connection& c, std::int64_t application_id, const std::string& material,
                                       std::vector<page_row>* meta);
// The ids of a material's pages in their order.
std::vector<std::int64_t> page_ids_of(connection& c, std::int64_t application_id, const std::string& material);

struct upload_code_row {
  std::int64_t id = 0;
  std::int64_t application_id = 0;
  std::string material_code;
  std::string expires_at;
  int expires_in = 0;
  int max_pages = 0, pages_added = 0;
  bool revoked = false, expired = false;
  // The person who made the code may still do its application's business (own application,
  // legal representative, or a live grant valid today whose scope covers the service).
  bool creator_entitled = true;
  std::string source = "phone";  // phone | kiosk: what its pages come from
};
upload_code_row insert_upload_code(connection& c, const std::string& token_hash, std::int64_t application_id,
                                   const std::string& material, std::int64_t created_by, int ttl_seconds,
                                   int max_pages, const std::string& source);
std::optional<upload_code_row> find_upload_code(connection& c, const std::string& token_hash);
std::optional<upload_code_row> find_upload_code_by_id(connection& c, std::int64_t code_id);
// Counts one more page on a live code; false when it is used up, expired or revoked, or when its
// creator may no longer do the application's business (checked in the same statement).
bool take_upload_slot(connection& c, std::int64_t code_id);
bool revoke_upload_code(connection& c, std::int64_t application_id, std::int64_t code_id);
void revoke_codes_of(connection& c, std::int64_t application_id);
// Marks revoked the live codes a person made for the unit's applications that they may no longer
// do (after their grant was revoked or narrowed, in the same transaction).
void revoke_codes_creator_lost(connection& c, std::int64_t unit_id, std::int64_t person_id);

}  // namespace hallpass::server::db
