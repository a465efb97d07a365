#include "hallpass/server/api/json_io.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <charconv>
#include <cstdint>

namespace hallpass::server::api {

namespace {

// A NUL cannot be stored in PostgreSQL text, and no field of ours has a use for one.
bool holds_nul(const boost::json::value& v) {
  if (v.is_string()) return v.as_string().find('\0') != boost::json::string::npos;
  if (v.is_array()) {
    for (auto& e : v.as_array())
      if (holds_nul(e)) return true;
  }
  if (v.is_object()) {
    for (auto& kv : v.as_object())
      if (kv.key().find('\0') != std::string_view::npos || holds_nul(kv.value())) return true;
  }
  return false;
}

// A cross-site HTML form can post text/plain or a form type without asking first, never
// application/json: so every JSON body must be declared as such (and a declared type must be it).
bool declared_json(const request& req) {
  auto type = req.header_value("content-type");
  if (!type) return req.body.empty();
  auto media = type->substr(0, type->find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view json = "application/json";
  if (media.size() != json.size()) return false;
  for (std::size_t i = 0; i < json.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(media[i])) != json[i]) return false;
  return true;
}

}  // namespace

boost::json::object read_json(const request& req, std::initializer_list<std::string_view> allowed) {
  if (!declared_json(req)) throw api_exception{errors::json_required()};
  if (req.body.empty()) return {};
  boost::system::error_code ec;
  auto v = boost::json::parse(req.body, ec);
  if (ec || !v.is_object()) throw api_exception{errors::malformed_json()};
  if (holds_nul(v))
    throw api_exception{errors::bad_request("nul_character", "内容中不能含有空字符 (NUL)", "Text fields must not contain NUL")};
  auto& o = v.as_object();
  for (auto& kv : o) {
    bool ok = false;
    for (auto a : allowed) ok = ok || kv.key() == a;
    if (!ok) throw api_exception{errors::unknown_field(std::string(kv.key()))};
  }
  return std::move(o);
}

std::string need_string(const boost::json::object& o, std::string_view key) {
  auto s = opt_string(o, key);
  if (!s) throw api_exception{errors::missing_field(std::string(key))};
  return *s;
}

std::optional<std::string> opt_string(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw api_exception{errors::missing_field(std::string(key))};
  return std::string(v->as_string());
}

std::optional<std::vector<std::string>> opt_string_list(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array()) throw api_exception{errors::missing_field(std::string(key))};
  std::vector<std::string> out;
  for (auto& e : v->as_array()) {
    if (!e.is_string()) throw api_exception{errors::missing_field(std::string(key))};
    out.emplace_back(e.as_string());
  }
  return out;
}

std::optional<std::int64_t> positive_query_param(const request& req, const char* name) {
  auto v = req.query_param(name);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 1)
    throw api_exception{errors::bad_request("invalid_query", "查询参数无效", "Invalid query parameter")};
  return n;
}

response no_content() {
  response r;
  r.status = 204;
  r.content_type = "application/json";
  return r;
}

response json_response(const boost::json::value& v, int status) {
  response r;
  r.status = status;
  r.body = boost::json::serialize(v);
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace hallpass::server::api
