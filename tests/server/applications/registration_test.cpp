// Registration online over real HTTP and PostgreSQL: the real-name service is the local stand-in
// (hallpass-local-verifier's library) on a loopback port, the SMS platform a local webhook
// receiver that captures the codes. A person registers, then signs in and registers their unit;
// every refusal of PRODUCT.md §11 leaves nothing behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <boost/json.hpp>

#include "app_client.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/local_verifier.hpp"
#include "webhook_receiver.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// New people and units (valid check characters), none of them in the demo data.
const std::string li_hua = "李华", li_id = "32041219880101003X", li_mobile = "13912345601";
const std::string wang_fang = "王小芳", wang_id = "320412199002020041", wang_mobile = "13912345602";
const std::string new_uscc = "91320412MA1AB2C34B", other_uscc = "91320412MA1AB2C426";

// The service's public key in a file, as an operator configures it.
struct key_file {
  fs::path path = fs::temp_directory_path() / ("hallpass-real-name-" + hallpass::server::identity::random_token(8) + ".pem");
  explicit key_file(const std::string& pem) { std::ofstream(path) << pem; }
  ~key_file() { fs::remove(path); }
};

struct registration_server {
  hallpass::server::local_verifier verifier{{}};
  // A verifier with another key: its answers must not be believed.
  hallpass::server::local_verifier impostor{{}};
  key_file key{verifier.public_pem()};
  unsigned short sms_port = free_port();
  webhook_receiver sms{sms_port, false};
  hallpass::server::services::manual_clock clock;
  running_server s;

  explicit registration_server(bool use_impostor = false) : s(config(use_impostor), true, &clock) {}

  hallpass::server::config config(bool use_impostor) const {
    auto cfg = test_config();
    cfg.sms_webhook_url = "http://127.0.0.1:" + std::to_string(sms_port) + "/hooks/sms";
    cfg.sms_webhook_secret = "test-webhook-secret";
    cfg.sms_retry_min_ms = 50;
    cfg.sms_retry_max_ms = 200;
    cfg.real_name_url = (use_impostor ? impostor : verifier).base_url();
    cfg.real_name_public_key = key.path.string();
    return cfg;
  }

  http_reply post(const std::string& path, const json::object& body, const std::string& token = "") const {
    if (!token.empty()) return s.call_as(token, "POST", path, json::serialize(body));
    return s.call("POST", path, json::serialize(body), {{"Content-Type", "application/json"}});
  }
  // An identity check started through HallPass: its id and the page the phone opens.
  std::pair<std::string, std::string> start(const std::string& purpose, const std::string& name, const std::string& idn,
                                            const std::string& token = "") const {
    auto r = post("/api/v1/identity-checks", {{"purpose", purpose}, {"name", name}, {"id_number", idn}}, token);
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return {};
    return {str_at(r.json(), "check_id"), str_at(r.json(), "verify_url")};
  }
  // The person on the stand-in's page presses 通过 (or 不通过).
  void decide(const std::string& check_id, bool pass) const {
    auto r = http_call(verifier.port(), "POST", "/check/" + check_id, pass ? "result=pass" : "result=fail",
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 303) << r.body;
  }
  std::string passed_check(const std::string& purpose, const std::string& name, const std::string& idn,
                           const std::string& token = "") const {
    auto id = start(purpose, name, idn, token).first;
    decide(id, true);
    return id;
  }
  std::string check_status(const std::string& check_id) const {
    auto r = s.call("GET", "/api/v1/identity-checks/" + check_id);
    return r.status == 200 ? str_at(r.json(), "status") : r.error_code();
  }
  // Asks for a registration code and returns it, as the SMS platform received it.
  std::string code_for(const std::string& mobile) {
    auto before = one_time_codes(sms).size();
    auto r = post("/api/v1/registration-codes", {{"mobile", mobile}});
    EXPECT_EQ(r.status, 202) << r.body;
    if (!wait_until([&] { return one_time_codes(sms).size() > before; }, 20s)) return "";
    return one_time_codes(sms).back();
  }
  http_reply register_person(const std::string& name, const std::string& idn, const std::string& mobile,
                             const std::string& code, const std::string& check_id,
                             const std::string& password = "Fresh#2026") const {
    return post("/api/v1/persons", {{"name", name}, {"id_number", idn}, {"mobile", mobile}, {"code", code},
                                    {"password", password}, {"check_id", check_id}});
  }
  http_reply register_unit(const std::string& token, const std::string& uscc, const std::string& rep_name,
                           const std::string& rep_id, const std::string& check_id) const {
    return post("/api/v1/units", {{"uscc", uscc}, {"name", "海城新华劳务有限公司"}, {"legal_rep_name", rep_name},
                                  {"legal_rep_id_number", rep_id}, {"check_id", check_id}}, token);
  }
  std::string count(const std::string& table) const { return sql_one(s.conninfo(), "SELECT count(*) FROM " + table); }
};

}  // namespace

