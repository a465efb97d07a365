// The service catalogue and applications: drafts, form, materials, upload codes, portal uploads,
// submission, PDFs, and a live stream of page changes for the portal.
#include <algorithm>

#include <boost/json.hpp>

#include "hallpass/qr/qr.hpp"
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/uploads.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/services/applications.hpp"
#include "hallpass/server/api/request_auth.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

namespace {

std::string material_of(request& req) { return req.path_params["material"]; }

}  // namespace

response list_services(context& ctx, request&) {
  json::array out;
  for (auto& s : ctx.applications.list_services()) out.push_back(service_json(s, false));
  auto r = json_response({{"services", out}});
  r.headers.clear();
  r.set("Cache-Control", "public, max-age=60");
  return r;
}

response get_service(context& ctx, request& req) {
  auto s = ctx.applications.find_service(req.path_params["service_code"]);
  if (!s) return error_json(services::errc::service_not_found);
  return json_response(service_json(*s, true));
}

response list_my_applications(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  json::array in_progress, finished, to_rate;
  auto rows = ctx.applications.list_applications(who).or_throw();  // owned here: the loop outlives the temporary
  for (auto& r : rows) {
    auto summary = application_summary(r);
    auto& tab = summary["progress"] == "已办结" ? finished : summary["progress"] == "待评价" ? to_rate : in_progress;
    tab.push_back(std::move(summary));
  }
  return json_response({{"in_progress", in_progress}, {"finished", finished}, {"to_rate", to_rate}});
}

response create_application(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto body = new_application_body(req);
  auto id = ctx.applications.start_application(who, body.service_code, body.variant).or_throw();
  return json_response(application_json(ctx.applications.get_application(who, id).or_throw()), 201);
}

response get_application(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  return json_response(application_json(ctx.applications.get_application(who, path_id(req, "application_id")).or_throw()));
}

response update_application(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto update = application_update_body(req);
  auto id = path_id(req, "application_id");
  ctx.applications.save_form(who, id, update.form, update.step, update.choice).or_throw();
  return json_response(application_json(ctx.applications.get_application(who, id).or_throw()));
}

response application_events(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto id = path_id(req, "application_id");
  auto slot = take_stream_slot(ctx, "session:" + std::to_string(who.session_id));
  auto later = std::make_shared<response_later>();
  auto* hub = &ctx.applications.events();
  auto sub = hub->subscribe(id, [later](const std::string& event) {
    later->push("event: changed\ndata: " + json::serialize(json::object{{"event", event}}) + "\n\n");
  });
  later->on_done([hub, sub, slot] { hub->unsubscribe(sub); });
  auto view = ctx.applications.get_application(who, id);  // after subscribing: nothing falls in between
  if (!view) {
    later->detach();
    return error_json(view.err());
  }
  later->push("event: changed\ndata: {\"event\":\"open\"}\n\n");
  return event_stream_response(later);
}

response submit_application(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  empty_body(req);
  auto s = ctx.applications.submit_application(who, path_id(req, "application_id"));
  if (!s) return error_json(s.err());  // materials_missing lists them
  json::array tolerated;
  for (auto& t : s->tolerated) tolerated.push_back(json::value(t));
  return json_response({{"state", "submitted"},
                        {"due_date", s->due_date},
                        {"calendar", s->calendar},
                        {"supply_deadline", s->supply_deadline ? json::value(*s->supply_deadline) : json::value(nullptr)},
                        {"tolerated", tolerated}});
}

response withdraw_application(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  empty_body(req);
  ctx.applications.withdraw_application(who, path_id(req, "application_id")).or_throw();
  return json_response({{"state", "withdrawn"}});
}

response create_upload_code(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  empty_body(req);
  auto code = ctx.applications.create_upload_code(who, path_id(req, "application_id"), material_of(req)).or_throw();
  json::object body{{"id", std::to_string(code.code.id)},    {"url", code.url},
                    {"material", code.code.material_code},    {"expires_in", code.code.expires_in},
                    {"expires_at", code.code.expires_at},     {"max_pages", code.code.max_pages}};
  if (auto m = qr::encode(code.url)) {
    if (auto svg = qr::render_svg(*m, {4, 4})) body["qr_svg"] = *svg;
  }
  return json_response(body, 201);
}

response revoke_upload_code(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  ctx.applications.revoke_upload_code(who, path_id(req, "application_id"), path_id(req, "code_id")).or_throw();
  response r;
  r.status = 204;
  return r;
}

void admit_portal_upload(context& ctx, request& req) { require_caller(ctx, req); }

response upload_page_from_portal(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  ctx.applications.count_portal_photo(who, req.remote_ip).or_throw();  // before the photo is looked at
  auto id = path_id(req, "application_id");
  return upload_later(ctx, [&](services::upload_done done) {
    return ctx.applications.upload_from_portal(who, id, material_of(req), std::move(req.body), idempotency_key(req),
                                               std::move(done));
  });
}

namespace {

// A whole number header (Upload-Length, Upload-Offset); 400 invalid_upload_range when absent or not one.
std::int64_t number_header(const request& req, const char* name) {
  auto h = req.header_value(name);
  std::int64_t v = -1;
  if (h && !h->empty() && h->size() <= 15 && std::all_of(h->begin(), h->end(), [](char c) { return c >= '0' && c <= '9'; }))
    v = std::stoll(std::string(*h));
  if (v < 0) throw services::failure{services::errc::invalid_upload_range};
  return v;
}

response video_progress_response(const services::video_progress& p) {
  json::object o{{"received", p.received}, {"total", p.total}, {"complete", p.page.has_value()}};
  if (p.page) o["page"] = page_json(*p.page);
  return json_response(o, p.page && !p.replayed ? 201 : 200);
}

}  // namespace

void admit_video_piece(context& ctx, request& req) {
  require_caller(ctx, req);
  ctx.applications.admit_video(number_header(req, "upload-length")).or_throw();  // before the piece is read
}

response upload_video_piece(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  services::video_piece piece{req.path_params["upload_key"], number_header(req, "upload-length"),
                              number_header(req, "upload-offset"), req.body};
  return video_progress_response(
      ctx.applications.upload_video_piece(who, path_id(req, "application_id"), material_of(req), piece).or_throw());
}

response video_upload_status(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  return video_progress_response(ctx.applications
                                     .video_upload_status(who, path_id(req, "application_id"), material_of(req),
                                                          req.path_params["upload_key"])
                                     .or_throw());
}

response reorder_material_pages(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto page_ids = page_order_body(req);
  auto id = path_id(req, "application_id");
  ctx.applications.reorder_pages(who, id, material_of(req), page_ids).or_throw();
  return json_response(application_json(ctx.applications.get_application(who, id).or_throw()));
}

response delete_material_page(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  ctx.applications.delete_page(who, path_id(req, "application_id"), material_of(req), path_id(req, "page_id")).or_throw();
  response r;
  r.status = 204;
  return r;
}

response material_pdf(context& ctx, request& req) {
  auto who = require_caller(ctx, req);
  auto pdf = ctx.applications.material_pdf(who, path_id(req, "application_id"), material_of(req)).or_throw();
  response r;
  r.content_type = "application/pdf";
  r.body = std::move(pdf);
  r.set("Cache-Control", "no-store");
  r.set("Content-Disposition", "attachment; filename=\"" + material_of(req) + ".pdf\"");
  return r;
}

}  // namespace hallpass::server::api
