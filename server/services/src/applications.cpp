#include "hallpass/server/services/applications.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "hallpass/imaging/imaging.hpp"
#include "hallpass/imaging/pdf_document.hpp"
#include "hallpass/imaging/portrait.hpp"
#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/review_store.hpp"
#include "hallpass/server/db/video_store.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/identity/validators.hpp"
#include "hallpass/server/log.hpp"
#include "hallpass/server/services/review.hpp"

namespace hallpass::server::services {

namespace json = boost::json;
namespace id = identity;

namespace {

error application_not_found() { return errc::application_not_found; }
error material_not_found() { return errc::material_not_found; }
error not_draft() {
  return errc::application_not_draft;
}
error material_full() {
  return errc::material_full;
}
error code_invalid() {
  return errc::upload_code_invalid;
}
error code_expired() {
  return errc::upload_code_expired;
}

// Why a code may not be used now: revoked (also when its creator lost the right to the
// application's business) or expired; nothing when it may.
std::optional<error> code_refusal(const db::upload_code_row& code) {
  if (code.revoked || !code.creator_entitled) return errc::upload_code_revoked;
  if (code.expired) return code_expired();
  return std::nullopt;
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
      return errc::out_of_scope;
  } else if (who.unit_id || who.person_id != row->person_id) {
    return application_not_found();
  }
  return *row;
}

// Whether pages of the material may change now (review.hpp: material_open); the refusal when not.
status pages_open(db::connection& c, const db::application_row& row, const std::string& material,
                  const std::string& today) {
  if (row.state == "draft") return ok();
  auto service = db::find_service(c, row.service_code);
  auto* m = service ? material_in(*service, material) : nullptr;
  if (m && material_open(row, *m, today)) return ok();
  if (row.state == "correction" || (row.state == "accepted" && m && m->tolerable)) return errc::material_not_open;
  return not_draft();
}

// A photo for paper and portraits, a PDF file for a document; a video has its own resumable upload.
std::optional<error> check_type(std::span<const std::uint8_t> bytes, const std::string& kind) {
  if (bytes.empty()) return errc::empty_upload;
  if (kind == "video") return errc::video_needs_resumable_upload;
  auto type = imaging::sniff(bytes);
  using ft = imaging::file_type;
  if (kind == "pdf") return type == ft::pdf ? std::nullopt : std::optional<error>(errc::pdf_required);
  if (type == ft::jpeg || type == ft::png || type == ft::webp || type == ft::heic) return std::nullopt;
  return errc::unsupported_media_type;
}

// A PDF document checked and its first page drawn, as a page the rest of the upload path stores.
imaging::page_result inspect_document(std::span<const std::uint8_t> bytes) {
  auto doc = imaging::inspect_pdf(bytes);
  imaging::page_result out;
  out.accepted = doc.accepted;
  out.reasons = doc.reasons;
  out.checks["pages"] = {static_cast<double>(doc.pages), 0, doc.accepted};
  if (!doc.accepted) return out;
  out.output.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());  // kept as sent
  out.output_format = "pdf";
  out.thumbnail_jpeg = std::move(doc.thumbnail_jpeg);
  out.width = static_cast<int>(std::lround(doc.page_width_mm));  // of page 1, in mm
  out.height = static_cast<int>(std::lround(doc.page_height_mm));
  return out;
}

// A 2寸 portrait: one face on a plain light background, cropped to 35 × 49 mm at 300 dpi.
imaging::page_result process_portrait(std::span<const std::uint8_t> bytes) {
  auto p = imaging::process_portrait(bytes);
  imaging::page_result out;
  out.accepted = p.accepted;
  out.reasons = p.reasons;
  out.checks = p.checks;
  if (!p.accepted) return out;
  out.output = p.jpeg;
  out.output_format = "jpeg";
  out.thumbnail_jpeg = std::move(p.jpeg);  // 413 × 579: small enough to be its own thumbnail
  out.width = p.width;
  out.height = p.height;
  out.dpi = 300;
  return out;
}

// The material's paper, for the page finder and the resolution check.
imaging::options options_for(const std::string& paper) {
  imaging::options o;
  o.paper = paper == "a4" ? imaging::paper_kind::a4 : paper == "id_card" ? imaging::paper_kind::id_card
                                                                         : imaging::paper_kind::auto_detect;
  return o;
}

