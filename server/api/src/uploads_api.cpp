// The phone's side of an upload code (no session: the code is the credential, for one material),
// and page images for the portal and the phone.
#include <regex>

#include <boost/json.hpp>

#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/uploads.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_auth.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

namespace {

std::string upload_token(const request& req) {
  auto h = req.header_value("x-upload-code");
  if (!h || h->empty() || h->size() > 100)
    throw api_exception{{401, "upload_code_required", "缺少上传码，请重新扫描电脑上的二维码",
                         "The upload code is missing; scan the QR code on the computer again"}};
  return std::string(*h);
}

}  // namespace

json::object page_json(const db::page_row& p) {
  return {{"id", std::to_string(p.id)},         {"material", p.material_code}, {"position", p.position},
          {"content_type", p.content_type},     {"sha256", p.sha256},          {"width", p.width},
          {"height", p.height},                 {"dpi", p.dpi},                {"bytes", p.bytes},
          {"source", p.source},                 {"created_at", p.created_at},
          {"thumbnail_url", "/api/v1/pages/" + std::to_string(p.id) + "/thumbnail"},
          {"image_url", "/api/v1/pages/" + std::to_string(p.id) + "/image"}};
}

response upload_response(const services::upload_outcome& out) {
  json::object checks;
  for (auto& [name, v] : out.checks) checks[name] = {{"value", v[0]}, {"threshold", v[1]}, {"ok", v[2] != 0}};
  if (!out.accepted) {
    json::array reasons;
    for (auto& r : out.reasons) reasons.push_back({{"code", r[0]}, {"message", r[1]}, {"message_en", r[2]}});
    std::string zh = "照片无法使用，请重新拍摄", en = "The photo cannot be used; please take it again";
    if (!out.reasons.empty()) {
      bool file = out.reasons[0][0].rfind("pdf_", 0) == 0;  // a document, not a photo
      zh = out.reasons[0][1] + (file ? "，请换一个文件" : "，请重新拍摄");
      en = out.reasons[0][2] + (file ? "; please upload another file" : "; please take it again");
    }
    return json_response({{"accepted", false},
                          {"error", {{"code", "photo_rejected"}, {"message", zh}, {"message_en", en}}},
                          {"reasons", reasons},
                          {"checks", checks}},
                         422);
  }
  return json_response({{"accepted", true}, {"replayed", out.replayed}, {"page", page_json(out.page)}, {"checks", checks}},
                       out.replayed ? 200 : 201);
}

response upload_later(context& ctx, const std::function<services::status(services::upload_done)>& start) {
  auto later = std::make_shared<response_later>();
  auto started = start([later](services::result<services::upload_outcome> out) {
    later->finish(out ? upload_response(*out) : error_json(out.err()));
  });
  if (!started) {
    later->detach();
    return error_json(started.err());
  }
  auto r = error_json(services::error(services::errc::imaging_busy, 5));  // sent only if no answer in time
  r.later = later;
  r.wait = ctx.settings.upload_wait;
  return r;
}

std::optional<std::string> idempotency_key(const request& req) {
  auto key = req.header_value("idempotency-key");
  return key ? std::optional(std::string(*key)) : std::nullopt;
}

response describe_upload_code(context& ctx, request& req) {
  auto v = ctx.applications.describe_upload_code(upload_token(req)).or_throw();
  return json_response({{"service_name", v.service_name},
                        {"material", v.code.material_code},
                        {"material_name", v.material_name},
                        {"pages_in_material", v.pages_in_material},
                        {"pages_added", v.code.pages_added},
                        {"max_pages", v.code.max_pages},
                        {"expires_in", v.code.expires_in},
                        {"expires_at", v.code.expires_at}});
}

void admit_code_upload(context& ctx, request& req) {
  ctx.applications.describe_upload_code(upload_token(req)).or_throw();
}

response upload_page_with_code(context& ctx, request& req) {
  auto token = upload_token(req);
  ctx.applications.count_code_photo(token, req.remote_ip).or_throw();  // before the photo is looked at
  return upload_later(ctx, [&](services::upload_done done) {
    return ctx.applications.upload_with_code(token, std::move(req.body), idempotency_key(req), std::move(done));
  });
}

namespace {

// `Range: bytes=FROM-` or `bytes=FROM-TO`; anything else is ignored (the whole file, RFC 9110 §14.2).
std::optional<std::pair<std::int64_t, std::optional<std::int64_t>>> byte_range(const request& req) {
  auto h = req.header_value("range");
  if (!h) return std::nullopt;
  static const std::regex one(R"(bytes=(\d{1,15})-(\d{0,15}))");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(h->begin(), h->end(), m, one)) return std::nullopt;
  auto from = std::stoll(m[1].str());
  std::optional<std::int64_t> to;
  if (m[2].length() > 0) to = std::stoll(m[2].str());
  if (to && *to < from) return std::nullopt;
  return std::make_pair(from, to);
}

response page_image_response(context& ctx, request& req, bool thumbnail) {
  std::optional<services::caller> who;
  std::optional<std::string> token;
  if (auto h = req.header_value("x-upload-code")) token = std::string(*h);
  if (!token) who = require_session(ctx, req);  // the applicant's side, or staff of the office
  auto img = ctx.applications.page_image(who, token, path_id(req, "page_id"), thumbnail, byte_range(req)).or_throw();
  response r;
  r.content_type = img.content_type;
  r.body = std::move(img.bytes);
  if (img.total > 0) {  // a video: by byte range
    r.set("Accept-Ranges", "bytes");
    if (img.partial) {
      r.status = 206;
      r.set("Content-Range", "bytes " + std::to_string(img.from) + "-" + std::to_string(img.to) + "/" + std::to_string(img.total));
    }
  }
  r.set("Cache-Control", "no-store");  // pages hold personal documents: no cache keeps them
  r.set("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

response page_thumbnail(context& ctx, request& req) { return page_image_response(ctx, req, true); }
response page_image(context& ctx, request& req) { return page_image_response(ctx, req, false); }

}  // namespace hallpass::server::api
