#include "hallpass/server/services/real_name.hpp"

#include <boost/json.hpp>

#include "hallpass/server/identity/signatures.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/log.hpp"

namespace hallpass::server::services {

namespace json = boost::json;

namespace {

std::string text_of(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool safe_check_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos;
}

}  // namespace

real_name_service::real_name_service(http_exchange exchange, std::string public_pem)
    : exchange_(std::move(exchange)), public_pem_(std::move(public_pem)) {
  if (exchange_) identity::check_ed25519_public_pem(public_pem_);
}

result<started_check> real_name_service::start(const std::string& name, const std::string& id_type,
                                               const std::string& id_number, const std::string& purpose) const {
  if (!configured()) return errc::registration_unavailable;
  try {
    auto r = exchange_("POST", "/v1/checks",
                       json::serialize(json::object{
                           {"name", name}, {"id_type", id_type}, {"id_number", id_number}, {"purpose", purpose}}));
    if (r.status != 201) throw std::runtime_error("HTTP " + std::to_string(r.status));
    auto o = json::parse(r.body).as_object();
    started_check s{text_of(o, "check_id"), text_of(o, "verify_url")};
    if (!safe_check_id(s.check_id) || s.verify_url.rfind("http", 0) != 0) throw std::runtime_error("malformed answer");
    return s;
  } catch (const std::exception& e) {
    log_line("warn", "real_name_service_failed", {{"call", json_str("start")}, {"error", json_str(e.what())}});
    return error(errc::real_name_unavailable, 30);
  }
}

result<identity_check> real_name_service::fetch(const std::string& check_id) const {
  if (!configured()) return errc::registration_unavailable;
  if (!safe_check_id(check_id)) return errc::identity_check_not_found;
  http_answer r;
  try {
    r = exchange_("GET", "/v1/checks/" + check_id, "");
  } catch (const std::exception& e) {
    log_line("warn", "real_name_service_failed", {{"call", json_str("fetch")}, {"error", json_str(e.what())}});
    return error(errc::real_name_unavailable, 30);
  }
  if (r.status == 404) return errc::identity_check_not_found;
  if (r.status != 200) {
    log_line("warn", "real_name_service_failed", {{"call", json_str("fetch")}, {"status", std::to_string(r.status)}});
    return error(errc::real_name_unavailable, 30);
  }
  try {
    auto outer = json::parse(r.body).as_object();
    auto payload = identity::base64url_decode(text_of(outer, "payload"));
    auto signature = identity::base64url_decode(text_of(outer, "signature"));
    if (!payload || !signature || !identity::ed25519_verify(public_pem_, *payload, *signature))
      throw std::runtime_error("bad signature");
    auto o = json::parse(*payload).as_object();
    identity_check c{text_of(o, "check_id"), text_of(o, "status"),  text_of(o, "name"),
                     text_of(o, "id_type"),  text_of(o, "id_number"), text_of(o, "purpose")};
    if (auto* at = o.if_contains("checked_at"); at && at->is_int64()) c.checked_at = at->as_int64();
    if (c.check_id != check_id) throw std::runtime_error("statement about another check");
    return c;
  } catch (const std::exception& e) {
    log_line("warn", "real_name_answer_invalid", {{"error", json_str(e.what())}});
    return errc::real_name_answer_invalid;
  }
}

}  // namespace hallpass::server::services
