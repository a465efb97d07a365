// The operator's commands on grants and on a unit's legal representative, run as the real
// hallpass-admin program against the test's database, and the rules behind them.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;

namespace {

struct command_result {
  int exit_code = -1;
  std::string output;
};

// hallpass-admin on the server's database, with its data key (ID numbers are found by keyed
// hash) and a data folder of its own; its standard output and error together.
command_result admin(running_server& s, const std::string& args, const std::string& data_key = "") {
  auto quoted = [](const std::string& v) { return "'" + v + "'"; };  // paths and conninfo may hold spaces
  static const struct scratch_dir {
    std::filesystem::path path = std::filesystem::temp_directory_path() / ("hallpass-admin-" + std::to_string(::getpid()));
    ~scratch_dir() { std::filesystem::remove_all(path); }
  } scratch;
  const auto& data_dir = scratch.path;
  std::string cmd = quoted(HALLPASS_ADMIN_BINARY) + " --database-url " + quoted(s.conninfo()) + " --data-key " +
                    quoted(data_key.empty() ? s.app().cfg.data_key : data_key) + " --data-dir " + quoted(data_dir.string()) + " " + args + " 2>&1";
  command_result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string role_in_unit_a(const running_server& s, const std::string& token) {
  auto me = s.call_as(token, "GET", "/api/v1/sessions/current");
  return me.status == 200 ? str_at(me.json(), "role") : "status " + std::to_string(me.status);
}

}  // namespace

TEST(Operator, ListsAndRevokesGrants) {
  running_server s;
  auto liu = s.login(demo::unit_a, demo::agent_scoped);  // 刘洋, agent of unit A
  auto listed = admin(s, std::string("list-grants --unit ") + demo::unit_a);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("刘洋"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find(demo::agent_scoped), std::string::npos) << "ID numbers are masked";
  auto grant = sql_one(s.conninfo(), "SELECT g.id FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.name = '刘洋'");

  auto revoked = admin(s, std::string("revoke-grant --unit ") + demo::unit_a + " --grant " + grant);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  EXPECT_EQ(s.call_as(liu, "GET", "/api/v1/sessions/current").status, 401);  // at once
  EXPECT_EQ(admin(s, std::string("list-grants --unit ") + demo::unit_a).output.find("刘洋"), std::string::npos);
  // Again, or a grant of no such unit: a clear refusal.
  auto again = admin(s, std::string("revoke-grant --unit ") + demo::unit_a + " --grant " + grant);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("grant_not_found"), std::string::npos) << again.output;
  auto nowhere = admin(s, "revoke-grant --unit 91000000000000000X --grant " + grant);
  EXPECT_NE(nowhere.exit_code, 0);
  EXPECT_NE(nowhere.output.find("没有该单位"), std::string::npos) << nowhere.output;
}

TEST(Operator, ChangesTheLegalRepresentative) {
  running_server s;
  auto zhang = s.login(demo::unit_a, demo::legal_rep_a);     // 张伟, legal representative of A
  auto wang = s.login(demo::unit_a, demo::agent_all);        // 王芳, agent of A
  ASSERT_EQ(role_in_unit_a(s, zhang), "legal_rep");

  // Someone who is not a person of the hall, or a name that does not match: nothing changes.
  auto wrong = admin(s, std::string("change-legal-rep --unit ") + demo::unit_a + " --name 王小芳 --id-number " +
                            demo::agent_all);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find("person_not_found"), std::string::npos) << wrong.output;
  EXPECT_EQ(role_in_unit_a(s, zhang), "legal_rep");

  auto changed = admin(s, std::string("change-legal-rep --unit ") + demo::unit_a + " --name 王芳 --id-number " +
                              demo::agent_all);
  ASSERT_EQ(changed.exit_code, 0) << changed.output;
  // The former representative's session for the unit ends; so does 王芳's agent session (her grant ended).
  EXPECT_EQ(s.call_as(zhang, "GET", "/api/v1/sessions/current").status, 401);
  EXPECT_EQ(s.call_as(wang, "GET", "/api/v1/sessions/current").status, 401);
  // 王芳 now signs in for the unit as its legal representative, with no grant left.
  EXPECT_EQ(role_in_unit_a(s, s.login(demo::unit_a, demo::agent_all)), "legal_rep");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id "
                                  "WHERE p.name = '王芳' AND g.unit_id = (SELECT id FROM units WHERE uscc = '" +
                                      std::string(demo::unit_a) + "') AND g.revoked_at IS NULL"),
            "0");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM audit_log WHERE event = 'legal_rep_changed'"), "1");
  // 张伟 signing in for the unit now gets the answer of a wrong password.
  auto r = s.call("POST", "/api/v1/sessions",
                  json::serialize(json::object{{"unit", demo::unit_a}, {"account", demo::legal_rep_a}, {"password", "Demo@2026"}}),
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 401);
}

// A second node (here hallpass-admin) with another data key than the one the database was first
// used with refuses to start and says how to share the key, instead of answering every password
// login with "wrong account or password".
TEST(Operator, ANodeWithAnotherDataKeyRefusesToStart) {
  running_server s;
  auto wrong = admin(s, "keys-list", "another-data-key-0123456789abcdef0123456789abcd");
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
  EXPECT_NE(wrong.output.find("data key is not the one this database was first used with"), std::string::npos) << wrong.output;
  EXPECT_NE(wrong.output.find("data-dir/keys/data.key"), std::string::npos) << wrong.output;
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM data_key_fingerprint"), "1");
  auto right = admin(s, "keys-list");
  EXPECT_EQ(right.exit_code, 0) << right.output;
}