// Page rows of an earlier upload with the same Idempotency-Key: its answer again, or a refusal
// when the key came with another photo.
std::optional<result<upload_outcome>> replay(db::connection& c, std::int64_t application_id,
                                             const std::optional<std::string>& key, const std::string& request_hash) {
  if (!key) return std::nullopt;
  auto first = db::find_page_by_idempotency(c, application_id, *key);
  if (!first) return std::nullopt;
  if (first->second != request_hash) return result<upload_outcome>(errc::idempotency_key_reused);
  upload_outcome out;
  out.accepted = out.replayed = true;
  out.page = first->first;
  return result<upload_outcome>(std::move(out));
}

}  // namespace

result<db::application_row> owned_application(db::connection& c, const caller& who, std::int64_t id,
                                              bool for_update) {
  return owned(c, who, id, for_update);
}

void applications::install_catalogue(const std::vector<db::service_def>& services) {
  db::in_transaction(db_, [&](db::transaction& tx) { db::upsert_catalogue(tx, services); });
}

result<std::int64_t> applications::start_application(const caller& who, const std::string& service_code,
                                                     const std::optional<std::string>& variant) {
  auto conn = db_.acquire();
  auto service = db::find_service(*conn, service_code);
  if (!service)
    return errc::service_not_found;
  if (service->audience == "person" && who.unit_id) return errc::service_for_persons;  // a citizen's own business
  if (!who.may_do(service_code))
    return errc::out_of_scope;
  std::optional<std::string> chosen;
  if (variant) {
    if (!variant_in(*service, *variant)) return errc::variant_not_found;
    chosen = variant;
  } else if (!service->variants.empty()) {
    chosen = service->variants.front().code;  // the first form (申请) unless another is chosen
  }
  return db::insert_application(*conn, service_code, who.person_id, who.unit_id, chosen);
}

result<application_view> applications::get_application(const caller& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto row = owned(*conn, who, id, false);
  if (!row) return row.err();
  application_view v{*row, *db::find_service(*conn, row->service_code), db::pages_of(*conn, id)};
  return v;
}

application_view applications::view_of(const db::application_row& row) {
  auto conn = db_.acquire();
  return {row, *db::find_service(*conn, row.service_code), db::pages_of(*conn, row.id)};
}

result<std::vector<db::application_row>> applications::list_applications(const caller& who) {
  auto conn = db_.acquire();
  auto rows = db::list_applications(*conn, who.unit_id, who.person_id);
  std::erase_if(rows, [&](auto& r) { return !who.may_do(r.service_code); });
  return rows;
}

status applications::save_form(const caller& who, std::int64_t id, const std::optional<application_form>& form,
                 const std::optional<std::string>& step, const application_choice& choice) {
  static const std::vector<std::string> steps = {"notice", "form", "materials", "declaration"};
  if (step && std::find(steps.begin(), steps.end(), *step) == steps.end())
    return errc::invalid_step;
  json::object f;
  if (form) {
    if (form->contact_name.empty() || form->contact_name.size() > 96)
      return errc::invalid_contact_name;
    auto mobile = id::normalize_mobile_input(form->contact_mobile);
    if (!id::is_valid_mobile(mobile)) {
      return error::broken_rule(id::invalid_mobile_message());
    }
    static const std::regex email(R"([^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24})");
    if (form->email && !form->email->empty() && !std::regex_match(*form->email, email))
      return errc::invalid_email;
    if (form->postcode && !form->postcode->empty() && !std::regex_match(*form->postcode, std::regex(R"(\d{6})")))
      return errc::invalid_postcode;
    if (form->address && form->address->size() > 600)
      return errc::invalid_address;
    // The contact's mobile is personal data: kept masked, with a keyed hash to match it.
    f = {{"contact_name", form->contact_name},
         {"contact_mobile_masked", id::mask_mobile(mobile)},
         {"contact_mobile_hash", id::sha256_hex(hash_("mobile", mobile))},
         {"email", form->email.value_or("")},
         {"address", form->address.value_or("")},
         {"postcode", form->postcode.value_or("")}};
  }
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.err();
    if (row->state != "draft") return not_draft();
    if (choice.variant || choice.cases) {
      auto service = db::find_service(tx.conn(), row->service_code);
      if (choice.variant && !variant_in(*service, *choice.variant)) return errc::variant_not_found;
      auto cases = choice.cases.value_or(row->cases);
      for (auto& c : cases)
        if (std::none_of(service->cases.begin(), service->cases.end(), [&](auto& k) { return k.code == c; }))
          return errc::case_not_found;
      std::sort(cases.begin(), cases.end());
      cases.erase(std::unique(cases.begin(), cases.end()), cases.end());
      db::update_application_variant(tx.conn(), id, choice.variant ? choice.variant : row->variant, cases);
    }
    auto merged = json::parse(row->form_json).as_object();
    for (auto& kv : f) merged[kv.key()] = kv.value();
    db::update_application_form(tx.conn(), id, json::serialize(merged), step.value_or(row->step));
    return ok();
  });
}

