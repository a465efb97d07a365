#include "hallpass/server/db/applications_store.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace hallpass::server::db {

namespace {

std::vector<std::string> string_list(std::string_view json_text) {
  std::vector<std::string> out;
  auto v = boost::json::parse(json_text);  // kept alive for the loop
  if (v.is_array())
    for (auto& x : v.as_array()) out.emplace_back(x.as_string());
  return out;
}

std::string json_list(const std::vector<std::string>& items) {
  boost::json::array a;
  for (auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

std::vector<material_def> materials_of(connection& c, const std::string& service) {
  auto r = c.exec("SELECT code, name, position, required, tolerable, supply_days, max_pages, "
                  "COALESCE(array_to_json(variants), '[]')::text, COALESCE(when_tolerated, ''), "
                  "COALESCE(array_to_json(when_cases), '[]')::text, COALESCE(array_to_json(unless_cases), '[]')::text, "
                  "hint, origin, COALESCE(template, ''), kind, paper, seed FROM service_materials "
                  "WHERE service_code = $1 AND NOT retired ORDER BY position",
                  {service});
  std::vector<material_def> out;
  for (int i = 0; i < r.size(); ++i) {
    material_def m{r.str(i, 0), r.str(i, 1), static_cast<int>(r.int64(i, 2)), r.boolean(i, 3), r.boolean(i, 4)};
    if (!r.is_null(i, 5)) m.supply_days = static_cast<int>(r.int64(i, 5));
    m.max_pages = static_cast<int>(r.int64(i, 6));
    m.variants = string_list(r.text(i, 7));
    m.when_tolerated = r.str(i, 8);
    m.when_cases = string_list(r.text(i, 9));
    m.unless_cases = string_list(r.text(i, 10));
    m.hint = r.str(i, 11);
    m.origin = r.str(i, 12);
    m.template_key = r.str(i, 13);
    m.kind = r.str(i, 14);
    m.paper = r.str(i, 15);
    m.seed = r.str(i, 16);
    out.push_back(std::move(m));
  }
  return out;
}

std::string variants_json(const std::vector<variant_def>& variants) {
  boost::json::array a;
  for (auto& v : variants) {
    boost::json::object o{{"code", v.code}, {"name", v.name}, {"name_en", v.name_en}};
    if (v.time_limit_days) o["time_limit_days"] = *v.time_limit_days;
    a.push_back(std::move(o));
  }
  return boost::json::serialize(a);
}

std::string cases_json(const std::vector<case_def>& cases) {
  boost::json::array a;
  for (auto& k : cases) a.push_back({{"code", k.code}, {"name", k.name}, {"name_en", k.name_en}});
  return boost::json::serialize(a);
}

constexpr const char* service_columns =
    "s.code, s.name, s.name_en, s.authority, s.notice, s.time_limit_days, COALESCE(s.office_code, ''), "
    "COALESCE(o.name, ''), s.audience, s.variants::text, s.cases::text, s.seed";

service_def read_service(connection& c, const rows& r, int i) {
  service_def s{r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4), static_cast<int>(r.int64(i, 5)),
                r.str(i, 6), r.str(i, 7)};
  s.audience = r.str(i, 8);
  auto variants = boost::json::parse(r.text(i, 9));
  for (auto& v : variants.as_array()) {
    auto& o = v.as_object();
    variant_def d{std::string(o.at("code").as_string()), std::string(o.at("name").as_string()),
                  std::string(o.at("name_en").as_string())};
    if (auto* t = o.if_contains("time_limit_days")) d.time_limit_days = static_cast<int>(t->as_int64());
    s.variants.push_back(std::move(d));
  }
  auto cases = boost::json::parse(r.text(i, 10));
  for (auto& v : cases.as_array()) {
    auto& o = v.as_object();
    s.cases.push_back({std::string(o.at("code").as_string()), std::string(o.at("name").as_string()),
                       std::string(o.at("name_en").as_string())});
  }
  s.seed = r.str(i, 11);
  s.materials = materials_of(c, s.code);
  return s;
}

std::string app_columns() {
  return "id, service_code, person_id, unit_id, state, step, form::text, " + rfc3339("created_at") + ", " + rfc3339("updated_at") +
         ", " + rfc3339("submitted_at") + ", due_date::text, supply_deadline::text, " + rfc3339("accepted_at") + ", " +
         rfc3339("decided_at") + ", " + rfc3339("completed_at") +
         ", correction_from, correction_since::text, correction_deadline::text, array_to_json(reopened_materials)::text, "
         "decision_text, licence_number, calendar, "
         "EXISTS (SELECT 1 FROM application_ratings r WHERE r.application_id = applications.id), variant, "
         "array_to_json(cases)::text";
}

application_row read_app(const rows& r, int i) {
  application_row a;
  a.id = r.int64(i, 0);
  a.service_code = r.str(i, 1);
  a.person_id = r.int64(i, 2);
  if (!r.is_null(i, 3)) a.unit_id = r.int64(i, 3);
  a.state = r.str(i, 4);
  a.step = r.str(i, 5);
  a.form_json = r.str(i, 6);
  a.created_at = r.str(i, 7);
  a.updated_at = r.str(i, 8);
  a.submitted_at = r.opt(i, 9);
  a.due_date = r.opt(i, 10);
  a.supply_deadline = r.opt(i, 11);
  a.accepted_at = r.opt(i, 12);
  a.decided_at = r.opt(i, 13);
  a.completed_at = r.opt(i, 14);
  a.correction_from = r.opt(i, 15);
  a.correction_since = r.opt(i, 16);
  a.correction_deadline = r.opt(i, 17);
  auto reopened = boost::json::parse(r.text(i, 18));  // kept alive for the loop
  for (auto& m : reopened.as_array()) a.reopened_materials.emplace_back(m.as_string());
  a.decision_text = r.opt(i, 19);
  a.licence_number = r.opt(i, 20);
  a.calendar = r.opt(i, 21);
  a.rated = r.boolean(i, 22);
  a.variant = r.opt(i, 23);
  a.cases = string_list(r.text(i, 24));
  return a;
}

std::string page_columns() {
  return "id, material_code, position, content_type, sha256, width, height, dpi, CASE WHEN video_upload_id IS NULL "
         "THEN octet_length(content) ELSE (SELECT total_bytes FROM video_uploads WHERE id = video_upload_id) END, source, " +
         rfc3339("created_at");
}

page_row read_page(const rows& r, int i, int first = 0) {
  page_row p;
  p.id = r.int64(i, first);
  p.material_code = r.str(i, first + 1);
  p.position = static_cast<int>(r.int64(i, first + 2));
  p.content_type = r.str(i, first + 3);
  p.sha256 = r.str(i, first + 4);
  p.width = static_cast<int>(r.int64(i, first + 5));
  p.height = static_cast<int>(r.int64(i, first + 6));
  p.dpi = std::stod(r.str(i, first + 7));
  p.bytes = r.int64(i, first + 8);
  p.source = r.str(i, first + 9);
  p.created_at = r.str(i, first + 10);
  return p;
}

// Whether the person who made upload code `uc` may still do its application's business: it is
// their own application, or they are the unit's legal representative, or they hold a live grant
// of the unit, valid today (China time), whose scope covers the service. Checked at every use.
constexpr const char* creator_entitled_sql =
    "EXISTS (SELECT 1 FROM applications a WHERE a.id = uc.application_id AND CASE "
    "WHEN a.unit_id IS NULL THEN a.person_id = uc.created_by "
    "ELSE EXISTS (SELECT 1 FROM units u WHERE u.id = a.unit_id AND u.legal_rep_id = uc.created_by) "
    "OR EXISTS (SELECT 1 FROM grants g WHERE g.unit_id = a.unit_id AND g.person_id = uc.created_by "
    "AND g.revoked_at IS NULL AND (now() AT TIME ZONE 'Asia/Shanghai')::date BETWEEN g.valid_from AND g.valid_until "
    "AND (g.scope IS NULL OR a.service_code = ANY (g.scope))) END)";

// Of upload_codes as uc.
std::string code_columns() {
  return "uc.id, uc.application_id, uc.material_code, " + rfc3339("uc.expires_at") +
         ", greatest(0, ceil(extract(epoch FROM uc.expires_at - now())))::int, uc.max_pages, uc.pages_added, "
         "uc.revoked_at IS NOT NULL, uc.expires_at <= now(), " +
         creator_entitled_sql + ", uc.source";
}

upload_code_row read_code(const rows& r, int i) {
  return {r.int64(i, 0),
          r.int64(i, 1),
          r.str(i, 2),
          r.str(i, 3),
          static_cast<int>(r.int64(i, 4)),
          static_cast<int>(r.int64(i, 5)),
          static_cast<int>(r.int64(i, 6)),
          r.boolean(i, 7),
          r.boolean(i, 8),
          r.boolean(i, 9),
          r.str(i, 10)};
}

}  // namespace

void upsert_catalogue(transaction& tx, const std::vector<service_def>& services) {
  for (auto& s : services) {
    std::optional<std::string> office;
    if (!s.office_code.empty()) {
      office = s.office_code;
      tx.exec("INSERT INTO offices (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = $2",
              {s.office_code, s.office_name});
    }
    tx.exec("INSERT INTO services (code, name, name_en, authority, time_limit_days, notice, office_code, audience, "
            "variants, cases, seed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11) "
            "ON CONFLICT (code) DO UPDATE SET name = $2, name_en = $3, authority = $4, time_limit_days = $5, "
            "notice = $6, office_code = $7, audience = $8, variants = $9::jsonb, cases = $10::jsonb, seed = $11",
            {s.code, s.name, s.name_en, s.authority, s.time_limit_days, s.notice, office, s.audience,
             variants_json(s.variants), cases_json(s.cases), s.seed});
    // A material no longer shipped is retired, not deleted: pages of old applications still name it.
    std::vector<std::string> codes;
    for (auto& m : s.materials) codes.push_back(m.code);
    tx.exec("UPDATE service_materials SET retired = true WHERE service_code = $1 "
            "AND code NOT IN (SELECT jsonb_array_elements_text($2::jsonb))",
            {s.code, json_list(codes)});
    auto list_or_null = [](const std::vector<std::string>& v) -> std::optional<std::string> {
      if (v.empty()) return std::nullopt;
      return json_list(v);
    };
    for (auto& m : s.materials) {
      std::optional<std::string> when_tolerated, template_key;
      if (!m.when_tolerated.empty()) when_tolerated = m.when_tolerated;
      if (!m.template_key.empty()) template_key = m.template_key;
      tx.exec("INSERT INTO service_materials (service_code, code, position, name, required, tolerable, supply_days, "
              "max_pages, variants, when_tolerated, when_cases, unless_cases, hint, origin, template, kind, paper, seed, "
              "retired) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
              "ARRAY(SELECT jsonb_array_elements_text($9::jsonb)), $10, ARRAY(SELECT jsonb_array_elements_text($11::jsonb)), "
              "ARRAY(SELECT jsonb_array_elements_text($12::jsonb)), $13, $14, $15, $16, $17, $18, false) "
              "ON CONFLICT (service_code, code) DO UPDATE SET position = $3, name = $4, required = $5, tolerable = $6, "
              "supply_days = $7, max_pages = $8, variants = EXCLUDED.variants, when_tolerated = $10, "
              "when_cases = EXCLUDED.when_cases, unless_cases = EXCLUDED.unless_cases, hint = $13, origin = $14, "
              "template = $15, kind = $16, paper = $17, seed = $18, retired = false",
              {s.code, m.code, m.position, m.name, m.required, m.tolerable, m.supply_days, m.max_pages,
               list_or_null(m.variants), when_tolerated, list_or_null(m.when_cases), list_or_null(m.unless_cases),
               m.hint, m.origin, template_key, m.kind, m.paper, m.seed});
    }
  }
}

std::vector<service_def> list_services(connection& c) {
  auto r = c.exec(std::string("SELECT ") + service_columns +
                  " FROM services s LEFT JOIN offices o ON o.code = s.office_code ORDER BY s.code");
  std::vector<service_def> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(read_service(c, r, i));
  return out;
}

std::optional<service_def> find_service(connection& c, const std::string& code) {
  auto r = c.exec(std::string("SELECT ") + service_columns +
                  " FROM services s LEFT JOIN offices o ON o.code = s.office_code WHERE s.code = $1", {code});
  if (r.empty()) return std::nullopt;
  return read_service(c, r, 0);
}

std::int64_t insert_application(connection& c, const std::string& service_code, std::int64_t person_id,
                                std::optional<std::int64_t> unit_id, const std::optional<std::string>& variant) {
  return c.exec("INSERT INTO applications (service_code, person_id, unit_id, variant) VALUES ($1, $2, $3, $4) RETURNING id",
                {service_code, person_id, unit_id, variant})
      .int64(0, 0);
}

void update_application_variant(connection& c, std::int64_t id, const std::optional<std::string>& variant,
                                const std::vector<std::string>& cases) {
  c.exec("UPDATE applications SET variant = $2, cases = ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), "
         "updated_at = now() WHERE id = $1",
         {id, variant, json_list(cases)});
}

std::optional<application_row> find_application(connection& c, std::int64_t id, bool for_update) {
  auto r = c.exec("SELECT " + app_columns() + " FROM applications WHERE id = $1" + (for_update ? " FOR UPDATE" : ""), {id});
  if (r.empty()) return std::nullopt;
  return read_app(r, 0);
}

std::vector<application_row> find_applications(connection& c, const std::vector<std::int64_t>& ids) {
  std::string list = "{";
  for (auto id : ids) list += (list.size() > 1 ? "," : "") + std::to_string(id);
  auto r = c.exec("SELECT " + app_columns() + " FROM applications WHERE id = ANY($1::bigint[])", {list + "}"});
  std::vector<application_row> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(read_app(r, i));
  return out;
}

std::vector<application_row> list_applications(connection& c, std::optional<std::int64_t> unit_id,
                                               std::int64_t person_id) {
  auto r = unit_id ? c.exec("SELECT " + app_columns() + " FROM applications WHERE unit_id = $1 ORDER BY id DESC LIMIT 200",
                            {*unit_id})
                   : c.exec("SELECT " + app_columns() +
                                " FROM applications WHERE unit_id IS NULL AND person_id = $1 ORDER BY id DESC LIMIT 200",
                            {person_id});
  std::vector<application_row> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(read_app(r, i));
  return out;
}

void update_application_form(connection& c, std::int64_t id, const std::string& form_json, const std::string& step) {
  c.exec("UPDATE applications SET form = $2::jsonb, step = $3, updated_at = now() WHERE id = $1", {id, form_json, step});
}

void mark_submitted(connection& c, std::int64_t id, const std::string& due_date,
                    const std::optional<std::string>& supply_deadline) {
  c.exec("UPDATE applications SET state = 'submitted', step = 'declaration', submitted_at = now(), updated_at = now(), "
         "due_date = $2::date, supply_deadline = $3::date WHERE id = $1",
         {id, due_date, supply_deadline});
}

bool set_application_state(connection& c, std::int64_t id, const std::string& from, const std::string& to) {
  return c.exec("UPDATE applications SET state = $3, updated_at = now() WHERE id = $1 AND state = $2", {id, from, to})
             .affected() == 1;
}

std::vector<page_row> pages_of(connection& c, std::int64_t application_id) {
  auto r = c.exec("SELECT " + page_columns() + " FROM pages WHERE application_id = $1 ORDER BY material_code, position",
                  {application_id});
  std::vector<page_row> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(read_page(r, i));
  return out;
}

int count_pages(connection& c, std::int64_t application_id, const std::string& material) {
  return static_cast<int>(
      c.exec("SELECT count(*) FROM pages WHERE application_id = $1 AND material_code = $2", {application_id, material})
          .int64(0, 0));
}

page_row insert_page(connection& c, const new_page& p) {
  auto r = c.exec(
      "INSERT INTO pages (application_id, material_code, position, content, content_type, sha256, thumbnail, width, "
      "height, dpi, source, upload_code_id, idempotency_key, request_sha256) "
      "SELECT $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 "
      "FROM pages WHERE application_id = $1 AND material_code = $2 RETURNING " +
          page_columns(),
      {p.application_id, p.material_code, bytea{p.content}, p.content_type, p.sha256, bytea{p.thumbnail}, p.width,
       p.height, std::to_string(p.dpi), p.source, p.upload_code_id, p.idempotency_key, p.request_sha256});
  return read_page(r, 0);
}

std::optional<std::pair<page_row, std::string>> find_page_by_idempotency(connection& c, std::int64_t application_id,
                                                                         const std::string& key) {
  auto r = c.exec("SELECT " + page_columns() + ", request_sha256 FROM pages WHERE application_id = $1 AND idempotency_key = $2",
                  {application_id, key});
  if (r.empty()) return std::nullopt;
  return std::make_pair(read_page(r, 0), r.str(0, 11));
}

std::optional<page_source> find_page_source(connection& c, std::int64_t page_id) {
  auto r = c.exec("SELECT p.application_id, a.state, p.content_type, p.video_upload_id, v.total_bytes FROM pages p "
                  "JOIN applications a ON a.id = p.application_id "
                  "LEFT JOIN video_uploads v ON v.id = p.video_upload_id WHERE p.id = $1",
                  {page_id});
  if (r.empty()) return std::nullopt;
  page_source out{r.int64(0, 0), r.str(0, 1), r.str(0, 2)};
  if (!r.is_null(0, 3) && !r.is_null(0, 4)) {
    out.video_upload_id = r.int64(0, 3);
    out.video_bytes = r.int64(0, 4);
  }
  return out;
}

std::optional<std::string> page_image_bytes(connection& c, std::int64_t page_id, bool thumbnail) {
  auto r = c.exec(std::string("SELECT ") + (thumbnail ? "thumbnail" : "content") + " FROM pages WHERE id = $1", {page_id});
  if (r.empty()) return std::nullopt;
  return r.bytes(0, 0);
}

bool delete_page(connection& c, std::int64_t application_id, const std::string& material, std::int64_t page_id) {
  auto r = c.exec("DELETE FROM pages WHERE id = $1 AND application_id = $2 AND material_code = $3 "
                  "RETURNING position, video_upload_id",
                  {page_id, application_id, material});
  if (r.empty()) return false;
  if (!r.is_null(0, 1)) c.exec("DELETE FROM video_uploads WHERE id = $1", {r.int64(0, 1)});  // and its pieces
  c.exec("SET CONSTRAINTS pages_position DEFERRED");
  c.exec("UPDATE pages SET position = position - 1 WHERE application_id = $1 AND material_code = $2 AND position > $3",
         {application_id, material, r.int64(0, 0)});
  return true;
}

bool reorder_pages(connection& c, std::int64_t application_id, const std::string& material,
                   const std::vector<std::int64_t>& page_ids) {
  auto current = c.exec("SELECT id FROM pages WHERE application_id = $1 AND material_code = $2 ORDER BY id",
                        {application_id, material});
  std::vector<std::int64_t> have, want = page_ids;
  for (int i = 0; i < current.size(); ++i) have.push_back(current.int64(i, 0));
  std::sort(want.begin(), want.end());
  if (have != want) return false;
  c.exec("SET CONSTRAINTS pages_position DEFERRED");
  for (std::size_t i = 0; i < page_ids.size(); ++i)
    c.exec("UPDATE pages SET position = $2 WHERE id = $1", {page_ids[i], static_cast<int>(i + 1)});
  return true;
}

std::vector<std::string> page_contents(connection& c, std::int64_t application_id, const std::string& material,
                                       std::vector<page_row>* meta) {
  auto r = c.exec("SELECT " + page_columns() + ", content FROM pages WHERE application_id = $1 AND material_code = $2 "
                  "ORDER BY position",
                  {application_id, material});
  std::vector<std::string> out;
  for (int i = 0; i < r.size(); ++i) {
    if (meta) meta->push_back(read_page(r, i));
    out.push_back(r.bytes(i, 11));
  }
  return out;
}

std::vector<std::int64_t> page_ids_of(connection& c, std::int64_t application_id, const std::string& material) {
  auto r = c.exec("SELECT id FROM pages WHERE application_id = $1 AND material_code = $2 ORDER BY position",
                  {application_id, material});
  std::vector<std::int64_t> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(r.int64(i, 0));
  return out;
}

upload_code_row insert_upload_code(connection& c, const std::string& token_hash, std::int64_t application_id,
                                   const std::string& material, std::int64_t created_by, int ttl_seconds,
                                   int max_pages, const std::string& source) {
  auto r = c.exec("INSERT INTO upload_codes AS uc (token_hash, application_id, material_code, created_by, expires_at, "
                  "max_pages, source) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6, $7) RETURNING " +
                      code_columns(),
                  {bytea{token_hash}, application_id, material, created_by, ttl_seconds, max_pages, source});
  return read_code(r, 0);
}

std::optional<upload_code_row> find_upload_code(connection& c, const std::string& token_hash) {
  auto r = c.exec("SELECT " + code_columns() + " FROM upload_codes uc WHERE uc.token_hash = $1", {bytea{token_hash}});
  if (r.empty()) return std::nullopt;
  return read_code(r, 0);
}

std::optional<upload_code_row> find_upload_code_by_id(connection& c, std::int64_t code_id) {
  auto r = c.exec("SELECT " + code_columns() + " FROM upload_codes uc WHERE uc.id = $1", {code_id});
  if (r.empty()) return std::nullopt;
  return read_code(r, 0);
}

bool take_upload_slot(connection& c, std::int64_t code_id) {
  return c.exec(std::string("UPDATE upload_codes uc SET pages_added = pages_added + 1 WHERE uc.id = $1 "
                            "AND uc.pages_added < uc.max_pages AND uc.expires_at > now() AND uc.revoked_at IS NULL AND ") +
                    creator_entitled_sql,
                {code_id})
             .affected() == 1;
}

bool revoke_upload_code(connection& c, std::int64_t application_id, std::int64_t code_id) {
  return c.exec("UPDATE upload_codes SET revoked_at = now() WHERE id = $1 AND application_id = $2 AND revoked_at IS NULL",
                {code_id, application_id})
             .affected() == 1;
}

void revoke_codes_of(connection& c, std::int64_t application_id) {
  c.exec("UPDATE upload_codes SET revoked_at = now() WHERE application_id = $1 AND revoked_at IS NULL", {application_id});
}

void revoke_codes_creator_lost(connection& c, std::int64_t unit_id, std::int64_t person_id) {
  c.exec(std::string("UPDATE upload_codes uc SET revoked_at = now() FROM applications app "
                     "WHERE app.id = uc.application_id AND app.unit_id = $1 AND uc.created_by = $2 "
                     "AND uc.revoked_at IS NULL AND NOT ") +
             creator_entitled_sql,
         {unit_id, person_id});
}

}  // namespace hallpass::server::db
