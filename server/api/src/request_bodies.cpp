#include "hallpass/server/api/request_bodies.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "hallpass/server/api/json_io.hpp"

namespace hallpass::server::api {

login_request login_body(const request& req) {
  auto body = read_json(req, {"unit", "office", "account", "password", "channel", "transport"});
  login_request out;
  services::password_login& in = out.login;
  in.unit = opt_string(body, "unit");
  in.office = opt_string(body, "office");
  in.account = need_string(body, "account");
  in.password = need_string(body, "password");
  in.channel = opt_string(body, "channel").value_or("web");
  auto transport = opt_string(body, "transport");
  if (transport && !(*transport == "bearer" && in.channel != "web") && !(*transport == "cookie" && in.channel != "kiosk"))
    throw api_exception{{400, "invalid_transport", "会话传递方式只能是 cookie（网页、手机网页）或 bearer（APP、自助终端）",
                         "transport must be cookie (web, phone web app) or bearer (app, kiosk)"}};
  out.phone_cookie = transport == "cookie" && in.channel == "app";
  return out;
}

identity_check_start identity_check_body(const request& req) {
  auto body = read_json(req, {"purpose", "name", "id_type", "id_number"});
  return {need_string(body, "purpose"), need_string(body, "name"), opt_string(body, "id_type").value_or("resident_id"),
          need_string(body, "id_number")};
}

std::string registration_code_body(const request& req) {
  auto body = read_json(req, {"mobile"});
  return need_string(body, "mobile");
}

services::person_registration person_registration_body(const request& req) {
  auto body = read_json(req, {"name", "id_type", "id_number", "mobile", "code", "password", "check_id"});
  services::person_registration in;
  in.name = need_string(body, "name");
  in.id_type = opt_string(body, "id_type").value_or("resident_id");
  in.id_number = need_string(body, "id_number");
  in.mobile = need_string(body, "mobile");
  in.code = need_string(body, "code");
  in.password = need_string(body, "password");
  in.check_id = need_string(body, "check_id");
  return in;
}

services::unit_registration unit_registration_body(const request& req) {
  auto body = read_json(req, {"uscc", "name", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number", "check_id"});
  services::unit_registration in;
  in.uscc = need_string(body, "uscc");
  in.name = need_string(body, "name");
  in.legal_rep_name = need_string(body, "legal_rep_name");
  in.legal_rep_id_type = opt_string(body, "legal_rep_id_type").value_or("resident_id");
  in.legal_rep_id_number = need_string(body, "legal_rep_id_number");
  in.check_id = need_string(body, "check_id");
  return in;
}

password_change password_change_body(const request& req) {
  auto body = read_json(req, {"current_password", "new_password"});
  return {need_string(body, "current_password"), need_string(body, "new_password")};
}

password_reset password_reset_body(const request& req, bool confirmation) {
  if (!confirmation) {
    auto body = read_json(req, {"id_number", "mobile"});
    return {need_string(body, "id_number"), need_string(body, "mobile"), {}, {}};
  }
  auto body = read_json(req, {"id_number", "mobile", "code", "new_password"});
  return {need_string(body, "id_number"), need_string(body, "mobile"), need_string(body, "code"),
          need_string(body, "new_password")};
}

mobile_change mobile_change_body(const request& req, bool confirmation) {
  if (!confirmation) {
    auto body = read_json(req, {"new_mobile"});
    return {need_string(body, "new_mobile"), {}, {}};
  }
  auto body = read_json(req, {"new_mobile", "code", "password"});
  return {need_string(body, "new_mobile"), need_string(body, "code"), need_string(body, "password")};
}

new_application new_application_body(const request& req) {
  auto body = read_json(req, {"service_code", "variant"});
  return {need_string(body, "service_code"), opt_string(body, "variant")};
}

application_update application_update_body(const request& req) {
  auto body = read_json(req, {"form", "step", "variant", "cases"});
  application_update out;
  out.choice.variant = opt_string(body, "variant");
  out.choice.cases = opt_string_list(body, "cases");
  if (auto* f = body.if_contains("form")) {
    if (!f->is_object()) throw api_exception{errors::missing_field("form")};
    auto& fo = f->as_object();
    for (auto& kv : fo) {
      static const std::vector<std::string> allowed = {"contact_name", "contact_mobile", "email", "address", "postcode"};
      if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end())
        throw api_exception{errors::unknown_field("form." + std::string(kv.key()))};
    }
    out.form = services::application_form{need_string(fo, "contact_name"), need_string(fo, "contact_mobile"),
                                          opt_string(fo, "email"), opt_string(fo, "address"), opt_string(fo, "postcode")};
  }
  out.step = opt_string(body, "step");
  return out;
}

std::vector<std::int64_t> page_order_body(const request& req) {
  auto body = read_json(req, {"page_ids"});
  auto ids = opt_string_list(body, "page_ids");
  if (!ids) throw api_exception{errors::missing_field("page_ids")};
  std::vector<std::int64_t> page_ids;
  for (auto& s : *ids) {
    try {
      page_ids.push_back(std::stoll(s));
    } catch (...) {
      throw api_exception{errors::missing_field("page_ids")};
    }
  }
  return page_ids;
}

services::grant_input new_grant_body(const request& req) {
  auto body = read_json(req, {"role", "person", "scope", "valid_from", "valid_until"});
  auto* person = body.if_contains("person");
  if (!person || !person->is_object()) throw api_exception{errors::missing_field("person")};
  for (auto& kv : person->as_object())
    if (kv.key() != "name" && kv.key() != "id_number")
      throw api_exception{errors::unknown_field("person." + std::string(kv.key()))};
  services::grant_input in;
  in.role = need_string(body, "role");
  in.person_name = need_string(person->as_object(), "name");
  in.person_id_number = need_string(person->as_object(), "id_number");
  in.scope = opt_string_list(body, "scope");
  in.valid_from = opt_string(body, "valid_from");
  in.valid_until = need_string(body, "valid_until");
  return in;
}

services::grant_update grant_change_body(const request& req) {
  auto body = read_json(req, {"scope", "valid_from", "valid_until"});
  services::grant_update in;
  if (body.contains("scope")) in.scope = opt_string_list(body, "scope");
  in.valid_from = opt_string(body, "valid_from");
  in.valid_until = opt_string(body, "valid_until");
  return in;
}

services::staff_action staff_action_body(const request& req) {
  auto body = read_json(req, {"action", "comment", "materials", "deadline", "licence_number"});
  services::staff_action out;
  auto action = services::action_from_string(need_string(body, "action"));
  if (!action || *action == services::application_action::submit || *action == services::application_action::withdraw ||
      *action == services::application_action::resubmit)
    throw services::failure{services::errc::invalid_action};
  out.action = *action;
  out.comment = opt_string(body, "comment").value_or("");
  out.deadline = opt_string(body, "deadline");
  out.licence_number = opt_string(body, "licence_number");
  if (auto* list = body.if_contains("materials")) {
    if (!list->is_array() || list->as_array().size() > 100) throw api_exception{errors::missing_field("materials")};
    for (auto& item : list->as_array()) {
      if (!item.is_object()) throw api_exception{errors::missing_field("materials")};
      for (auto& kv : item.as_object())
        if (kv.key() != "material" && kv.key() != "comment")
          throw api_exception{errors::unknown_field("materials." + std::string(kv.key()))};
      out.materials.emplace_back(need_string(item.as_object(), "material"), need_string(item.as_object(), "comment"));
    }
  }
  return out;
}

rating rating_body(const request& req) {
  auto body = read_json(req, {"stars", "comment"});
  auto* n = body.if_contains("stars");
  if (!n || !n->is_int64()) throw api_exception{errors::missing_field("stars")};
  rating out;
  auto stars = n->as_int64();
  out.stars = stars < 0 || stars > 100 ? 0 : static_cast<int>(stars);
  out.comment = opt_string(body, "comment").value_or("");
  return out;
}

ticket_scan ticket_scan_body(const request& req) {
  auto body = read_json(req, {"scan_token", "qr_url", "user_code"});
  ticket_scan out;
  out.scan_token = opt_string(body, "scan_token");
  if (auto url = opt_string(body, "qr_url")) {  // the whole QR text: take the token after /l/
    auto pos = url->rfind("/l/");
    if (pos != std::string::npos) out.scan_token = url->substr(pos + 3);
  }
  out.user_code = opt_string(body, "user_code");
  // The phone web app: /l/{token} moved the token from the URL into a cookie for this call.
  if (!out.scan_token && !out.user_code) out.scan_token = req.cookie("hp_scan");
  return out;
}

ticket_confirmation ticket_confirmation_body(const request& req) {
  auto body = read_json(req, {"match_number", "unit_id", "office"});
  auto* n = body.if_contains("match_number");
  if (n && !n->is_int64()) throw api_exception{errors::missing_field("match_number")};
  ticket_confirmation out;
  if (n) out.match_number = static_cast<int>(n->as_int64());
  out.office = opt_string(body, "office");
  if (auto u = opt_string(body, "unit_id")) {
    try {
      out.unit_id = std::stoll(*u);
    } catch (...) {
      throw api_exception{errors::missing_field("unit_id")};
    }
  }
  return out;
}

void empty_body(const request& req) { read_json(req, {}); }

std::optional<std::string> form_decode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto special = std::min(text.find_first_of("%+", i), text.size());
    out.append(text.substr(i, special - i));
    if (special == text.size()) break;
    if (text[special] == '+') {
      out.push_back(' ');
      i = special + 1;
      continue;
    }
    int high = special + 2 < text.size() ? hex(text[special + 1]) : -1, low = high >= 0 ? hex(text[special + 2]) : -1;
    if (low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i = special + 3;
  }
  return out;
}

// By hand: this is on the path of every device poll, and two passes of a URL library over the
// body were a twentieth of what a poll cost.
std::map<std::string, std::string> form_body(const request& req) {
  std::map<std::string, std::string> out;
  std::string_view rest = req.body;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto name = form_decode(pair.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1));
    if (!name || !value) return {};
    out.emplace(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace hallpass::server::api
