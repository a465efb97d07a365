// The server's log never holds personal data or secrets in clear: a real hallpass-server with
// request logging on goes through password logins (right and wrong), a unit grant, a QR login,
// an application with an upload code and a photo upload, and pages whose URLs hold tokens; then
// everything it wrote is searched for ID numbers, mobiles, and the tokens and passwords used.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;

namespace {

std::string next_year_end() {
  auto now = std::chrono::system_clock::now();
  std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(now)};
  return std::to_string(static_cast<int>(d.year()) + 1) + "-06-30";
}

std::string login_body(const std::optional<std::string>& unit, const std::string& account, const std::string& password,
                       const std::string& channel) {
  json::object o{{"account", account}, {"password", password}, {"channel", channel}};
  if (unit) o["unit"] = *unit;
  return json::serialize(o);
}

}  // namespace

TEST(LogPrivacy, NoIdNumberMobileTokenOrPasswordInTheLog) {
  std::ifstream in(std::string(HALLPASS_TESTDATA_DIR) + "/photos/dynamsoft/webp/card-on-dark-background.webp",
                   std::ios::binary);
  ASSERT_TRUE(in.good());
  const std::string photo{std::istreambuf_iterator<char>(in), {}};
  scratch_database db;
  server_process server(HALLPASS_SERVER_BINARY, db.conninfo(), true, {"--log-requests=true"});
  ASSERT_TRUE(server.healthy()) << server.log();
  const auto port = server.port();
  std::vector<std::string> secrets = {"Demo@2026", "Wrong#Secret-77"};
  auto keep = [&](const std::string& secret) {
    EXPECT_FALSE(secret.empty());
    if (!secret.empty()) secrets.push_back(secret);
    return secret;
  };

  // Password logins: a wrong one by ID number, a browser one by mobile, phone ones for a unit.
  EXPECT_EQ(http_call(port, "POST", "/api/v1/sessions",
                      login_body(std::nullopt, demo::agent_all, "Wrong#Secret-77", "app")).status, 401);
  auto web = http_call(port, "POST", "/api/v1/sessions",
                       login_body(std::nullopt, demo::mobile_agent_all, "Demo@2026", "web"));
  ASSERT_EQ(web.status, 201) << web.body;
  keep(session_cookie(web));
  keep(str_at(web.json(), "csrf_token"));
  auto rep = http_call(port, "POST", "/api/v1/sessions", login_body(demo::unit_a, demo::legal_rep_a, "Demo@2026", "app"));
  ASSERT_EQ(rep.status, 201) << rep.body;
  header_list rep_auth{{"Authorization", "Bearer " + keep(str_at(rep.json(), "token"))}};
  auto agent = http_call(port, "POST", "/api/v1/sessions", login_body(demo::unit_a, demo::agent_all, "Demo@2026", "app"));
  ASSERT_EQ(agent.status, 201) << agent.body;
  header_list agent_auth{{"Authorization", "Bearer " + keep(str_at(agent.json(), "token"))}};

  // A grant naming a person by ID number.
  auto me = http_call(port, "GET", "/api/v1/sessions/current", "", rep_auth);
  auto unit_id = std::string(me.json().at("unit").at("id").as_string());
  json::object grant{{"role", "agent"},
                     {"person", {{"name", "周敏"}, {"id_number", demo::person_only}}},
                     {"valid_until", next_year_end()}};
  auto granted = http_call(port, "POST", "/api/v1/units/" + unit_id + "/grants", json::serialize(grant), rep_auth);
  EXPECT_EQ(granted.status, 201) << granted.body;

  // A QR login: the portal's ticket, the phone's scan and confirmation, the portal's session.
  auto ticket = http_call(port, "POST", "/api/v1/login-tickets?qr=none");
  ASSERT_EQ(ticket.status, 201) << ticket.body;
  auto ticket_id = str_at(ticket.json(), "ticket_id");
  auto poll_secret = keep(str_at(ticket.json(), "poll_secret"));
  auto qr_url = str_at(ticket.json(), "qr_url");
  keep(qr_url.substr(qr_url.rfind('/') + 1));
  EXPECT_EQ(http_call(port, "GET", "/l/" + qr_url.substr(qr_url.rfind('/') + 1)).status, 303);
  EXPECT_EQ(http_call(port, "POST", "/api/v1/login-tickets/scans", json::serialize(json::object{{"qr_url", qr_url}}),
                      agent_auth).status, 200);
  json::object confirm{{"match_number", ticket.json().at("match_number")}, {"unit_id", unit_id}};
  EXPECT_EQ(http_call(port, "POST", "/api/v1/login-tickets/" + ticket_id + "/confirmation", json::serialize(confirm),
                      agent_auth).status, 200);
  auto portal = http_call(port, "POST", "/api/v1/login-tickets/" + ticket_id + "/session", "",
                          {{"X-Poll-Secret", poll_secret}});
  ASSERT_EQ(portal.status, 201) << portal.body;
  keep(session_cookie(portal));

  // An application, an upload code, its page on the phone and a photo sent with it.
  auto app = http_call(port, "POST", "/api/v1/applications", R"({"service_code":"labour_dispatch_licence_haicheng"})",
                       agent_auth);
  ASSERT_EQ(app.status, 201) << app.body;
  auto code = http_call(port, "POST",
                        "/api/v1/applications/" + str_at(app.json(), "id") + "/materials/dispatch_rules/upload-codes",
                        "", agent_auth);
  ASSERT_EQ(code.status, 201) << code.body;
  auto url = str_at(code.json(), "url");
  auto upload_token = keep(url.substr(url.rfind('/') + 1));
  EXPECT_EQ(http_call(port, "GET", "/u/" + upload_token).status, 200);
  auto page = http_call(port, "POST", "/api/v1/upload-codes/current/pages", photo,
                        {{"X-Upload-Code", upload_token}, {"Content-Type", "image/webp"}});
  EXPECT_TRUE(page.status == 201 || page.status == 422) << page.status << " " << page.body;

  EXPECT_EQ(server.stop(), 0);
  // The log lines (log_line: one JSON object per line). Standard output also holds the demo
  // accounts the operator asked for with --demo, which are no log.
  std::istringstream all(server.log());
  std::string log, line;
  while (std::getline(all, line))
    if (line.starts_with("{")) log += line + "\n";
  ASSERT_NE(log.find("\"event\":\"request\""), std::string::npos) << "request logging was on";
  ASSERT_NE(log.find("/api/v1/upload-codes/current/pages"), std::string::npos) << log;

  static const std::regex id_number(R"((^|[^0-9])[0-9]{17}[0-9Xx]([^0-9]|$))");
  static const std::regex mobile(R"((^|[^0-9])1[3-9][0-9]{9}([^0-9]|$))");
  std::smatch m;
  EXPECT_FALSE(std::regex_search(log, m, id_number)) << "an ID number in the log: " << m.str();
  EXPECT_FALSE(std::regex_search(log, m, mobile)) << "a mobile in the log: " << m.str();
  for (auto& secret : secrets) EXPECT_EQ(log.find(secret), std::string::npos) << "in the log: " << secret;
}