result<issued_upload_code> applications::create_upload_code(const caller& who, std::int64_t id, const std::string& material) {
  auto conn = db_.acquire();
  auto row = owned(*conn, who, id, false);
  if (!row) return row.err();
  if (auto open = pages_open(*conn, *row, material, china_date(clock_.now())); !open) return open.err();
  auto service = db::find_service(*conn, row->service_code);
  auto* m = material_in(*service, material);
  if (!m) return material_not_found();
  if (m->kind == "video") return errc::video_needs_resumable_upload;  // the camera page takes photos
  int room = m->max_pages - db::count_pages(*conn, id, material);
  if (room <= 0) return material_full();
  issued_upload_code out;
  out.token = id::random_token(24);  // 192 bits
  out.url = settings_.public_url + "/u/" + out.token;
  out.code = db::insert_upload_code(*conn, id::sha256_hex(out.token), id, material, who.person_id,
                                    settings_.upload_code_minutes * 60, std::min(room, settings_.upload_code_max_pages),
                                    who.channel == "kiosk" ? "kiosk" : "phone");  // the kiosk's camera, or a phone
  return out;
}

status applications::revoke_upload_code(const caller& who, std::int64_t id, std::int64_t code_id) {
  auto conn = db_.acquire();
  auto row = owned(*conn, who, id, false);
  if (!row) return row.err();
  if (!db::revoke_upload_code(*conn, id, code_id))
    return errc::upload_code_not_found;
  return ok();
}

result<upload_code_view> applications::describe_upload_code(const std::string& token) {
  auto conn = db_.acquire();
  auto code = db::find_upload_code(*conn, id::sha256_hex(token));
  if (!code) return code_invalid();
  if (auto e = code_refusal(*code)) return *e;
  auto row = db::find_application(*conn, code->application_id);
  if (auto open = pages_open(*conn, *row, code->material_code, china_date(clock_.now())); !open) return open.err();
  auto service = db::find_service(*conn, row->service_code);
  auto* m = material_in(*service, code->material_code);
  upload_code_view v{*code, service->name, m->name, db::count_pages(*conn, code->application_id, code->material_code),
                     m->kind, m->paper};
  return v;
}

status applications::count_photo(const std::string& source_key, const std::string& ip) {
  if (int wait = limits_.hit("upload-ip:" + ip, settings_.photos_per_ip_per_minute, 60))
    return error(errc::too_many_uploads, wait);
  if (int wait = limits_.hit(source_key, settings_.photos_per_code_per_minute, 60))
    return error(errc::too_many_uploads, wait);
  return ok();
}

status applications::count_code_photo(const std::string& token, const std::string& ip) {
  return count_photo("upload-code:" + id::sha256_hex(token), ip);
}

status applications::count_portal_photo(const caller& who, const std::string& ip) {
  return count_photo("upload-person:" + std::to_string(who.person_id), ip);
}

struct applications::upload_target {
  std::int64_t application_id = 0;
  std::string material;
  std::string source;
  std::optional<std::int64_t> code_id;
  std::string kind = "paper", paper = "any";  // of the material
};

status applications::upload_with_code(const std::string& token, std::string bytes, std::optional<std::string> key,
                                      upload_done done) {
  auto view = describe_upload_code(token);  // refuses dead codes before any image work
  if (!view) return view.err();
  if (view->code.pages_added >= view->code.max_pages) {
    // Only the retry of a page already made may pass (to get its answer); a new page is refused
    // before the photo is processed.
    bool retry = false;
    if (key) {
      auto conn = db_.acquire();
      retry = db::find_page_by_idempotency(*conn, view->code.application_id, *key).has_value();
    }
    if (!retry) return errc::upload_code_used_up;
  }
  return start_upload({view->code.application_id, view->code.material_code, view->code.source, view->code.id, view->kind,
                       view->paper},
                      std::move(bytes), std::move(key), std::move(done));
}