TEST(Registration, APersonRegistersThenSignsInAndRegistersTheirUnit) {
  registration_server t;
  auto [check, verify_url] = t.start("person", li_hua, li_id);
  EXPECT_EQ(verify_url, t.verifier.base_url() + "/check/" + check);
  EXPECT_EQ(t.check_status(check), "pending");
  t.decide(check, true);
  auto state = t.s.call("GET", "/api/v1/identity-checks/" + check);
  EXPECT_EQ(str_at(state.json(), "status"), "passed");
  EXPECT_GT(state.json().at("valid_until").as_int64(), 0);

  auto code = t.code_for(li_mobile);
  ASSERT_EQ(code.size(), 6u);
  auto persons = t.count("persons");
  // A wrong code costs a try and registers nobody; the check stays usable.
  auto wrong = t.register_person(li_hua, li_id, li_mobile, code == "000000" ? "111111" : "000000", check);
  EXPECT_EQ(wrong.error_code(), "invalid_code");
  EXPECT_EQ(t.count("persons"), persons);
  EXPECT_EQ(t.count("identity_checks_used"), "0");
  auto r = t.register_person(li_hua, li_id, li_mobile, code, check);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(t.count("identity_checks_used"), "1");
  // The audit says how the person came: online, with which check.
  EXPECT_EQ(sql_one(t.s.conninfo(), "SELECT detail->>'identity_check' FROM audit_log WHERE event = 'person_created' "
                                    "ORDER BY id DESC LIMIT 1"),
            check);
  // Stored protected: no ID number or mobile in clear.
  EXPECT_EQ(sql_one(t.s.conninfo(), "SELECT count(*) FROM persons WHERE id_number_masked = '" + li_id + "'"), "0");

  // Signed in with the new password (by ID number or by mobile), the person registers the unit.
  auto token = t.s.login(std::nullopt, li_mobile, "Fresh#2026");
  ASSERT_FALSE(token.empty());
  auto unit_check = t.passed_check("unit", li_hua, li_id, token);
  r = t.register_unit(token, new_uscc, li_hua, li_id, unit_check);
  ASSERT_EQ(r.status, 201) << r.body;
  auto unit_number = str_at(r.json(), "unit_number");
  EXPECT_FALSE(unit_number.empty());
  EXPECT_EQ(str_at(r.json(), "uscc"), new_uscc);
  // They now sign in for the unit as its legal representative, by USCC or by unit number.
  EXPECT_FALSE(t.s.login(new_uscc, li_id, "Fresh#2026").empty());
  EXPECT_FALSE(t.s.login(unit_number, li_id, "Fresh#2026").empty());

  // A check registers once: the same check for another unit is refused; the same USCC again too.
  EXPECT_EQ(t.register_unit(token, other_uscc, li_hua, li_id, unit_check).error_code(), "identity_check_used");
  EXPECT_EQ(t.register_unit(token, new_uscc, li_hua, li_id, t.passed_check("unit", li_hua, li_id, token)).error_code(),
            "unit_exists");
  EXPECT_EQ(t.count("units WHERE uscc = '" + other_uscc + "'"), "0");
}

TEST(Registration, DuplicatesAndChecksThatDoNotHoldAreRefusedAndChangeNothing) {
  registration_server t;
  auto persons = t.count("persons");
  // An ID number or a mobile that is registered already.
  auto r = t.post("/api/v1/identity-checks", {{"purpose", "person"}, {"name", "周敏"}, {"id_number", demo::person_only}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "person_exists");
  r = t.post("/api/v1/registration-codes", {{"mobile", "13812340007"}});  // 周敏's
  EXPECT_EQ(r.error_code(), "mobile_taken");
  // Malformed input is refused before the service is called.
  EXPECT_EQ(t.post("/api/v1/identity-checks", {{"purpose", "person"}, {"name", li_hua}, {"id_number", "320412198801010031"}})
                .status,
            422);
  EXPECT_EQ(t.post("/api/v1/identity-checks",
                   {{"purpose", "person"}, {"name", li_hua}, {"id_type", "passport"}, {"id_number", li_id}})
                .error_code(),
            "unsupported_id_type");

  auto code = t.code_for(li_mobile);
  // A check that is still pending, or did not pass.
  auto pending = t.start("person", li_hua, li_id).first;
  EXPECT_EQ(t.register_person(li_hua, li_id, li_mobile, code, pending).error_code(), "identity_check_pending");
  t.decide(pending, false);
  EXPECT_EQ(t.check_status(pending), "failed");
  EXPECT_EQ(t.register_person(li_hua, li_id, li_mobile, code, pending).error_code(), "identity_check_failed");
  // A check of someone else: another name, or another person's check.
  auto wangs = t.passed_check("person", wang_fang, wang_id);
  EXPECT_EQ(t.register_person(li_hua, li_id, li_mobile, code, wangs).error_code(), "identity_check_mismatch");
  // A check made for a unit does not register a person.
  auto for_unit = t.passed_check("unit", li_hua, li_id);
  EXPECT_EQ(t.register_person(li_hua, li_id, li_mobile, code, for_unit).error_code(), "identity_check_mismatch");
  // A check the service does not know.
  r = t.register_person(li_hua, li_id, li_mobile, code, "no-such-check");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "identity_check_not_found");
  EXPECT_EQ(t.check_status("no-such-check"), "identity_check_not_found");
  // Nothing was registered, and the code is still good for a registration that holds.
  EXPECT_EQ(t.count("persons"), persons);
  EXPECT_EQ(t.count("identity_checks_used"), "0");
  r = t.register_person(li_hua, li_id, li_mobile, code, t.passed_check("person", li_hua, li_id));
  EXPECT_EQ(r.status, 201) << r.body;
  // The code worked once.
  auto again = t.passed_check("person", wang_fang, wang_id);
  EXPECT_EQ(t.register_person(wang_fang, wang_id, li_mobile, code, again).error_code(), "mobile_taken");
  EXPECT_EQ(t.register_person(wang_fang, wang_id, wang_mobile, code, again).error_code(), "invalid_code");
  // More than 10 minutes after the check (seed 004).
  auto mine = t.passed_check("person", wang_fang, wang_id);
  // The verifier stamps checks by the real clock, which runs ahead of the test's by the time the
  // test has taken so far: well past 10 minutes on either.
  t.clock.advance(std::chrono::minutes(20));
  EXPECT_EQ(t.check_status(mine), "expired");
  r = t.register_person(wang_fang, wang_id, wang_mobile, t.code_for(wang_mobile), mine);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(r.error_code(), "identity_check_expired");
  EXPECT_EQ(t.count("persons WHERE name = '" + wang_fang + "'"), "0");
}

