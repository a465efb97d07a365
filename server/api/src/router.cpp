#include "hallpass/server/api/router.hpp"

#include <boost/json.hpp>

#include "hallpass/server/api/client_address.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/log.hpp"

namespace hallpass::server::api {

namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

}  // namespace

response error_json(const api_error& e) {
  response r;
  r.status = e.status;
  boost::json::object body{{"error", {{"code", e.code}, {"message", e.message}, {"message_en", e.message_en}}}};
  r.body = boost::json::serialize(body);
  r.set("Cache-Control", "no-store");
  if (e.retry_after > 0) r.set("Retry-After", std::to_string(e.retry_after));
  return r;
}

response error_json(const services::error& e) {
  auto out = to_api_error(e);
  if (e.items.empty()) return error_json(out);
  boost::json::array items;
  for (auto& i : e.items) items.emplace_back(i);
  // The materials still missing, or the service codes that are not in the catalogue.
  const char* key = e.code == services::errc::unknown_service_code ? "unknown" : "missing";
  boost::json::object body{{"error", {{"code", out.code}, {"message", out.message}, {"message_en", out.message_en},
                                      {key, items}}}};
  auto r = error_json(out);
  r.body = boost::json::serialize(body);
  return r;
}

router::router(context& ctx, std::vector<route> routes) : ctx_(ctx), routes_(std::move(routes)) {
  for (auto& r : routes_) segments_.push_back(split(r.pattern));
}

const route* router::match(std::string_view method, std::string_view path, request* fill, bool* path_known) const {
  auto parts = split(path);
  if (path_known) *path_known = false;
  for (std::size_t k = 0; k < routes_.size(); ++k) {
    auto& r = routes_[k];
    auto& pat = segments_[k];
    if (pat.size() != parts.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < pat.size() && ok; ++i) {
      if (pat[i].starts_with('{')) ok = !parts[i].empty();
      else ok = pat[i] == parts[i];
    }
    if (!ok) continue;
    if (path_known) *path_known = true;
    if (r.method != method && !(method == "HEAD" && r.method == "GET")) continue;
    if (fill) {
      for (std::size_t i = 0; i < pat.size(); ++i)
        if (pat[i].starts_with('{')) fill->path_params[std::string(pat[i].substr(1, pat[i].size() - 2))] = std::string(parts[i]);
    }
    return &r;
  }
  return nullptr;
}

request_plan router::plan(std::string_view method, std::string_view path) const {
  bool known = false;
  if (auto* r = match(method, path, nullptr, &known))
    return {r->body_limit, std::string(r->pattern), r->admit != nullptr, r->quick != nullptr};
  return {0, known ? "method_not_allowed" : "not_found"};
}

template <class F>
response router::guarded(const request& req, const route& r, F&& f) {
  try {
    return f();
  } catch (const api_exception& e) {
    return error_json(e.error);
  } catch (const services::failure& f) {
    return error_json(f.err);
  } catch (const db::db_error& e) {
    if (e.kind() == db::error_kind::unavailable) return error_json(errors::database_unavailable());
    if (e.kind() == db::error_kind::serialization_failure) {  // still conflicting after its retries: worth another
      log_line("warn", "database_conflict", {{"request_id", json_str(req.request_id)}, {"route", json_str(r.pattern)},
                                             {"sqlstate", json_str(e.sqlstate())}, {"message", json_str(e.what())}});
      return error_json(errors::database_unavailable());
    }
    if (e.kind() == db::error_kind::storage_full) {
      log_line("error", "storage_full", {{"request_id", json_str(req.request_id)}, {"route", json_str(r.pattern)},
                                         {"message", json_str(e.what())}});
      return error_json(errors::storage_full());
    }
    log_line("error", "database_error", {{"request_id", json_str(req.request_id)}, {"route", json_str(r.pattern)},
                                         {"sqlstate", json_str(e.sqlstate())}, {"message", json_str(e.what())}});
  } catch (const std::exception& e) {
    log_line("error", "unhandled", {{"request_id", json_str(req.request_id)}, {"route", json_str(r.pattern)},
                                    {"message", json_str(e.what())}});
  }
  return error_json(errors::internal());
}

void router::resolve_client(request& req) const {
  if (req.client_resolved) return;
  apply_forwarded_headers(req, ctx_.settings.trusted_proxies);
  req.client_resolved = true;
}

std::optional<response> router::admit(request& req, const request_plan&) {
  resolve_client(req);
  const route* r = match(req.method, req.path, &req, nullptr);
  if (!r || !r->admit) return std::nullopt;
  std::optional<response> refused;
  auto answer = guarded(req, *r, [&] {
    r->admit(ctx_, req);
    return response{};
  });
  if (answer.status >= 400) refused = std::move(answer);
  return refused;
}

std::optional<response> router::quick(request& req, const request_plan&) {
  resolve_client(req);
  const route* r = match(req.method, req.path, &req, nullptr);
  if (!r || !r->quick) return std::nullopt;
  try {
    return r->quick(ctx_, req);
  } catch (...) {
    return std::nullopt;  // the handler answers it, errors included
  }
}

response router::handle(request& req, const request_plan&) {
  resolve_client(req);  // before any handler reads the address or the scheme
  bool known = false;
  const route* r = match(req.method, req.path, &req, &known);
  if (!r) return error_json(known ? errors::method_not_allowed() : errors::route_not_found());
  return guarded(req, *r, [&] { return r->handler(ctx_, req); });
}

void router::observe(const request& req, const request_plan& plan, int status, double seconds) {
  ctx_.stats.observe_request(plan.route, req.method, status, seconds);
  if (!ctx_.settings.log_requests) return;
  log_line("info", "request", {{"request_id", json_str(req.request_id)},
                               {"method", json_str(req.method)},
                               {"route", json_str(plan.route)},
                               {"status", std::to_string(status)},
                               {"ms", std::to_string(static_cast<long>(seconds * 1e6) / 1000.0)},
                               {"ip", json_str(req.remote_ip)}});
}

response router::error_response(int status, std::string_view code) {
  if (status == 413) return error_json(errors::payload_too_large());
  if (status == 408) return error_json(errors::request_timeout());
  if (status == 503) return error_json(errors::server_busy());
  if (status == 501)
    return error_json({501, std::string(code), "服务器不支持该请求方法", "The server does not implement this method"});
  if (status == 431)
    return error_json({431, std::string(code), "请求头过大", "Request header fields too large"});
  return error_json(errors::bad_request(std::string(code), "请求格式错误", "Malformed HTTP request"));
}

}  // namespace hallpass::server::api