status applications::upload_from_portal(const caller& who, std::int64_t id, const std::string& material,
                                        std::string bytes, std::optional<std::string> key, upload_done done) {
  upload_target target{id, material, "portal", std::nullopt};
  {
    auto conn = db_.acquire();
    auto row = owned(*conn, who, id, false);
    if (!row) return row.err();
    auto* m = material_in(*db::find_service(*conn, row->service_code), material);
    if (!m) return material_not_found();
    if (auto open = pages_open(*conn, *row, material, china_date(clock_.now())); !open) return open.err();
    target.kind = m->kind;
    target.paper = m->paper;
  }
  return start_upload(target, std::move(bytes), std::move(key), std::move(done));
}

status applications::start_upload(const upload_target& target, std::string bytes, std::optional<std::string> key,
                                  upload_done done) {
  auto view = std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (auto e = check_type(view, target.kind)) return *e;
  if (key && (key->empty() || key->size() > 100)) return errc::invalid_idempotency_key;
  auto request_hash = sha256_hex(view);
  std::optional<result<upload_outcome>> again;
  {
    auto conn = db_.acquire();
    again = replay(*conn, target.application_id, key, request_hash);
  }
  if (again) {
    done(std::move(*again));
    return ok();
  }
  // The photo on a CPU thread; then the page committed off it, so a slot never waits on the database.
  auto job = [this, target, bytes = std::move(bytes), key = std::move(key), request_hash,
              done]() mutable -> imaging_executor::continuation {
    std::shared_ptr<const imaging::page_result> processed;  // null: the pipeline failed
    try {
      auto view = std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      processed = std::make_shared<const imaging::page_result>(
          target.kind == "pdf"        ? inspect_document(view)
          : target.kind == "portrait" ? process_portrait(view)
                                      : imaging::process(view, options_for(target.paper)));
    } catch (const std::exception& e) {
      log_line("error", "imaging_failed", {{"route", json_str("upload")}, {"message", json_str(e.what())}});
    }
    bytes = {};  // the photo is not needed any more
    return [this, target, key, request_hash, done, processed] {
      std::optional<result<upload_outcome>> out;
      try {
        if (!processed) out.emplace(errc::internal);
        else out.emplace(finish_upload(target, *processed, key, request_hash));
      } catch (const db::db_error& e) {
        if (e.kind() == db::error_kind::storage_full)
          log_line("error", "storage_full", {{"route", json_str("upload")}, {"message", json_str(e.what())}});
        else if (e.kind() != db::error_kind::unavailable)
          log_line("error", "database_error", {{"route", json_str("upload")}, {"sqlstate", json_str(e.sqlstate())},
                                               {"message", json_str(e.what())}});
        bool transient = e.kind() == db::error_kind::unavailable || e.kind() == db::error_kind::serialization_failure;
        out.emplace(transient                                  ? error(errc::database_unavailable, 5)
                    : e.kind() == db::error_kind::storage_full ? error(errc::storage_full, 60)
                                                               : error(errc::internal));
      } catch (const std::exception& e) {
        log_line("error", "unhandled", {{"route", json_str("upload")}, {"message", json_str(e.what())}});
        out.emplace(errc::internal);
      }
      done(std::move(*out));
    };
  };
  if (!imaging_.try_post(std::move(job))) return error(errc::imaging_busy, 2);
  return ok();
}

