#include "hallpass/server/services/applications.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <semaphore>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "hallpass/imaging/imaging.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/identity/validators.hpp"
#include "hallpass/server/services/accounts.hpp"

namespace hallpass::server::services {

namespace json = boost::json;
namespace id = identity;

namespace {

api_error application_not_found() { return {404, "application_not_found", "未找到该办件", "Application not found"}; }
api_error material_not_found() { return {404, "material_not_found", "该事项没有这项材料", "No such material for this service"}; }
api_error not_draft() {
  return {409, "application_not_draft", "办件已提交，材料不能再修改", "The application was submitted; its materials are frozen"};
}
api_error material_full() {
  return {409, "material_full", "该材料的页数已达上限", "This material already has the most pages allowed"};
}
api_error code_invalid() {
  return {404, "upload_code_invalid", "上传码无效，请在电脑上重新生成二维码", "Unknown upload code; create a new one on the computer"};
}
api_error code_expired() {
  return {410, "upload_code_expired", "上传码已过期，请在电脑上重新生成", "The upload code has expired; create a new one on the computer"};
}

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  return id::sha256_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Who may see and manage an application: its own unit (an agent only within scope) or its person.
result<db::application_row> owned(db::connection& c, const caller& who, std::int64_t id, bool for_update) {
  auto row = db::find_application(c, id, for_update);
  if (!row) return application_not_found();
  if (row->unit_id) {
    if (!who.unit_id || *who.unit_id != *row->unit_id) return application_not_found();
    if (!who.may_do(row->service_code))
      return api_error{403, "out_of_scope", "该业务不在您的授权范围内", "This business is outside your authorised scope"};
  } else if (who.unit_id || who.person_id != row->person_id) {
    return application_not_found();
  }
  return *row;
}

const db::material_def* material_in(const db::service_def& s, const std::string& code) {
  for (auto& m : s.materials)
    if (m.code == code) return &m;
  return nullptr;
}

// Imaging is CPU-bound: at most one photo per core at a time, whatever the worker count.
std::counting_semaphore<256>& imaging_slots() {
  static std::counting_semaphore<256> slots(std::clamp<std::ptrdiff_t>(std::thread::hardware_concurrency(), 1, 256));
  return slots;
}

std::optional<api_error> check_type(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return api_error{400, "empty_upload", "没有收到照片", "The upload is empty"};
  auto type = imaging::sniff(bytes);
  using ft = imaging::file_type;
  if (type == ft::jpeg || type == ft::png || type == ft::webp || type == ft::heic) return std::nullopt;
  return api_error{415, "unsupported_media_type", "只能上传 JPEG、PNG、WebP 或 HEIC 格式的照片",
                   "Only JPEG, PNG, WebP or HEIC photos can be uploaded"};
}

struct upload_target {
  std::int64_t application_id = 0;
  std::string material;
  std::string source;
  std::optional<std::int64_t> code_id;
};

result<upload_outcome> process_upload(app& a, const upload_target& target, std::span<const std::uint8_t> bytes,
                                      const std::optional<std::string>& key) {
  if (auto e = check_type(bytes)) return *e;
  if (key && (key->empty() || key->size() > 100))
    return api_error{400, "invalid_idempotency_key", "Idempotency-Key 应为 1 到 100 个字符", "Idempotency-Key must be 1 to 100 characters"};
  auto request_hash = sha256_hex(bytes);
  auto replay = [&](db::connection& c) -> std::optional<result<upload_outcome>> {
    if (!key) return std::nullopt;
    auto first = db::find_page_by_idempotency(c, target.application_id, *key);
    if (!first) return std::nullopt;
    if (first->second != request_hash)
      return result<upload_outcome>(api_error{422, "idempotency_key_reused", "同一个 Idempotency-Key 用于了不同的照片",
                                              "This Idempotency-Key was used for a different photo"});
    upload_outcome out;
    out.accepted = out.replayed = true;
    out.page = first->first;
    return result<upload_outcome>(std::move(out));
  };
  {
    auto conn = a.db->acquire();
    if (auto r = replay(*conn)) return std::move(*r);
  }

  imaging::page_result processed;
  {
    imaging_slots().acquire();
    struct release {
      ~release() { imaging_slots().release(); }
    } guard;
    processed = imaging::process(bytes, imaging::options{});
  }
  upload_outcome out;
  for (auto& [name, c] : processed.checks) out.checks.push_back({name, {c.value, c.threshold, c.ok ? 1.0 : 0.0}});
  if (!processed.accepted) {
    for (auto& r : processed.reasons) out.reasons.push_back({r.code, r.message, r.message_en});
    return out;  // a rejected photo is not stored
  }

  db::new_page page;
  page.application_id = target.application_id;
  page.material_code = target.material;
  page.content = processed.output;
  page.content_type = processed.output_format == "png" ? "image/png" : "image/jpeg";
  page.sha256 = id::sha256_hex(processed.output);
  page.thumbnail = processed.thumbnail_jpeg;
  page.width = processed.width;
  page.height = processed.height;
  page.dpi = processed.dpi;
  page.source = target.source;
  page.upload_code_id = target.code_id;
  page.idempotency_key = key;
  page.request_sha256 = request_hash;

  auto conn = a.db->acquire();
  try {
    // One transaction: the page bytes and their metadata are durable before the answer.
    db::transaction tx(*conn);
    auto app_row = db::find_application(*conn, target.application_id, true);  // serialises page numbers
    if (!app_row || app_row->state != "draft") return not_draft();
    // The material's page limit holds whichever code or portal the page comes through.
    auto service = db::find_service(*conn, app_row->service_code);
    auto* m = service ? material_in(*service, target.material) : nullptr;
    if (m && db::count_pages(*conn, target.application_id, target.material) >= m->max_pages) return material_full();
    if (target.code_id && !db::take_upload_slot(*conn, *target.code_id))
      return api_error{410, "upload_code_used_up", "上传码已失效或已达到页数上限，请在电脑上重新生成",
                       "The upload code has expired or reached its page limit; create a new one"};
    out.page = db::insert_page(*conn, page);
    tx.commit();
  } catch (const db::db_error& e) {
    if (e.kind() != db::error_kind::unique_violation || !key) throw;
    if (auto r = replay(*conn)) return std::move(*r);  // a concurrent retry won the race
    throw;
  }
  out.accepted = true;
  return out;
}

}  // namespace

std::string add_working_days(const std::string& iso, int n) {
  using namespace std::chrono;
  year_month_day d{year(std::stoi(iso.substr(0, 4))), month(static_cast<unsigned>(std::stoi(iso.substr(5, 2)))),
                   day(static_cast<unsigned>(std::stoi(iso.substr(8, 2))))};
  sys_days t{d};
  while (n > 0) {
    t += days(1);
    auto wd = weekday(t).c_encoding();  // 0 Sunday … 6 Saturday
    if (wd != 0 && wd != 6) --n;
  }
  year_month_day out{t};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(out.year()), static_cast<unsigned>(out.month()),
                static_cast<unsigned>(out.day()));
  return buf;
}

