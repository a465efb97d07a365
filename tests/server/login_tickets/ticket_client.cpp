#include "ticket_client.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>

#include <boost/json.hpp>

namespace hallpass::test::tickets {

namespace json = boost::json;

namespace {

header_list poll_headers(const std::string& secret) { return {{"X-Poll-Secret", secret}}; }

}  // namespace

portal_ticket create(unsigned short port, const header_list& headers) {
  portal_ticket t;
  t.reply = http_call(port, "POST", "/api/v1/login-tickets", "{}", headers);
  EXPECT_EQ(t.reply.status, 201) << t.reply.body;
  auto v = t.reply.json();
  t.id = str_at(v, "ticket_id");
  t.qr_url = str_at(v, "qr_url");
  t.poll_secret = str_at(v, "poll_secret");
  if (v.is_object() && v.as_object().contains("match_number") && v.as_object().at("match_number").is_int64())
    t.match_number = static_cast<int>(v.as_object().at("match_number").as_int64());
  auto pos = t.qr_url.rfind("/l/");
  if (pos != std::string::npos) t.scan_token = t.qr_url.substr(pos + 3);
  t.cookie = t.reply.headers["set-cookie"];
  return t;
}

http_reply poll(unsigned short port, const std::string& id, const std::string& secret, const std::string& query) {
  return http_call(port, "GET", "/api/v1/login-tickets/" + id + (query.empty() ? "" : "?" + query), "",
                   poll_headers(secret));
}

std::string state_of(unsigned short port, const portal_ticket& t) {
  return str_at(poll(port, t.id, t.poll_secret).json(), "state");
}

http_reply redeem(unsigned short port, const std::string& id, const std::string& secret) {
  return http_call(port, "POST", "/api/v1/login-tickets/" + id + "/session", "{}", poll_headers(secret));
}

http_reply portal_cancel(unsigned short port, const std::string& id, const std::string& secret) {
  return http_call(port, "DELETE", "/api/v1/login-tickets/" + id, "", poll_headers(secret));
}

std::string phone_login(unsigned short port, const std::string& account) {
  json::object body{{"account", account}, {"password", "Demo@2026"}, {"channel", "app"}};
  auto r = http_call(port, "POST", "/api/v1/sessions", json::serialize(body));
  EXPECT_EQ(r.status, 201) << r.body;
  return str_at(r.json(), "token");
}

http_reply scan(unsigned short port, const std::string& phone, const std::string& field, const std::string& value) {
  json::object body{{field, value}};
  return http_call(port, "POST", "/api/v1/login-tickets/scans", json::serialize(body),
                   {{"Authorization", "Bearer " + phone}});
}

http_reply confirm(unsigned short port, const std::string& phone, const std::string& id, int match_number,
                   const std::optional<std::string>& unit_id) {
  json::object body{{"match_number", match_number}};
  if (unit_id) body["unit_id"] = *unit_id;
  return http_call(port, "POST", "/api/v1/login-tickets/" + id + "/confirmation", json::serialize(body),
                   {{"Authorization", "Bearer " + phone}});
}

http_reply phone_cancel(unsigned short port, const std::string& phone, const std::string& id) {
  return http_call(port, "POST", "/api/v1/login-tickets/" + id + "/cancellation", "{}",
                   {{"Authorization", "Bearer " + phone}});
}

json::value unit_entry(const http_reply& scan_reply, const std::string& uscc) {
  auto v = scan_reply.json();
  if (!v.is_object() || !v.as_object().contains("units")) return nullptr;
  for (auto& u : v.as_object().at("units").as_array())
    if (str_at(u.as_object().at("unit"), "uscc") == uscc) return u;
  return nullptr;
}

http_reply form_post(unsigned short port, const std::string& target, const std::string& form) {
  return http_call(port, "POST", target, form, {{"Content-Type", "application/x-www-form-urlencoded"}});
}

http_reply device_token(unsigned short port, const std::string& device_code, const std::string& client_id) {
  return form_post(port, "/oauth/token",
                   "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=" + device_code +
                       "&client_id=" + client_id);
}

std::string unit_id_of(const std::string& conninfo, const std::string& uscc) {
  return sql_one(conninfo, "SELECT id FROM units WHERE uscc = '" + uscc + "'");
}

void expire_ticket(const std::string& conninfo, const std::string& id) {
  // As time would: its expiry (and its leaving, which go together while it is open) comes in a
  // moment, after the sweeper last looked, so the sweeper announces it.
  sql(conninfo, "UPDATE login_tickets SET expires_at = now() + interval '200 milliseconds', leaves_at = now() + "
                "interval '200 milliseconds' WHERE id = " + std::to_string(std::stoll(id)) + " RETURNING id");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
}

int base64url_bytes(const std::string& text) {
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return -1;
  if (text.size() % 4 == 1) return -1;
  return static_cast<int>(text.size() * 6 / 8);
}

client::request sse_request(const std::string& id, const std::string& secret) {
  return {.target = "/api/v1/login-tickets/" + id + "/events",
          .headers = {{"Accept", "text/event-stream"}, {"X-Poll-Secret", secret}}};
}

client::request long_poll_request(const std::string& id, const std::string& secret, int wait, const std::string& known) {
  return {.target = "/api/v1/login-tickets/" + id + "?wait=" + std::to_string(wait) + "&known=" + known,
          .headers = {{"X-Poll-Secret", secret}}};
}

}  // namespace hallpass::test::tickets