// Off the CPU threads: the verdict, and an accepted page committed.
result<upload_outcome> applications::finish_upload(const upload_target& target, const imaging::page_result& processed,
                                                   const std::optional<std::string>& key,
                                                   const std::string& request_hash) {
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
  page.content_type = processed.output_format == "png"   ? "image/png"
                      : processed.output_format == "pdf" ? "application/pdf"
                                                         : "image/jpeg";
  page.sha256 = id::sha256_hex(processed.output);
  page.thumbnail = processed.thumbnail_jpeg;
  page.width = processed.width;
  page.height = processed.height;
  page.dpi = processed.dpi;
  page.source = target.source;
  page.upload_code_id = target.code_id;
  page.idempotency_key = key;
  page.request_sha256 = request_hash;

  auto conn = db_.acquire();
  try {
    // One transaction: the page bytes and their metadata are durable before the answer.
    db::transaction tx(*conn);
    auto app_row = db::find_application(*conn, target.application_id, true);  // serialises page numbers
    if (!app_row) return not_draft();
    if (auto open = pages_open(*conn, *app_row, target.material, china_date(clock_.now())); !open) return open.err();
    // The material's page limit holds whichever code or portal the page comes through.
    auto service = db::find_service(*conn, app_row->service_code);
    auto* m = service ? material_in(*service, target.material) : nullptr;
    if (m && db::count_pages(*conn, target.application_id, target.material) >= m->max_pages) return material_full();
    if (target.code_id && !db::take_upload_slot(*conn, *target.code_id)) {
      auto code = db::find_upload_code_by_id(*conn, *target.code_id);
      return code ? code_refusal(*code).value_or(errc::upload_code_used_up) : code_invalid();
    }
    out.page = db::insert_page(*conn, page);
    // The last tolerated material in: the time limit runs from today if that is sooner.
    if (app_row->state == "accepted" && m && m->tolerable && db::missing_tolerated(*conn, target.application_id).empty())
      db::bring_due_date_forward(*conn, target.application_id,
                                 calendar_.add_working_days(china_date(clock_.now()), time_limit_of(*service, app_row->variant)).date);
    tx.commit();
  } catch (const db::db_error& e) {
    if (e.kind() != db::error_kind::unique_violation || !key) throw;
    if (auto r = replay(*conn, target.application_id, key, request_hash)) return std::move(*r);  // a concurrent retry won
    throw;
  }
  out.accepted = true;
  return out;
}

namespace {

// Past the draft and not sent back for 补正: the pages stay as they are (a tolerated material
// may still be added to). The reads of their bytes may go to the read replica.
bool pages_settled(const std::string& state) { return state != "draft" && state != "correction"; }

// Whether the caller (session or upload code) may see the page of this application.
bool may_see_page(db::connection& c, const std::optional<caller>& who, const std::optional<std::string>& upload_token,
                  std::int64_t page_id, std::int64_t application_id) {
  bool allowed = false;
  if (who && who->is_staff()) {  // staff of the office the application went to, once submitted
    auto row = db::find_application(c, application_id);
    allowed = row && row->state != "draft" && who->office_code &&
              db::office_of_service(c, row->service_code) == *who->office_code;
  } else if (who) {
    allowed = owned(c, *who, application_id, false).ok();
  }
  if (!allowed && upload_token) {
    auto code = db::find_upload_code(c, id::sha256_hex(*upload_token));
    if (code && !code_refusal(*code) && code->application_id == application_id) {
      auto pages = db::pages_of(c, application_id);
      allowed = std::any_of(pages.begin(), pages.end(),
                            [&](auto& p) { return p.id == page_id && p.material_code == code->material_code; });
    }
  }
  return allowed;
}

}  // namespace

result<page_content> applications::page_image(const std::optional<caller>& who,
                                              const std::optional<std::string>& upload_token, std::int64_t page_id,
                                              bool thumbnail,
                                              std::optional<std::pair<std::int64_t, std::optional<std::int64_t>>> range) {
  const error nf = errc::page_not_found;
  std::optional<db::pool::lease> conn(db_.acquire());
  auto page = db::find_page_source(**conn, page_id);
  if (!page || !may_see_page(**conn, who, upload_token, page_id, page->application_id)) return nf;
  bool from_replica = replica_ && replica_->enabled() && pages_settled(page->application_state);
  if (from_replica) conn.reset();  // a thread holds one connection at a time
  auto read = [&](auto&& fn) { return from_replica ? replica_->read(fn) : fn(**conn); };

  page_content out{thumbnail ? "image/jpeg" : page->content_type};
  if (thumbnail || !page->video_upload_id) {
    auto bytes = read([&](db::connection& c) { return db::page_image_bytes(c, page_id, thumbnail); });
    if (!bytes) return nf;  // deleted meanwhile
    out.bytes = std::move(*bytes);
    return out;
  }
  // A video is read back piece by piece, never whole: one range per request.
  out.total = page->video_bytes;
  out.from = range ? range->first : 0;
  if (out.from >= out.total) return errc::range_not_satisfiable;
  auto last = range && range->second ? std::min(*range->second, out.total - 1) : out.total - 1;
  out.to = std::min(last, out.from + video_range_cap - 1);
  if (out.to < out.from) return errc::range_not_satisfiable;
  out.partial = range.has_value() || out.to < out.total - 1;
  auto bytes = read([&](db::connection& c) -> std::optional<std::string> {
    auto part = db::video_range(c, *page->video_upload_id, out.from, out.to);
    if (static_cast<std::int64_t>(part.size()) != out.to - out.from + 1) return std::nullopt;  // pieces not there
    return part;
  });
  if (!bytes) return nf;  // deleted meanwhile
  out.bytes = std::move(*bytes);
  return out;
}