TEST(Registration, OnlyTheLegalRepresentativeRegistersTheirUnit) {
  registration_server t;
  auto someone = t.s.login(std::nullopt, demo::person_only);  // 周敏
  // 周敏 names 张伟 as the legal representative: refused, whatever check they bring.
  auto zhang_check = t.passed_check("unit", "张伟", demo::legal_rep_a, someone);
  auto r = t.register_unit(someone, new_uscc, "张伟", demo::legal_rep_a, zhang_check);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error_code(), "not_the_legal_rep");
  // Their own ID with another name is refused too; without a session, 401.
  EXPECT_EQ(t.register_unit(someone, new_uscc, "周某", demo::person_only, zhang_check).error_code(), "not_the_legal_rep");
  EXPECT_EQ(t.post("/api/v1/units", {{"uscc", new_uscc}, {"name", "x"}, {"legal_rep_name", "周敏"},
                                     {"legal_rep_id_number", demo::person_only}, {"check_id", zhang_check}})
                .status,
            401);
  auto own = t.passed_check("unit", "周敏", demo::person_only, someone);
  EXPECT_EQ(t.register_unit(someone, "91320412MA1AB2C3", "周敏", demo::person_only, own).status, 422);  // bad USCC
  EXPECT_EQ(t.count("units WHERE uscc = '" + new_uscc + "'"), "0");
  r = t.register_unit(someone, new_uscc, "周敏", demo::person_only, own);
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST(Registration, AnswersSignedWithAnotherKeyAreNotBelieved) {
  registration_server t(true);  // HallPass talks to a service whose key is not the configured one
  auto [check, url] = t.start("person", li_hua, li_id);
  ASSERT_FALSE(check.empty());
  auto code = t.code_for(li_mobile);
  auto r = t.s.call("GET", "/api/v1/identity-checks/" + check);
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.error_code(), "real_name_answer_invalid");
  EXPECT_EQ(t.register_person(li_hua, li_id, li_mobile, code, check).error_code(), "real_name_answer_invalid");
  EXPECT_EQ(t.count("persons WHERE name = '" + li_hua + "'"), "0");
}

TEST(Registration, IsRateLimitedPerMobileAndPerAddress) {
  registration_server t;
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(t.post("/api/v1/registration-codes", {{"mobile", li_mobile}}).status, 202) << i;
  auto r = t.post("/api/v1/registration-codes", {{"mobile", li_mobile}});
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.headers["retry-after"].empty());
  // Identity checks: 20 an hour from one address.
  for (int i = 0; i < 20; ++i) {
    auto started = t.post("/api/v1/identity-checks", {{"purpose", "person"}, {"name", li_hua}, {"id_number", li_id}});
    EXPECT_EQ(started.status, 201) << i;
  }
  EXPECT_EQ(t.post("/api/v1/identity-checks", {{"purpose", "person"}, {"name", li_hua}, {"id_number", li_id}}).status,
            429);
}

TEST(Registration, WithoutARealNameServiceItIsOff) {
  running_server s;
  auto r = s.call("POST", "/api/v1/identity-checks",
                  json::serialize(json::object{{"purpose", "person"}, {"name", li_hua}, {"id_number", li_id}}),
                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.error_code(), "registration_unavailable");
}
