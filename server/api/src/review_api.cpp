// The hall's side: an office's work queue, an application as its staff see it, and their actions;
// and the applicant's side after submission: the timeline, resubmission after 补正, the rating,
// and the 受理回执 and decision as PDF.
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_auth.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/services/review.hpp"

namespace hallpass::server::api {

namespace json = boost::json;
namespace urls = boost::urls;

namespace {

constexpr std::size_t max_search = 64;

json::array timeline_json(context& ctx, std::int64_t id) {
  json::array out;
  for (auto& e : ctx.review.timeline(id)) out.push_back(event_json(e));
  return out;
}

json::object queue_item_json(const services::queue_item& q) {
  auto o = application_summary(q.row.app);
  o["service_name"] = q.row.service_name;
  o["unit"] = q.row.unit_name ? json::value(json::object{{"name", *q.row.unit_name},
                                                         {"unit_number", q.row.unit_number.value_or("")}})
                              : json::value(nullptr);
  o["applicant_name"] = identity::mask_name(q.row.applicant_name);
  o["section"] = q.section;
  o["working_days_left"] = q.working_days_left ? json::value(*q.working_days_left) : json::value(nullptr);
  o["due_soon"] = q.due_soon;
  o["overdue"] = q.overdue;
  json::array missing;
  for (auto& m : q.row.missing_tolerated) missing.push_back(json::value(m));
  o["missing_tolerated"] = missing;
  o["supply_overdue"] = q.supply_overdue;
  return o;
}

// RFC 8187 ext-value: UTF-8, every byte outside the unreserved set percent-encoded.
std::string rfc8187(const std::string& s) { return "UTF-8''" + urls::encode(s, urls::unreserved_chars); }

// Accept: application/json (and not a PDF first).
bool wants_json(const request& req) {
  auto accept = std::string(req.header_value("accept").value_or(""));
  auto json_at = accept.find("application/json"), pdf_at = accept.find("application/pdf");
  return json_at != std::string::npos && (pdf_at == std::string::npos || json_at < pdf_at);
}

json::object document_json(const documents::official_document& doc) {
  json::array fields, paragraphs;
  for (auto& f : doc.fields) fields.push_back({{"label", f.label}, {"value", f.value}});
  for (auto& p : doc.paragraphs) paragraphs.push_back(json::string(p));
  json::object out{{"title", doc.title},         {"title_en", doc.title_en}, {"reference", doc.reference},
                   {"fields", fields},           {"paragraphs", paragraphs}, {"issuer", doc.issuer},
                   {"issued_on", doc.issued_on}, {"footer", doc.footer},     {"qr_text", doc.seal_qr_text}};
  if (doc.table) {
    json::array rows;
    for (auto& row : doc.table->rows) rows.push_back(json::value_from(row));
    out["table"] = {{"header", json::value_from(doc.table->header)}, {"rows", rows}};
  }
  return out;
}

response document_response(context& ctx, request& req, services::document_kind kind) {
  auto who = require_session(ctx, req);  // the applicant, or staff of the office
  auto file = ctx.documents.pdf(who, path_id(req, "application_id"), kind).or_throw();
  if (wants_json(req)) {  // the same document as data, for a receipt printer's own layout
    auto r = json_response(document_json(file.content));
    r.set("Cache-Control", "private, no-store");
    return r;
  }
  response r;
  r.content_type = "application/pdf";
  r.body = std::move(file.bytes);
  r.set("Cache-Control", "private, no-store");
  r.set("Content-Disposition",
        "attachment; filename=\"" + file.filename + "\"; filename*=" + rfc8187(file.filename_zh));
  return r;
}

}  // namespace

response staff_queue(context& ctx, request& req) {
  auto staff = require_staff(ctx, req);
  auto search = req.query_param("q").value_or("");
  if (search.size() > max_search) search.resize(max_search);
  json::array items;
  for (auto& q : ctx.review.queue(staff, search).or_throw()) items.push_back(queue_item_json(q));
  return json_response({{"office", {{"code", *staff.office_code}, {"name", staff.office_name.value_or("")}}},
                        {"calendar", ctx.review.calendar().name()},
                        {"today", ctx.review.today()},
                        {"items", items}});
}

response staff_queue_events(context& ctx, request& req) {
  auto staff = require_staff(ctx, req);
  auto slot = take_stream_slot(ctx, "session:" + std::to_string(staff.session_id));
  auto later = std::make_shared<response_later>();
  auto* hub = &ctx.review.office_events();
  auto sub = hub->subscribe(0, [later, office = *staff.office_code](const std::string& event) {
    if (event == office || event == "refresh") later->push("event: changed\ndata: {\"event\":\"changed\"}\n\n");
  });
  later->on_done([hub, sub, slot] { hub->unsubscribe(sub); });
  later->push("event: changed\ndata: {\"event\":\"open\"}\n\n");
  return event_stream_response(later);
}

response staff_application(context& ctx, request& req) {
  auto staff = require_staff(ctx, req);
  auto id = path_id(req, "application_id");
  auto row = ctx.review.staff_application(staff, id).or_throw();
  // The same view as the applicant's: form (contact mobile masked there), materials and pages.
  auto view = ctx.applications.view_of(row);
  auto o = application_json(view);
  o["timeline"] = timeline_json(ctx, id);
  if (auto rating = ctx.review.rating_for(staff, id))  // the office's head sees how it was rated
    o["rating"] = json::object{{"stars", rating->stars}, {"comment", rating->comment}, {"rated_at", rating->rated_at}};
  return json_response(o);
}

response staff_action(context& ctx, request& req) {
  auto staff = require_staff(ctx, req);
  auto action = staff_action_body(req);
  auto id = path_id(req, "application_id");
  auto row = ctx.review.act(staff, id, action).or_throw();
  auto o = application_summary(row);
  o["timeline"] = timeline_json(ctx, id);
  return json_response(o);
}

response application_timeline(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto id = path_id(req, "application_id");
  auto view = ctx.applications.get_application(who, id).or_throw();  // the caller's own, or 404
  auto o = application_summary(view.row);
  o["timeline"] = timeline_json(ctx, id);
  return json_response(o);
}

response rate_application(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto body = rating_body(req);
  ctx.review.rate(who, path_id(req, "application_id"), body.stars, body.comment).or_throw();
  return json_response({{"rated", true}}, 201);
}

response resubmit_application(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  empty_body(req);
  auto id = path_id(req, "application_id");
  auto row = ctx.review.resubmit(who, id).or_throw();
  auto o = application_summary(row);
  o["timeline"] = timeline_json(ctx, id);
  return json_response(o);
}

response application_receipt(context& ctx, request& req) {
  return document_response(ctx, req, services::document_kind::receipt);
}

response application_decision(context& ctx, request& req) {
  return document_response(ctx, req, services::document_kind::decision);
}

}  // namespace hallpass::server::api