namespace {

// An ISO base media file whose brand is a video one (mp4, m4v, QuickTime), not a HEIF still.
bool looks_like_mp4(std::string_view head) {
  if (head.size() < 12 || head.substr(4, 4) != "ftyp") return false;
  auto brand = head.substr(8, 4);
  for (std::string_view still : {"heic", "heix", "hevc", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "avif", "avis"})
    if (brand == still) return false;
  return true;
}

video_progress progress_of(const db::video_upload_row& v) { return {v.received_bytes, v.total_bytes}; }

// The page an upload made, as the application's pages list it.
std::optional<db::page_row> page_of_upload(db::connection& c, std::int64_t application_id, std::int64_t page_id) {
  for (auto& p : db::pages_of(c, application_id))
    if (p.id == page_id) return p;
  return std::nullopt;
}

// The SHA-256 of a complete upload's whole file, read back piece by piece on a connection of its
// own, outside any transaction: the pieces of a complete upload no longer change.
std::string whole_file_sha256(db::pool& pool, const db::video_upload_row& upload) {
  auto conn = pool.acquire();
  id::sha256_stream sha;
  for (std::int64_t at = 0; at < upload.total_bytes; at += applications::video_range_cap)
    sha.update(db::video_range(*conn, upload.id, at, std::min(upload.total_bytes, at + applications::video_range_cap) - 1));
  return sha.hex();
}

// The page of an upload whose last piece is in (received == total, committed): the file is hashed
// with no transaction open, then a short one makes the page, unless another request (a replay of
// a piece, a status query) made it meanwhile: then that page is the answer. `replayed`: the
// upload was complete before this request. Called with no connection held.
result<video_progress> finish_video(db::pool& pool, const clock& clock, const caller& who, std::int64_t id,
                                    const std::string& material, const std::string& key,
                                    const db::video_upload_row& upload, bool replayed) {
  auto sha256 = whole_file_sha256(pool, upload);
  return db::in_transaction(pool, [&](db::transaction& tx) -> result<video_progress> {
    auto& c = tx.conn();
    auto row = owned(c, who, id, true);  // one page maker at a time: the next one sees its page
    if (!row) return row.err();
    if (auto open = pages_open(c, *row, material, china_date(clock.now())); !open) return open.err();
    auto now = db::find_video_upload(c, id, key, true);
    if (!now || now->id != upload.id) return errc::video_upload_not_found;
    auto out = progress_of(*now);
    out.replayed = replayed;
    if (now->page_id)
      out.page = page_of_upload(c, id, *now->page_id);
    else
      out.page = db::insert_video_page(c, *now, sha256, key, "portal");
    return out;
  });
}

}  // namespace