namespace {

// A kiosk's OAuth form post, its credential sent by HTTP Basic (when `basic` is set).
http_reply kiosk_post(running_server& s, const std::string& target, const std::string& form,
                      const std::optional<std::pair<std::string, std::string>>& basic) {
  header_list headers{{"Content-Type", "application/x-www-form-urlencoded"}};
  if (basic) {
    std::string pair = basic->first + ":" + basic->second;
    std::string b64;  // standard base64 with padding, as HTTP clients send it
    static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < pair.size(); i += 3) {
      unsigned v = static_cast<unsigned char>(pair[i]) << 16;
      if (i + 1 < pair.size()) v |= static_cast<unsigned char>(pair[i + 1]) << 8;
      if (i + 2 < pair.size()) v |= static_cast<unsigned char>(pair[i + 2]);
      b64 += abc[(v >> 18) & 63];
      b64 += abc[(v >> 12) & 63];
      b64 += i + 1 < pair.size() ? abc[(v >> 6) & 63] : '=';
      b64 += i + 2 < pair.size() ? abc[v & 63] : '=';
    }
    headers.push_back({"Authorization", "Basic " + b64});
  }
  return http_call(s.port(), "POST", target, form, headers);
}

}  // namespace

// hallpass-admin register-kiosk writes a credential only its owner can read; with it the kiosk
// starts a device login and, once a phone confirms, gets a session on the kiosk channel. Without
// the secret, or with a wrong one, nothing; revoke-kiosk ends its sessions and its logins.
TEST(Operator, AKioskSignsInWithItsCredentialUntilRevoked) {
  running_server s;
  auto file = std::filesystem::temp_directory_path() / ("kiosk-" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(file);
  auto reg = admin(s, "--public-url " + s.app().cfg.public_url +
                         " register-kiosk --kiosk-id hall-kiosk-1 --name '一楼自助终端' --credential '" + file.string() + "'");
  ASSERT_EQ(reg.exit_code, 0) << reg.output;
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream in(file);
  auto cred = json::parse(std::string(std::istreambuf_iterator<char>(in), {})).as_object();
  std::filesystem::remove(file);
  auto id = std::string(cred.at("client_id").as_string()), secret = std::string(cred.at("client_secret").as_string());
  EXPECT_EQ(id, "hall-kiosk-1");
  EXPECT_EQ(cred.at("server").as_string(), s.app().cfg.public_url);
  EXPECT_EQ(reg.output.find(secret), std::string::npos) << "the secret is never printed";
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM device_clients WHERE secret_hash = encode(sha256('" + secret +
                                      "'::bytea), 'hex')"), "1") << "stored as its hash only";

  // Without its secret, or with another, a kiosk starts nothing.
  EXPECT_EQ(kiosk_post(s, "/oauth/device_authorization", "client_id=" + id, std::nullopt).status, 401);
  EXPECT_EQ(kiosk_post(s, "/oauth/device_authorization", "", std::pair(id, secret + "x")).status, 401);
  auto start = kiosk_post(s, "/oauth/device_authorization", "", std::pair(id, secret));
  ASSERT_EQ(start.status, 200) << start.body;
  auto device_code = str_at(start.json(), "device_code");
  auto user_code = str_at(start.json(), "user_code");

  // 周敏 scans it: the phone names the kiosk; she confirms by the user code.
  auto phone = s.login(std::nullopt, demo::person_only);
  auto scanned = s.call_as(phone, "POST", "/api/v1/login-tickets/scans",
                           json::serialize(json::object{{"user_code", user_code}}));
  ASSERT_EQ(scanned.status, 200) << scanned.body;
  EXPECT_EQ(scanned.json().at("portal").at("name").as_string(), "一楼自助终端");
  auto ticket = str_at(scanned.json(), "ticket_id");
  ASSERT_EQ(s.call_as(phone, "POST", "/api/v1/login-tickets/" + ticket + "/confirmation", "{}").status, 200);

  // The token is issued only to the kiosk's credential (sent in the form this time).
  auto form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=" + device_code +
              "&client_id=" + id;
  auto no_secret = kiosk_post(s, "/oauth/token", form, std::nullopt);
  EXPECT_EQ(no_secret.status, 401) << no_secret.body;
  auto token = kiosk_post(s, "/oauth/token", form + "&client_secret=" + secret, std::nullopt);
  ASSERT_EQ(token.status, 200) << token.body;
  auto kiosk_session = str_at(token.json(), "access_token");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT channel || ' ' || client_id || ' ' || device FROM sessions "
                                  "WHERE revoked_at IS NULL AND client_id IS NOT NULL"),
            "kiosk hall-kiosk-1 一楼自助终端");
  EXPECT_EQ(s.call_as(kiosk_session, "GET", "/api/v1/sessions/current").status, 200);

  auto revoked = admin(s, "revoke-kiosk --kiosk-id hall-kiosk-1");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  EXPECT_NE(revoked.output.find("1 session(s) ended"), std::string::npos) << revoked.output;
  EXPECT_EQ(s.call_as(kiosk_session, "GET", "/api/v1/sessions/current").status, 401);
  EXPECT_EQ(kiosk_post(s, "/oauth/device_authorization", "", std::pair(id, secret)).status, 401);
  EXPECT_EQ(s.call_as(phone, "GET", "/api/v1/sessions/current").status, 200) << "the phone's session is not the kiosk's";
  EXPECT_NE(admin(s, "revoke-kiosk --kiosk-id hall-kiosk-1").exit_code, 0);
  // A public device client's id cannot be taken over by a kiosk.
  auto taken = admin(s, "register-kiosk --kiosk-id hallpass-demo-tv --name x --credential '" + file.string() + "'");
  EXPECT_NE(taken.exit_code, 0);
  EXPECT_NE(taken.output.find("client_id_taken"), std::string::npos) << taken.output;
  std::filesystem::remove(file);
}