std::vector<db::service_def> load_catalogue(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the service catalogue " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<db::service_def> out;
  try {
    auto doc = json::parse(ss.str()).as_object();
    for (auto& sv : doc.at("services").as_array()) {
      auto& s = sv.as_object();
      db::service_def d;
      d.code = std::string(s.at("code").as_string());
      d.name = std::string(s.at("name").as_string());
      if (auto* en = s.if_contains("name_en")) d.name_en = std::string(en->as_string());
      d.authority = std::string(s.at("authority").as_string());
      d.notice = std::string(s.at("notice").as_string());
      d.time_limit_days = static_cast<int>(s.at("time_limit_days").as_int64());
      int pos = 0;
      for (auto& mv : s.at("materials").as_array()) {
        auto& m = mv.as_object();
        db::material_def md;
        md.code = std::string(m.at("code").as_string());
        md.name = std::string(m.at("name").as_string());
        md.position = ++pos;
        md.required = m.at("required").as_bool();
        if (auto* t = m.if_contains("tolerable")) md.tolerable = t->as_bool();
        if (auto* sd = m.if_contains("supply_days")) md.supply_days = static_cast<int>(sd->as_int64());
        d.materials.push_back(std::move(md));
      }
      out.push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("malformed service catalogue " + path + ": " + e.what());
  }
  return out;
}

void install_catalogue(app& a, const std::vector<db::service_def>& services) {
  db::in_transaction(*a.db, [&](db::transaction& tx) { db::upsert_catalogue(tx, services); });
}

result<std::int64_t> start_application(app& a, const caller& who, const std::string& service_code) {
  auto conn = a.db->acquire();
  if (!db::find_service(*conn, service_code))
    return api_error{404, "service_not_found", "没有这个办事事项", "No such service"};
  if (!who.may_do(service_code))
    return api_error{403, "out_of_scope", "该业务不在您的授权范围内", "This business is outside your authorised scope"};
  return db::insert_application(*conn, service_code, who.person_id, who.unit_id);
}

result<application_view> get_application(app& a, const caller& who, std::int64_t id) {
  auto conn = a.db->acquire();
  auto row = owned(*conn, who, id, false);
  if (!row) return row.error();
  application_view v{*row, *db::find_service(*conn, row->service_code), db::pages_of(*conn, id)};
  return v;
}

result<std::vector<db::application_row>> list_applications(app& a, const caller& who) {
  auto conn = a.db->acquire();
  auto rows = db::list_applications(*conn, who.unit_id, who.person_id);
  std::erase_if(rows, [&](auto& r) { return !who.may_do(r.service_code); });
  return rows;
}

status save_form(app& a, const caller& who, std::int64_t id, const std::optional<application_form>& form,
                 const std::optional<std::string>& step) {
  static const std::vector<std::string> steps = {"notice", "form", "materials", "declaration"};
  if (step && std::find(steps.begin(), steps.end(), *step) == steps.end())
    return api_error{422, "invalid_step", "步骤无效", "Unknown step"};
  json::object f;
  if (form) {
    if (form->contact_name.empty() || form->contact_name.size() > 96)
      return api_error{422, "invalid_contact_name", "请填写经办人姓名", "Enter the contact person's name"};
    auto mobile = id::normalize_mobile_input(form->contact_mobile);
    if (!id::is_valid_mobile(mobile)) {
      auto m = id::invalid_mobile_message();
      return api_error{422, std::string(m.code), std::string(m.message), std::string(m.message_en)};
    }
    static const std::regex email(R"([^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24})");
    if (form->email && !form->email->empty() && !std::regex_match(*form->email, email))
      return api_error{422, "invalid_email", "电子邮箱格式不正确", "The e-mail address is malformed"};
    if (form->postcode && !form->postcode->empty() && !std::regex_match(*form->postcode, std::regex(R"(\d{6})")))
      return api_error{422, "invalid_postcode", "邮编应为 6 位数字", "The postcode must be 6 digits"};
    if (form->address && form->address->size() > 600)
      return api_error{422, "invalid_address", "地址过长", "The address is too long"};
    // The contact's mobile is personal data: kept masked, with a keyed hash to match it.
    f = {{"contact_name", form->contact_name},
         {"contact_mobile_masked", id::mask_mobile(mobile)},
         {"contact_mobile_hash", id::sha256_hex(personal_data_hash(a, "mobile", mobile))},
         {"email", form->email.value_or("")},
         {"address", form->address.value_or("")},
         {"postcode", form->postcode.value_or("")}};
  }
  return db::in_transaction(*a.db, [&](db::transaction& tx) -> status {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.error();
    if (row->state != "draft") return not_draft();
    auto merged = json::parse(row->form_json).as_object();
    for (auto& kv : f) merged[kv.key()] = kv.value();
    db::update_application_form(tx.conn(), id, json::serialize(merged), step.value_or(row->step));
    return ok();
  });
}

result<issued_upload_code> create_upload_code(app& a, const caller& who, std::int64_t id, const std::string& material) {
  auto conn = a.db->acquire();
  auto row = owned(*conn, who, id, false);
  if (!row) return row.error();
  if (row->state != "draft") return not_draft();
  auto service = db::find_service(*conn, row->service_code);
  auto* m = material_in(*service, material);
  if (!m) return material_not_found();
  int room = m->max_pages - db::count_pages(*conn, id, material);
  if (room <= 0) return material_full();
  issued_upload_code out;
  out.token = id::random_token(24);  // 192 bits
  out.url = a.cfg.public_url + "/u/" + out.token;
  out.code = db::insert_upload_code(*conn, id::sha256_hex(out.token), id, material, who.person_id,
                                    a.cfg.upload_code_minutes * 60, std::min(room, a.cfg.upload_code_max_pages));
  return out;
}

status revoke_upload_code(app& a, const caller& who, std::int64_t id, std::int64_t code_id) {
  auto conn = a.db->acquire();
  auto row = owned(*conn, who, id, false);
  if (!row) return row.error();
  if (!db::revoke_upload_code(*conn, id, code_id))
    return api_error{404, "upload_code_not_found", "未找到该上传码", "Upload code not found"};
  return ok();
}

result<upload_code_view> describe_upload_code(app& a, const std::string& token) {
  auto conn = a.db->acquire();
  auto code = db::find_upload_code(*conn, id::sha256_hex(token));
  if (!code) return code_invalid();
  if (code->revoked) return api_error{410, "upload_code_revoked", "上传码已作废", "The upload code was revoked"};
  if (code->expired) return code_expired();
  auto row = db::find_application(*conn, code->application_id);
  if (row->state != "draft") return not_draft();
  auto service = db::find_service(*conn, row->service_code);
  upload_code_view v{*code, service->name, material_in(*service, code->material_code)->name,
                     db::count_pages(*conn, code->application_id, code->material_code)};
  return v;
}

result<upload_outcome> upload_with_code(app& a, const std::string& token, std::span<const std::uint8_t> bytes,
                                        const std::optional<std::string>& key) {
  auto view = describe_upload_code(a, token);  // refuses dead codes before any image work
  if (!view) return view.error();
  if (view->code.pages_added >= view->code.max_pages) {
    // Only the retry of a page already made may pass (to get its answer); a new page is refused
    // before the photo is processed.
    bool retry = false;
    if (key) {
      auto conn = a.db->acquire();
      retry = db::find_page_by_idempotency(*conn, view->code.application_id, *key).has_value();
    }
    if (!retry)
      return api_error{410, "upload_code_used_up", "上传码已达到页数上限，请在电脑上重新生成",
                       "The upload code reached its page limit; create a new one"};
  }
  return process_upload(a, {view->code.application_id, view->code.material_code, "phone", view->code.id}, bytes, key);
}

result<upload_outcome> upload_from_portal(app& a, const caller& who, std::int64_t id, const std::string& material,
                                          std::span<const std::uint8_t> bytes, const std::optional<std::string>& key) {
  {
    auto conn = a.db->acquire();
    auto row = owned(*conn, who, id, false);
    if (!row) return row.error();
    if (row->state != "draft") return not_draft();
    if (!material_in(*db::find_service(*conn, row->service_code), material)) return material_not_found();
  }
  return process_upload(a, {id, material, "portal", std::nullopt}, bytes, key);
}

result<std::pair<std::string, std::string>> page_image(app& a, const std::optional<caller>& who,
                                                       const std::optional<std::string>& upload_token,
                                                       std::int64_t page_id, bool thumbnail) {
  auto conn = a.db->acquire();
  std::string type;
  auto found = db::page_bytes(*conn, page_id, thumbnail, &type);
  api_error nf{404, "page_not_found", "未找到该页", "Page not found"};
  if (!found) return nf;
  bool allowed = false;
  if (who) allowed = owned(*conn, *who, found->first, false).ok();
  if (!allowed && upload_token) {
    auto code = db::find_upload_code(*conn, id::sha256_hex(*upload_token));
    if (code && !code->revoked && !code->expired && code->application_id == found->first) {
      auto pages = db::pages_of(*conn, found->first);
      allowed = std::any_of(pages.begin(), pages.end(),
                            [&](auto& p) { return p.id == page_id && p.material_code == code->material_code; });
    }
  }
  if (!allowed) return nf;
  return std::make_pair(type, std::move(found->second));
}

status delete_page(app& a, const caller& who, std::int64_t id, const std::string& material, std::int64_t page_id) {
  return db::in_transaction(*a.db, [&](db::transaction& tx) -> status {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.error();
    if (row->state != "draft") return not_draft();
    if (!db::delete_page(tx.conn(), id, material, page_id)) return api_error{404, "page_not_found", "未找到该页", "Page not found"};
    return ok();
  });
}

status reorder_pages(app& a, const caller& who, std::int64_t id, const std::string& material,
                     const std::vector<std::int64_t>& page_ids) {
  return db::in_transaction(*a.db, [&](db::transaction& tx) -> status {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.error();
    if (row->state != "draft") return not_draft();
    if (!db::reorder_pages(tx.conn(), id, material, page_ids))
      return api_error{422, "invalid_page_order", "页面列表应包含该材料的每一页各一次",
                       "The order must list every page of the material exactly once"};
    return ok();
  });
}

result<submission> submit_application(app& a, const caller& who, std::int64_t id, std::vector<std::string>* missing) {
  return db::in_transaction(*a.db, [&](db::transaction& tx) -> result<submission> {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.error();
    if (row->state != "draft")
      return api_error{409, "already_submitted", "办件已提交", "The application was already submitted"};
    auto form = json::parse(row->form_json).as_object();
    if (!form.contains("contact_name"))
      return api_error{422, "form_incomplete", "请先完成信息填写", "Fill in the application form first"};
    auto service = db::find_service(tx.conn(), row->service_code);
    submission out;
    int supply_days = 0;
    for (auto& m : service->materials) {
      if (!m.required || db::count_pages(tx.conn(), id, m.code) > 0) continue;
      if (m.tolerable) {
        out.tolerated.push_back(m.code);
        supply_days = std::max(supply_days, m.supply_days.value_or(7));
      } else if (missing) {
        missing->push_back(m.code);
      }
    }
    if (missing && !missing->empty())
      return api_error{422, "materials_missing", "还有必需的材料没有上传", "Required materials are missing"};
    auto today = china_today();
    out.due_date = add_working_days(today, service->time_limit_days);
    if (supply_days > 0) out.supply_deadline = add_working_days(today, supply_days);
    db::mark_submitted(tx.conn(), id, out.due_date, out.supply_deadline);
    db::revoke_codes_of(tx.conn(), id);  // every upload code of this application is dead now
    db::audit(tx, {"application_submitted", who.person_id, row->unit_id, std::nullopt, who.grant_id, "",
                   "{\"application\":" + std::to_string(id) + "}"});
    return out;
  });
}

status withdraw_application(app& a, const caller& who, std::int64_t id) {
  return db::in_transaction(*a.db, [&](db::transaction& tx) -> status {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.error();
    if (row->state != "draft" && row->state != "submitted")
      return api_error{409, "cannot_withdraw", "该办件已受理或办结，不能撤回", "This application can no longer be withdrawn"};
    db::set_application_state(tx.conn(), id, row->state, "withdrawn");
    db::revoke_codes_of(tx.conn(), id);
    return ok();
  });
}

result<std::string> material_pdf(app& a, const caller& who, std::int64_t id, const std::string& material) {
  std::vector<db::page_row> meta;
  std::vector<std::string> contents;
  {
    auto conn = a.db->acquire();
    auto row = owned(*conn, who, id, false);
    if (!row) return row.error();
    if (!material_in(*db::find_service(*conn, row->service_code), material)) return material_not_found();
    contents = db::page_contents(*conn, id, material, &meta);
  }
  if (contents.empty()) return api_error{404, "no_pages", "该材料还没有页面", "This material has no pages yet"};
  std::vector<imaging::page_for_pdf> pages;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    pages.push_back({std::move(contents[i]), meta[i].content_type == "image/png" ? "png" : "jpeg", meta[i].width,
                     meta[i].height, meta[i].dpi});
  }
  auto pdf = imaging::make_pdf(pages, material);
  if (!pdf.pdf) return api_error{500, "pdf_failed", "生成 PDF 失败", "Could not make the PDF: " + pdf.error};
  return std::move(*pdf.pdf);
}

}  // namespace hallpass::server::services