result<video_progress> applications::upload_video_piece(const caller& who, std::int64_t id, const std::string& material,
                                                        const video_piece& piece) {
  if (piece.key.empty() || piece.key.size() > 100) return errc::invalid_idempotency_key;
  if (piece.total <= 0 || piece.offset < 0) return errc::invalid_upload_range;
  if (piece.total > settings_.video_max_bytes) return errc::video_too_large;  // before anything is kept
  if (piece.bytes.empty()) return errc::empty_upload;
  // The piece is kept in one transaction; the page of the whole file is made after it (finish_video).
  bool was_complete = false;
  std::optional<db::video_upload_row> to_finish;  // complete, its page not made yet
  auto kept = db::in_transaction(db_, [&](db::transaction& tx) -> result<video_progress> {
    auto& c = tx.conn();
    to_finish.reset();
    auto row = owned(c, who, id, true);
    if (!row) return row.err();
    auto service = db::find_service(c, row->service_code);
    auto* m = material_in(*service, material);
    if (!m) return material_not_found();
    if (m->kind != "video") return errc::unsupported_media_type;
    if (auto open = pages_open(c, *row, material, china_date(clock_.now())); !open) return open.err();
    auto upload = db::find_video_upload(c, id, piece.key, true);
    if (upload && (upload->material_code != material || upload->total_bytes != piece.total))
      return errc::idempotency_key_reused;
    if (upload && upload->page_id) {  // done already: the same answer again
      auto out = progress_of(*upload);
      out.page = page_of_upload(c, id, *upload->page_id);
      out.replayed = true;
      return out;
    }
    // Complete but without its page (its last piece is hashing now, or the server stopped before
    // the page was made): this request makes it.
    was_complete = upload && upload->received_bytes == upload->total_bytes;
    if (!was_complete) {
      if (!upload) {
        if (piece.offset != 0) return errc::upload_offset_mismatch;
        if (!looks_like_mp4(std::string_view(piece.bytes).substr(0, 12))) return errc::unsupported_media_type;
        if (db::count_pages(c, id, material) >= m->max_pages) return material_full();
        upload = db::insert_video_upload(c, id, material, piece.key, piece.total, who.person_id);
      }
      if (piece.offset != upload->received_bytes || !db::append_video_chunk(c, upload->id, piece.offset, piece.bytes))
        return errc::upload_offset_mismatch;
      upload->received_bytes += static_cast<std::int64_t>(piece.bytes.size());
    }
    if (upload->received_bytes == upload->total_bytes) to_finish = upload;
    return progress_of(*upload);
  });
  if (!kept || !to_finish) return kept;
  return finish_video(db_, clock_, who, id, material, piece.key, *to_finish, was_complete);
}

result<video_progress> applications::video_upload_status(const caller& who, std::int64_t id, const std::string& material,
                                                         const std::string& key) {
  std::optional<db::video_upload_row> upload;
  video_progress out;
  {
    auto conn = db_.acquire();
    auto row = owned(*conn, who, id, false);
    if (!row) return row.err();
    upload = db::find_video_upload(*conn, id, key);
    if (!upload || upload->material_code != material) return errc::video_upload_not_found;
    out = progress_of(*upload);
    if (upload->page_id) out.page = page_of_upload(*conn, id, *upload->page_id);
    out.replayed = true;  // a query answers 200: 201 is for the piece that completes the upload
  }
  if (out.page || upload->received_bytes < upload->total_bytes) return out;
  // Complete without its page (the server stopped before making it): made now. When it may not be
  // (the application is no longer open), the upload is answered as it stands.
  auto finished = finish_video(db_, clock_, who, id, material, key, *upload, true);
  return finished ? finished : result<video_progress>(out);
}

status applications::delete_page(const caller& who, std::int64_t id, const std::string& material, std::int64_t page_id) {
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.err();
    if (auto open = pages_open(tx.conn(), *row, material, china_date(clock_.now())); !open) return open.err();
    if (!db::delete_page(tx.conn(), id, material, page_id)) return errc::page_not_found;
    return ok();
  });
}

status applications::reorder_pages(const caller& who, std::int64_t id, const std::string& material,
                     const std::vector<std::int64_t>& page_ids) {
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.err();
    if (auto open = pages_open(tx.conn(), *row, material, china_date(clock_.now())); !open) return open.err();
    if (!db::reorder_pages(tx.conn(), id, material, page_ids))
      return errc::invalid_page_order;
    return ok();
  });
}

