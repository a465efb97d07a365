// The 受理回执 and the decision documents of an application, from its recorded events.
#include "hallpass/server/services/application_documents.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include <boost/json.hpp>

#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/log.hpp"
#include "hallpass/server/services/clock.hpp"

namespace hallpass::server::services {

namespace json = boost::json;

namespace {

constexpr std::size_t cache_limit = 64;

// "2026-12-01" -> "2026年12月01日"
std::string chinese_date(const std::string& iso) {
  if (iso.size() < 10) return iso;
  return iso.substr(0, 4) + "年" + iso.substr(5, 2) + "月" + iso.substr(8, 2) + "日";
}

// "2026-12-01T12:05:00Z" (as the database writes times) -> that instant.
clock::time_point parse_utc(const std::string& rfc3339) {
  using namespace std::chrono;
  sys_days day{year{std::stoi(rfc3339.substr(0, 4))} / month{unsigned(std::stoi(rfc3339.substr(5, 2)))} /
               std::chrono::day{unsigned(std::stoi(rfc3339.substr(8, 2)))}};
  return day + hours(std::stoi(rfc3339.substr(11, 2))) + minutes(std::stoi(rfc3339.substr(14, 2))) +
         seconds(std::stoi(rfc3339.substr(17, 2)));
}

// An RFC 3339 UTC time -> its date in China, "2026-12-01".
std::string china_day_of(const std::string& rfc3339) {
  return rfc3339.size() < 19 ? rfc3339 : china_date(parse_utc(rfc3339));
}

// "2026-12-01T12:05:00Z" -> "2026年12月01日 20:05" (China time, UTC+8)
std::string chinese_time(const std::string& rfc3339) {
  if (rfc3339.size() < 19) return rfc3339;
  auto minutes = std::chrono::floor<std::chrono::minutes>(parse_utc(rfc3339) + std::chrono::hours(8));
  std::chrono::hh_mm_ss hm{minutes - std::chrono::floor<std::chrono::days>(minutes)};
  char out[8];
  std::snprintf(out, sizeof out, "%02d:%02d", int(hm.hours().count()), int(hm.minutes().count()));
  return chinese_date(china_day_of(rfc3339)) + " " + out;
}

const db::event_row* last_event(const std::vector<db::event_row>& events, std::initializer_list<std::string_view> actions) {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (std::find(actions.begin(), actions.end(), it->action) != actions.end()) return &*it;
  return nullptr;
}

std::string details_string(const db::event_row& e, const char* key) {
  boost::system::error_code ec;
  auto v = json::parse(e.details_json, ec);
  if (ec || !v.is_object()) return {};
  auto* s = v.as_object().if_contains(key);
  return s && s->is_string() ? std::string(s->as_string()) : std::string{};
}

struct applicant_names {
  std::string printed;  // the unit by name and number, or the person by masked name and ID number
  std::string masked;   // the person's masked name, or the unit's name with its middle masked
};

applicant_names applicant_of(db::pool& pool, const db::application_row& row) {
  applicant_names out;
  db::in_transaction(pool, [&](db::transaction& tx) {
    if (row.unit_id) {
      if (auto u = db::find_unit(tx, *row.unit_id)) {
        out.printed = u->name + "（单位编号 " + u->unit_number + "）";
        out.masked = identity::mask_unit_name(u->name);
      }
    } else if (auto p = db::find_person_by_id(tx, row.person_id)) {
      out.printed = identity::mask_name(p->name) + "（" + p->id_number_masked + "）";
      out.masked = identity::mask_name(p->name);
    }
  });
  return out;
}

const char* remedy =
    "如不服本决定，可以自收到本决定之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。";

}  // namespace

std::optional<document_kind> document_kind_from_string(std::string_view s) {
  if (s == "receipt") return document_kind::receipt;
  if (s == "decision") return document_kind::decision;
  return std::nullopt;
}

application_documents::application_documents(db::pool& db, applications& apps, review& review,
                                             std::optional<std::string> font, document_signing* signer)
    : db_(db), apps_(apps), review_(review), font_(std::move(font)), signer_(signer) {}

result<documents::official_document> application_documents::content(const application_view& view,
                                                                     document_kind kind) {
  const auto& row = view.row;
  const auto& service = view.service;
  auto events = review_.timeline(row.id);
  const db::event_row* basis = kind == document_kind::receipt ? last_event(events, {"accept"})
                                                              : last_event(events, {"approve", "reject", "refuse"});
  if (!basis) return errc::document_not_available;

  auto applicant = applicant_of(db_, row).printed;

  documents::official_document doc;
  doc.issuer = service.office_name;
  doc.issued_on = chinese_date(china_day_of(basis->at));
  doc.created_at = basis->at;
  doc.footer = "HallPass 网上服务大厅 · 申请编号 " + std::to_string(row.id) + " · 可在“我的办件”中查询办理进度";
  doc.fields = {{"申请编号", std::to_string(row.id)},
                {"申请事项", service.name},
                {"申请人", applicant},
                {"提交时间", row.submitted_at ? chinese_time(*row.submitted_at) : ""}};

  if (kind == document_kind::receipt) {
    doc.title = "受理回执";
    doc.title_en = "Acceptance receipt";
    doc.reference = "回执编号：" + row.service_code + "-" + std::to_string(row.id);
    auto due = details_string(*basis, "due_date");
    auto calendar = details_string(*basis, "calendar");
    doc.fields.push_back({"受理时间", chinese_time(basis->at)});
    doc.fields.push_back({"受理人", basis->actor_name.value_or("")});
    doc.fields.push_back({"受理部门", service.office_name});
    doc.fields.push_back({"法定办理时限", service.time_limit_days == 0
                                              ? std::string("即时办结")
                                              : std::to_string(service.time_limit_days) + " 个工作日（自受理之日起，补正时间不计入）"});
    if (!due.empty()) doc.fields.push_back({"预计办结日期", chinese_date(due) + "（" + calendar + "）"});

    // The materials as they stood at acceptance: pages received by then, or tolerated.
    documents::document_table table{{"序号", "材料名称", "页数", "收取情况"}, {0.09, 0.51, 0.10, 0.30}, {}};
    std::vector<std::string> tolerated;
    auto materials = service.materials;
    std::sort(materials.begin(), materials.end(), [](auto& a, auto& b) { return a.position < b.position; });
    for (auto& m : materials) {
      auto pages = std::count_if(view.pages.begin(), view.pages.end(),
                                 [&](auto& p) { return p.material_code == m.code && p.created_at <= basis->at; });
      std::string status;
      if (pages > 0) {
        status = "已收取";
      } else if (m.tolerable && row.supply_deadline) {
        status = "容缺，须于 " + chinese_date(*row.supply_deadline) + " 前补齐";
        tolerated.push_back(m.name);
      } else {
        status = m.required ? "未收取" : "未提交（非必需）";
      }
      table.rows.push_back({std::to_string(table.rows.size() + 1), m.name, std::to_string(pages), status});
    }
    doc.table = std::move(table);
    doc.paragraphs.push_back("您的申请已于" + chinese_time(basis->at) + "受理。" +
                             (service.time_limit_days == 0 ? std::string("本事项即时办结。")
                                                           : "预计办结日期按“" + calendar + "”工作日历计算，遇补正顺延。"));
    if (!tolerated.empty()) {
      std::string names;
      for (auto& n : tolerated) names += (names.empty() ? "" : "、") + n;
      doc.paragraphs.push_back("容缺受理：请于 " + chinese_date(*row.supply_deadline) + " 前补齐" + names +
                               "。材料补齐前，不能作出许可决定。");
    }
    doc.paragraphs.push_back("请妥善保管本回执，并凭申请编号在网上服务大厅“我的办件”中查询办理进度。");
    return doc;
  }

  doc.fields.push_back({"决定日期", chinese_date(china_day_of(basis->at))});
  if (basis->action == "refuse") {
    doc.title = "不予受理通知书";
    doc.title_en = "Notice of refusal to accept the application";
    doc.reference = "文书编号：" + row.service_code + "-" + std::to_string(row.id) + "-BSL";
    doc.paragraphs.push_back("经审查，您的申请不予受理。理由：" + basis->comment);
    doc.paragraphs.push_back(remedy);
    return doc;
  }
  if (row.accepted_at) doc.fields.insert(doc.fields.end() - 1, {"受理时间", chinese_time(*row.accepted_at)});
  if (basis->action == "approve") {
    doc.title = "准予行政许可决定书";
    doc.title_en = "Decision to grant the licence";
    auto licence = details_string(*basis, "licence_number");
    doc.reference = "文书编号：" + row.service_code + "-" + std::to_string(row.id) + "-ZYXK";
    doc.fields.push_back({"许可证编号", licence});
    doc.paragraphs.push_back(basis->comment);
    doc.paragraphs.push_back("本决定自作出之日起生效。");
  } else {
    doc.title = "不予行政许可决定书";
    doc.title_en = "Decision to refuse the licence";
    doc.reference = "文书编号：" + row.service_code + "-" + std::to_string(row.id) + "-BYXK";
    doc.paragraphs.push_back(basis->comment);
    doc.paragraphs.push_back(remedy);
  }
  return doc;
}

document_to_sign application_documents::to_sign(const application_view& view,
                                                const documents::official_document& doc) const {
  document_to_sign out;
  out.application_id = view.row.id;
  out.type = doc.title == "受理回执"            ? signing::document_type::receipt
             : doc.title == "准予行政许可决定书" ? signing::document_type::approval
                                                 : signing::document_type::rejection;  // 不予许可, 不予受理
  out.office = view.service.office_code;
  out.reference = std::to_string(view.row.id);
  out.holder = applicant_of(db_, view.row).masked;
  out.printed_content = documents::printed_text(doc);
  out.issued_at = std::chrono::duration_cast<std::chrono::seconds>(parse_utc(doc.created_at).time_since_epoch()).count();
  return out;
}

result<pdf_file> application_documents::pdf(const caller& who, std::int64_t id, document_kind kind) {
  if (!font_) return errc::documents_unavailable;
  application_view view;
  if (who.is_staff()) {
    auto row = review_.staff_application(who, id);
    if (!row) return row.err();
    view = apps_.view_of(*row);
  } else {
    auto own = apps_.get_application(who, id);
    if (!own) return own.err();
    view = std::move(*own);
  }
  auto doc = content(view, kind);
  if (!doc) return doc.err();
  auto key = std::make_tuple(id, kind, doc->created_at);
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  // A document is signed once and keeps its code: a cached PDF carries it already.
  if (signer_) {
    auto url = signer_->sign(to_sign(view, *doc));
    if (!url) return url.err();
    doc->seal_qr_text = *url;
  }
  pdf_file file;
  const std::string stem = kind == document_kind::receipt ? "receipt" : "decision";
  file.filename = stem + "-" + std::to_string(id) + ".pdf";
  file.filename_zh = doc->title + "-" + std::to_string(id) + ".pdf";
  file.content = *doc;
  try {
    file.bytes = documents::render_pdf(*doc, *font_);
  } catch (const std::exception& e) {
    log_line("error", "document_render_failed",
             {{"application_id", std::to_string(id)}, {"kind", json_str(stem)}, {"error", json_str(e.what())}});
    return errc::pdf_failed;
  }
  std::lock_guard lock(cache_mutex_);
  if (cache_.size() >= cache_limit) cache_.clear();
  cache_.emplace(key, file);
  return file;
}

}  // namespace hallpass::server::services
