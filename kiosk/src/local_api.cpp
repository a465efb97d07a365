#include "local_api.hpp"

#include <openssl/crypto.h>

#include <fstream>
#include <regex>
#include <sstream>

#include <boost/json.hpp>

namespace hallpass::kiosk {

namespace json = boost::json;
using server::request;
using server::response;

namespace {

response json_reply(const json::value& v, int status = 200) {
  response r;
  r.status = status;
  r.body = json::serialize(v);
  r.set("Cache-Control", "no-store");
  return r;
}

response error_reply(const kiosk_error& e) {
  return json_reply({{"code", e.code}, {"message", e.message_zh}, {"message_en", e.message_en}}, e.status);
}

response bytes_reply(std::string body, const std::string& type) {
  response r;
  r.content_type = type;
  r.body = std::move(body);
  r.set("Cache-Control", "no-store");  // the person's pages: no cache keeps them
  return r;
}

json::object body_of(const request& req) {
  if (req.body.empty()) return {};
  try {
    auto v = json::parse(req.body);
    if (v.is_object()) return v.as_object();
  } catch (const std::exception&) {
  }
  throw kiosk_error{400, "invalid_json", "请求格式不对", "The request is not a JSON object"};
}

std::string field(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) throw kiosk_error{400, "missing_field", "缺少必填项", std::string("Missing field ") + key};
  return std::string(v->as_string());
}

bool same(const std::string& a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

local_api::local_api(kiosk_app& app, std::string web_dir, std::string boot_token)
    : app_(app), web_dir_(std::move(web_dir)), token_(std::move(boot_token)) {}

server::request_plan local_api::plan(std::string_view, std::string_view path) const {
  server::request_plan p;
  p.body_limit = 4096;  // the screen sends small JSON only
  p.route = path.rfind("/api/", 0) == 0 ? "/api" : "/";
  return p;
}

std::optional<response> local_api::admit(request&, const server::request_plan&) { return std::nullopt; }

response local_api::error_response(int status, std::string_view code) {
  return error_reply({status, std::string(code), "请求无效", "Bad request"});
}

bool local_api::own_host(const request& req) const {
  auto host = std::string(req.header_value("host").value_or(""));
  auto port = std::to_string(port_);
  return host == "127.0.0.1:" + port || host == "localhost:" + port;
}

response local_api::page(const std::string& file, const std::string& type) {
  std::ifstream in(web_dir_ + "/" + file, std::ios::binary);
  if (!in) return error_reply({404, "not_found", "没有这个页面", "No such page"});
  std::stringstream s;
  s << in.rdbuf();
  auto body = s.str();
  if (file == "index.html") body = std::regex_replace(body, std::regex("__KIOSK_TOKEN__"), token_);
  auto r = bytes_reply(std::move(body), type);
  r.set("Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Referrer-Policy", "no-referrer");
  return r;
}

response local_api::handle(request& req, const server::request_plan&) {
  try {
    if (!own_host(req)) return error_reply({421, "wrong_host", "只接受本机访问", "Only this kiosk's own address is served"});
    return route(req);
  } catch (const kiosk_error& e) {
    return error_reply(e);
  } catch (const std::exception& e) {
    return error_reply({500, "internal_error", "自助终端出错了，请联系工作人员", std::string("Kiosk error: ") + e.what()});
  }
}

response local_api::route(request& req) {
  const auto& m = req.method;
  const auto& p = req.path;
  if (m == "GET" && (p == "/" || p == "/index.html")) return page("index.html", "text/html; charset=utf-8");
  if (m == "GET" && p == "/static/kiosk.css") return page("kiosk.css", "text/css; charset=utf-8");
  if (m == "GET" && p == "/static/kiosk.js") return page("kiosk.js", "text/javascript; charset=utf-8");
  if (p.rfind("/api/", 0) != 0) return error_reply({404, "not_found", "没有这个页面", "No such page"});

  // Only this kiosk's own screen: its origin (when a browser names one) and this boot's token.
  if (auto origin = req.header_value("origin");
      origin && *origin != "http://127.0.0.1:" + std::to_string(port_) && *origin != "http://localhost:" + std::to_string(port_))
    return error_reply({403, "cross_origin", "拒绝来自其他网页的请求", "Requests from other pages are refused"});
  if (!same(token_, req.header_value("x-kiosk-token").value_or("")))
    return error_reply({403, "kiosk_token_invalid", "请求无效，请刷新屏幕", "Bad kiosk token; reload the screen"});

  static const std::regex application_path("/api/applications/([0-9]{1,18})");
  std::smatch match;
  if (m == "GET" && p == "/api/state") return json_reply(app_.state());
  if (m == "POST" && p == "/api/activity") return app_.touch(), json_reply(json::object{});
  if (m == "POST" && p == "/api/login") return json_reply(app_.start_login());
  if (m == "DELETE" && p == "/api/login") return app_.cancel_login(), json_reply(json::object{});
  if (m == "POST" && p == "/api/sign-out") return app_.sign_out("sign_out"), json_reply(json::object{});
  if (m == "GET" && p == "/api/camera.jpg") return bytes_reply(app_.viewfinder_jpeg(), "image/jpeg");
  if (m == "POST" && p == "/api/checks") return json_reply(app_.check_paper());
  // What a person does from here on keeps their session from timing out.
  app_.touch();
  if (m == "GET" && p == "/api/applications") return json_reply(app_.applications());
  if (m == "GET" && std::regex_match(p, match, application_path)) return json_reply(app_.application(match[1]));
  if (m == "POST" && p == "/api/material") {
    auto b = body_of(req);
    return json_reply(app_.open_material(field(b, "application_id"), field(b, "material")));
  }
  if (m == "POST" && p == "/api/captures") return json_reply(app_.capture());
  if (m == "GET" && p == "/api/captures/preview.jpg") return bytes_reply(app_.preview_jpeg(), "image/jpeg");
  if (m == "POST" && p == "/api/captures/keep") return json_reply(app_.keep_capture());
  if (m == "POST" && p == "/api/prints") {
    auto b = body_of(req);
    return json_reply(app_.print(field(b, "application_id"), field(b, "document")));
  }
  return error_reply({404, "not_found", "没有这个操作", "No such operation"});
}

}  // namespace hallpass::kiosk