result<submission> applications::submit_application(const caller& who, std::int64_t id) {
  std::vector<std::string> missing;
  return db::in_transaction(db_, [&](db::transaction& tx) -> result<submission> {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.err();
    if (row->state != "draft")
      return errc::already_submitted;
    auto form = json::parse(row->form_json).as_object();
    if (!form.contains("contact_name"))
      return errc::form_incomplete;
    auto service = db::find_service(tx.conn(), row->service_code);
    submission out;
    int supply_days = 0;
    auto has_pages = [&](const std::string& code) { return db::count_pages(tx.conn(), id, code) > 0; };
    for (auto& m : service->materials) {
      auto need = need_of(*service, m, row->variant, row->cases, has_pages);
      if (need == material_need::tolerable) {
        out.tolerated.push_back(m.code);
        supply_days = std::max(supply_days, m.supply_days.value_or(7));
      } else if (need == material_need::missing) {
        missing.push_back(m.code);
      }
    }
    if (!missing.empty()) {
      error e(errc::materials_missing);
      e.items = missing;
      return e;
    }
    auto today = china_date(clock_.now());
    auto supply = calendar_.add_working_days(today, supply_days);  // today when nothing is tolerated
    // The time limit runs once the file is complete: with a material tolerated, from its supply deadline.
    auto due = calendar_.add_working_days(supply.date, time_limit_of(*service, row->variant));
    out.due_date = due.date;
    if (supply_days > 0) out.supply_deadline = supply.date;
    out.calendar = calendar_.name();
    if (due.beyond_coverage || supply.beyond_coverage)  // counted Monday to Friday: the calendar needs a new year
      log_line("warn", "calendar_beyond_coverage",
               {{"application", std::to_string(id)}, {"calendar", json_str(calendar_.name())}});
    db::mark_submitted(tx.conn(), id, out.due_date, out.supply_deadline);
    db::insert_event(tx.conn(), id, who.person_id, "applicant", "submit", "draft", "submitted", "", "{}");
    db::revoke_codes_of(tx.conn(), id);  // every upload code of this application is dead now
    db::audit(tx, {"application_submitted", who.person_id, row->unit_id, std::nullopt, who.grant_id, "",
                   "{\"application\":" + std::to_string(id) + "}"});
    return out;
  });
}

status applications::withdraw_application(const caller& who, std::int64_t id) {
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto row = owned(tx.conn(), who, id, true);
    if (!row) return row.err();
    if (row->state != "draft" && row->state != "submitted")
      return errc::cannot_withdraw;
    db::set_application_state(tx.conn(), id, row->state, "withdrawn");
    db::insert_event(tx.conn(), id, who.person_id, "applicant", "withdraw", row->state, "withdrawn", "", "{}");
    db::revoke_codes_of(tx.conn(), id);
    return ok();
  });
}

result<std::string> applications::material_pdf(const caller& who, std::int64_t id, const std::string& material) {
  std::vector<db::page_row> meta;
  std::vector<std::string> contents;
  {
    std::optional<db::pool::lease> conn(db_.acquire());
    auto row = owned(**conn, who, id, false);
    if (!row) return row.err();
    if (!material_in(*db::find_service(**conn, row->service_code), material)) return material_not_found();
    if (replica_ && replica_->enabled() && pages_settled(row->state)) {
      // The replica's copy only when it holds exactly the pages the primary lists, in their order.
      auto want = db::page_ids_of(**conn, id, material);
      conn.reset();  // a thread holds one connection at a time
      auto got = replica_->read([&](db::connection& c) -> std::optional<std::vector<std::string>> {
        std::vector<db::page_row> m;
        auto bytes = db::page_contents(c, id, material, &m);
        std::vector<std::int64_t> ids;
        for (auto& p : m) ids.push_back(p.id);
        if (ids != want) return std::nullopt;
        meta = std::move(m);
        return bytes;
      });
      if (got) contents = std::move(*got);
      else conn.emplace(db_.acquire());  // the pages changed meanwhile: as they are now
    }
    if (conn) contents = db::page_contents(**conn, id, material, &meta);
  }
  if (contents.empty()) return errc::no_pages;
  if (meta.front().content_type == "application/pdf") return std::move(contents.front());  // a PDF material: as sent
  std::vector<imaging::page_for_pdf> pages;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    pages.push_back({std::move(contents[i]), meta[i].content_type == "image/png" ? "png" : "jpeg", meta[i].width,
                     meta[i].height, meta[i].dpi});
  }
  auto pdf = imaging::make_pdf(pages, material);
  if (!pdf.pdf) return errc::pdf_failed;
  return std::move(*pdf.pdf);
}

applications::applications(db::pool& db, const personal_data_hasher& hash, imaging_executor& imaging,
                           rate_limiter& limits, const clock& clock, event_hub& page_events, upload_settings settings,
                           const working_calendar& calendar, db::read_replica* replica)
    : db_(db),
      hash_(hash),
      imaging_(imaging),
      limits_(limits),
      clock_(clock),
      events_(page_events),
      settings_(std::move(settings)),
      calendar_(calendar),
      replica_(replica) {}

std::vector<db::service_def> applications::list_services() {
  auto conn = db_.acquire();
  return db::list_services(*conn);
}

std::optional<db::service_def> applications::find_service(const std::string& code) {
  auto conn = db_.acquire();
  return db::find_service(*conn, code);
}

}  // namespace hallpass::server::services
