// The pages people open: portal home, portal login (QR), the page a QR opens in a phone browser,
// the hall staff's portal, and their static files. Files come from the configured web directory.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>

#include "hallpass/server/api/handlers.hpp"

namespace hallpass::server::api {

namespace {

// The pages' policy: scripts from this server only, never inline, and no framing. with_wasm lets the
// page compile WebAssembly (the in-page QR scanner), which 'self' alone does not allow.
std::string page_policy(bool with_wasm) {
  return std::string("default-src 'self'; script-src 'self'") + (with_wasm ? " 'wasm-unsafe-eval'" : "") +
         "; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
}

// The bytes of a file of the web directory; not_found when it cannot be read.
std::string web_file(const context& ctx, const std::string& name) {
  std::ifstream in(std::filesystem::path(ctx.settings.web_dir) / name, std::ios::binary);
  if (!in) throw api_exception{errors::not_found()};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

response file_response(const context& ctx, const std::string& name, bool with_wasm = false) {
  response r;
  r.body = web_file(ctx, name);
  auto ext = std::filesystem::path(name).extension().string();
  r.content_type = ext == ".html" ? "text/html; charset=utf-8"
                   : ext == ".js" ? "text/javascript; charset=utf-8"
                   : ext == ".css" ? "text/css; charset=utf-8"
                   : ext == ".svg" ? "image/svg+xml"
                   : ext == ".png" ? "image/png"
                   : ext == ".webmanifest" ? "application/manifest+json"
                   : ext == ".wasm" ? "application/wasm"
                                   : "application/octet-stream";
  r.set("X-Content-Type-Options", "nosniff");
  if (ext == ".html") {
    r.set("Cache-Control", "no-store");
    r.set("Content-Security-Policy", page_policy(with_wasm));
    r.set("Referrer-Policy", "no-referrer");  // the QR page's URL holds a token
  } else {
    r.set("Cache-Control", "public, max-age=300");
  }
  return r;
}

void replace_first(std::string& text, std::string_view mark, const std::string& with) {
  if (auto at = text.find(mark); at != std::string::npos) text.replace(at, mark.size(), with);
}

// A printable template's page: the frame all of them share (web/templates/page-frame.html) around
// the form itself (web/templates/<name>.html), titled by the form's <h1>.
std::string in_template_frame(std::string frame, const std::string& form) {
  const auto from = form.find("<h1>"), to = form.find("</h1>");
  const bool titled = from != std::string::npos && to != std::string::npos && to > from;
  replace_first(frame, "{{title}}", titled ? form.substr(from + 4, to - from - 4) : std::string());
  replace_first(frame, "{{form}}", form);
  return frame;
}

}  // namespace

response page_home(context& ctx, request&) { return file_response(ctx, "index.html"); }
response page_login(context& ctx, request&) { return file_response(ctx, "login.html"); }
response page_scan(context& ctx, request&) { return file_response(ctx, "scan.html"); }
response page_services(context& ctx, request&) { return file_response(ctx, "services.html"); }
response page_application(context& ctx, request&) { return file_response(ctx, "application.html"); }
response page_upload(context& ctx, request&) { return file_response(ctx, "upload.html"); }
response page_staff(context& ctx, request&) { return file_response(ctx, "staff.html"); }
response page_messages(context& ctx, request&) { return file_response(ctx, "messages.html"); }
response page_account(context& ctx, request&) { return file_response(ctx, "account.html"); }
response page_forgot_password(context& ctx, request&) { return file_response(ctx, "forgot-password.html"); }
response page_unit(context& ctx, request&) { return file_response(ctx, "unit.html"); }
response page_register(context& ctx, request&) { return file_response(ctx, "register.html"); }
response page_phone(context& ctx, request&) { return file_response(ctx, "phone.html"); }
response page_phone_confirm(context& ctx, request&) { return file_response(ctx, "confirm.html"); }
response page_phone_scan(context& ctx, request&) { return file_response(ctx, "phone-scan.html", true); }
// A document's QR code opened by any phone camera: the page reads the code from its own URL.
response page_verify(context& ctx, request&) { return file_response(ctx, "verify.html"); }

// A login QR opened by a phone's camera: the scan token leaves the URL at once. It goes into a
// short-lived cookie that only the scan call receives, and the browser moves on to the confirm
// page, whose URL holds nothing secret.
response scan_redirect(context&, request& req) {
  const auto& token = req.path_params.at("scan_token");
  if (token.empty() || token.size() > 128 ||
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
    throw api_exception{errors::not_found()};
  response r;
  r.status = 303;
  r.set("Location", "/m/confirm");
  r.set("Cache-Control", "no-store");
  r.set("Referrer-Policy", "no-referrer");
  r.set("Set-Cookie", "hp_scan=" + token + "; Path=/api/v1/login-tickets/scans; Max-Age=300; HttpOnly; SameSite=Lax" +
                          (req.secure ? "; Secure" : ""));
  return r;
}
response page_register_unit(context& ctx, request&) { return file_response(ctx, "register-unit.html"); }

response static_file(context& ctx, request& req) {
  static const std::regex safe(R"([A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,100})");
  auto& name = req.path_params["file"];
  if (!std::regex_match(name, safe)) throw api_exception{errors::not_found()};
  return file_response(ctx, "static/" + name);
}

// A blank form or sample a material names in the catalogue (web/templates/<name>.html), in the
// templates' shared frame. The frame's name (page-frame) is not one a template may have.
response material_template(context& ctx, request& req) {
  static const std::regex safe(R"([a-z0-9_]{1,80})");
  auto& name = req.path_params["template"];
  if (!std::regex_match(name, safe)) throw api_exception{errors::not_found()};
  auto r = file_response(ctx, "templates/" + name + ".html");
  r.body = in_template_frame(web_file(ctx, "templates/page-frame.html"), r.body);
  return r;
}

// Browser libraries installed by npm into the web directory (web/package.json), each under a
// fixed name: the scanner's script and its WebAssembly. Missing when npm could not install them.
response vendor_file(context& ctx, request& req) {
  static const std::map<std::string, std::string, std::less<>> files = {
      {"zxing-reader.js", "node_modules/zxing-wasm/dist/iife/reader/index.js"},
      {"zxing_reader.wasm", "node_modules/zxing-wasm/dist/reader/zxing_reader.wasm"},
  };
  auto it = files.find(req.path_params["file"]);
  if (it == files.end()) throw api_exception{errors::not_found()};
  return file_response(ctx, it->second);
}

}  // namespace hallpass::server::api
