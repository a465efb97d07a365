// Ticket creation, the whole flow for a unit agent and for a person alone, and QRLJacking:
// the QR content alone never leads to the session.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "hallpass/server/services/ticket_tokens.hpp"
#include "support/test_env.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
namespace json = boost::json;
namespace services = hallpass::server::services;

TEST(TicketCreation, SecretsAreDistinctRandomValuesOfAtLeast128Bits) {
  running_server s;
  auto base = s.app().cfg.public_url;
  auto a = create(s.port());
  auto b = create(s.port());
  ASSERT_FALSE(a.id.empty());
  EXPECT_EQ(a.qr_url, base + "/l/" + a.scan_token);
  // After the ticket's id (11 characters), each holds a secret of at least 128 random bits.
  EXPECT_GE(base64url_bytes(a.scan_token.substr(11)), 16) << a.scan_token;
  EXPECT_GE(base64url_bytes(a.poll_secret.substr(11)), 16) << a.poll_secret;
  EXPECT_NE(a.scan_token.substr(11), a.poll_secret.substr(11));
  EXPECT_NE(a.scan_token, a.poll_secret);
  EXPECT_EQ(a.qr_url.find(a.poll_secret), std::string::npos);
  // Two tickets share nothing.
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.scan_token, b.scan_token);
  EXPECT_NE(a.poll_secret, b.poll_secret);
  // The QR image encodes the URL, not the poll secret.
  auto o = a.reply.json().as_object();
  ASSERT_TRUE(o.contains("qr_svg"));
  EXPECT_NE(o.at("qr_svg").as_string().find("<svg"), std::string::npos);
  EXPECT_EQ(std::string(o.at("qr_svg").as_string()).find(a.poll_secret), std::string::npos);
}

TEST(TicketCreation, AnswerCarriesMatchNumberExpiryAndNoStore) {
  running_server s;
  auto t = create(s.port());
  auto o = t.reply.json().as_object();
  EXPECT_GE(t.match_number, 10);
  EXPECT_LE(t.match_number, 99);
  ASSERT_TRUE(o.at("expires_in").is_int64());
  EXPECT_GE(o.at("expires_in").as_int64(), 115);
  EXPECT_LE(o.at("expires_in").as_int64(), 120);
  EXPECT_EQ(o.at("state").as_string(), "pending");
  EXPECT_EQ(t.reply.headers["cache-control"], "no-store");
  // The poll secret also comes as an HttpOnly cookie for the browser.
  EXPECT_EQ(t.cookie.rfind("hp_ticket=" + t.poll_secret + ";", 0), 0u) << t.cookie;
  EXPECT_NE(t.cookie.find("HttpOnly"), std::string::npos);
  // The state read carries no-store as well.
  auto r = poll(s.port(), t.id, t.poll_secret);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["cache-control"], "no-store");
}

TEST(TicketCreation, DatabaseHoldsOnlyHashes) {
  running_server s;
  auto t = create(s.port());
  ASSERT_FALSE(t.scan_token.empty());
  auto row = "(SELECT l FROM login_tickets l WHERE id = " + t.id + ")";
  auto text = sql_one(s.conninfo(), "SELECT " + row + "::text");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find(t.scan_token), std::string::npos);
  EXPECT_EQ(text.find(t.poll_secret), std::string::npos);
  // Not in the bytea columns as raw bytes either.
  for (auto col : {"scan_hash", "poll_hash"}) {
    auto raw = sql_one(s.conninfo(), std::string("SELECT encode(") + col + ", 'escape') FROM login_tickets WHERE id = " + t.id);
    EXPECT_EQ(raw.find(t.scan_token), std::string::npos) << col;
    EXPECT_EQ(raw.find(t.poll_secret), std::string::npos) << col;
  }
  // Each token is the ticket's id (11 characters) and then a secret; what is stored is the
  // SHA-256 of the secret (as digest or as its hex text).
  EXPECT_EQ(services::split_ticket_token(t.scan_token)->id, std::stoll(t.id));
  EXPECT_EQ(services::split_ticket_token(t.poll_secret)->id, std::stoll(t.id));
  auto matches = [&](const char* col, const std::string& secret) {
    auto digest = "sha256(convert_to('" + secret + "', 'UTF8'))";
    return sql_one(s.conninfo(), std::string("SELECT count(*) FROM login_tickets WHERE id = ") + t.id + " AND (" + col +
                                     " = " + digest + " OR " + col + " = convert_to(encode(" + digest + ", 'hex'), 'UTF8'))");
  };
  EXPECT_EQ(matches("scan_hash", t.scan_token.substr(11)), "1");
  EXPECT_EQ(matches("poll_hash", t.poll_secret.substr(11)), "1");
}

TEST(QrLoginFlow, UnitAgentSignsInForTheUnitWithTheGrantsRoleAndScope) {
  running_server s;
  auto t = create(s.port(), {{"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"}});
  auto phone = phone_login(s.port(), demo::mobile_agent_all);

  auto sc = scan(s.port(), phone, "qr_url", t.qr_url);
  ASSERT_EQ(sc.status, 200) << sc.body;
  auto ctx = sc.json().as_object();
  EXPECT_EQ(ctx.at("ticket_id").as_string(), t.id);
  EXPECT_EQ(ctx.at("portal").as_object().at("browser").as_string(), "Chrome");
  EXPECT_EQ(ctx.at("portal").as_object().at("os").as_string(), "Windows");
  auto& numbers = ctx.at("numbers").as_array();
  ASSERT_EQ(numbers.size(), 3u);
  int hits = 0;
  for (auto& n : numbers) hits += n.as_int64() == t.match_number;
  EXPECT_EQ(hits, 1);
  EXPECT_EQ(sc.body.find(t.poll_secret), std::string::npos);  // the phone never sees the poll secret
  EXPECT_EQ(state_of(s.port(), t), "scanned");

  auto unit = unit_entry(sc, demo::unit_a);
  ASSERT_TRUE(unit.is_object()) << sc.body;
  EXPECT_EQ(unit.as_object().at("role").as_string(), "agent");
  EXPECT_TRUE(unit.as_object().at("valid_now").as_bool());
  auto unit_id = std::string(unit.as_object().at("unit").as_object().at("id").as_string());

  auto c = confirm(s.port(), phone, t.id, t.match_number, unit_id);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.body.find(t.poll_secret), std::string::npos);
  EXPECT_EQ(state_of(s.port(), t), "confirmed");

  auto r = redeem(s.port(), t.id, t.poll_secret);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  EXPECT_FALSE(r.json().as_object().contains("token")) << "the portal's token stays in its HttpOnly cookie";
  auto token = session_cookie(r);
  auto me = s.call_as(token, "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200) << me.body;
  auto who = me.json().as_object();
  EXPECT_EQ(who.at("role").as_string(), "agent");
  EXPECT_EQ(who.at("unit").as_object().at("uscc").as_string(), demo::unit_a);
  EXPECT_EQ(who.at("unit").as_object().at("id").as_string(), unit_id);
  EXPECT_EQ(who.at("scope"), unit.as_object().at("scope"));
  EXPECT_EQ(who.at("person").as_object().at("id_number").as_string(), "3204**********0035");
  EXPECT_EQ(state_of(s.port(), t), "consumed");
}

TEST(QrLoginFlow, ScopedAgentSessionCarriesTheGrantScope) {
  running_server s;
  auto t = create(s.port());
  auto phone = phone_login(s.port(), demo::agent_scoped);
  auto sc = scan(s.port(), phone, "scan_token", t.scan_token);
  ASSERT_EQ(sc.status, 200) << sc.body;
  auto unit = unit_entry(sc, demo::unit_a);
  ASSERT_TRUE(unit.is_object());
  ASSERT_TRUE(unit.as_object().at("scope").is_array());  // labour dispatch only
  auto unit_id = std::string(unit.as_object().at("unit").as_object().at("id").as_string());
  ASSERT_EQ(confirm(s.port(), phone, t.id, t.match_number, unit_id).status, 200);
  auto r = redeem(s.port(), t.id, t.poll_secret);
  ASSERT_EQ(r.status, 201) << r.body;
  auto me = s.call_as(session_cookie(r), "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().as_object().at("role").as_string(), "agent");
  EXPECT_EQ(me.json().as_object().at("scope"), unit.as_object().at("scope"));
  EXPECT_FALSE(me.json().as_object().at("scope").as_array().empty());
}

TEST(QrLoginFlow, PersonAloneSignsInAsThePerson) {
  running_server s;
  auto t = create(s.port());
  auto phone = phone_login(s.port(), demo::person_only);
  auto sc = scan(s.port(), phone, "qr_url", t.qr_url);
  ASSERT_EQ(sc.status, 200) << sc.body;
  EXPECT_TRUE(sc.json().as_object().at("units").as_array().empty());
  ASSERT_EQ(confirm(s.port(), phone, t.id, t.match_number).status, 200);
  // The browser may redeem with its cookie instead of the header.
  auto r = http_call(s.port(), "POST", "/api/v1/login-tickets/" + t.id + "/session", "{}",
                     {{"Cookie", "hp_ticket=" + t.poll_secret}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto me = s.call_as(session_cookie(r), "GET", "/api/v1/sessions/current");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().as_object().at("role").as_string(), "person");
  EXPECT_TRUE(me.json().as_object().at("unit").is_null());
  EXPECT_EQ(me.json().as_object().at("person").as_object().at("id_number").as_string(), "3204**********0077");
}

TEST(QrLoginJacking, ScanTokenNeverWorksAsPollSecret) {
  running_server s;
  auto t = create(s.port());
  auto refused = [](const http_reply& r) {
    return (r.status == 401 && r.error_code() == "invalid_poll_secret") || (r.status == 404 && r.error_code() == "ticket_not_found");
  };
  // An attacker who copied the QR from the page tries to watch and redeem it.
  auto watch = poll(s.port(), t.id, t.scan_token);
  EXPECT_TRUE(refused(watch)) << watch.status << " " << watch.body;
  auto sse = http_call(s.port(), "GET", "/api/v1/login-tickets/" + t.id + "/events", "", {{"X-Poll-Secret", t.scan_token}});
  EXPECT_TRUE(refused(sse)) << sse.status << " " << sse.body;

  // The victim scans and confirms on the phone.
  auto phone = phone_login(s.port(), demo::person_only);
  ASSERT_EQ(scan(s.port(), phone, "qr_url", t.qr_url).status, 200);
  ASSERT_EQ(confirm(s.port(), phone, t.id, t.match_number).status, 200);
  auto sessions_before = sql_one(s.conninfo(), "SELECT count(*) FROM sessions");

  for (const auto& attempt : {redeem(s.port(), t.id, t.scan_token), redeem(s.port(), t.id, t.qr_url),
                              http_call(s.port(), "POST", "/api/v1/login-tickets/" + t.id + "/session", "{}",
                                        {{"Cookie", "hp_ticket=" + t.scan_token}}),
                              http_call(s.port(), "POST", "/api/v1/login-tickets/" + t.id + "/session", "{}")}) {
    EXPECT_TRUE(refused(attempt) || attempt.error_code() == "poll_secret_required") << attempt.status << " " << attempt.body;
    EXPECT_EQ(attempt.body.find("\"token\""), std::string::npos);
  }
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM sessions"), sessions_before);  // no session was opened
  EXPECT_EQ(state_of(s.port(), t), "confirmed");
  // The rightful portal still gets its session.
  EXPECT_EQ(redeem(s.port(), t.id, t.poll_secret).status, 201);
}

TEST(QrLoginJacking, PollSecretOfAnotherTicketDoesNotOpenThisOne) {
  running_server s;
  auto mine = create(s.port());
  auto other = create(s.port());
  auto phone = phone_login(s.port(), demo::person_only);
  ASSERT_EQ(scan(s.port(), phone, "qr_url", mine.qr_url).status, 200);
  ASSERT_EQ(confirm(s.port(), phone, mine.id, mine.match_number).status, 200);
  auto r = redeem(s.port(), mine.id, other.poll_secret);
  EXPECT_TRUE(r.status == 401 || r.status == 404) << r.body;
  EXPECT_NE(poll(s.port(), mine.id, other.poll_secret).status, 200);
  EXPECT_EQ(state_of(s.port(), mine), "confirmed");
}

// Tickets are UNLOGGED, but their ids must come from a logged sequence: an unlogged one is an
// empty page on a standby promoted by a failover ("bad magic number in sequence"), and no ticket
// could be created there (scripts/cluster-failover-test.sh shows it).
TEST(TicketCreation, TicketIdsComeFromALoggedSequenceSoAPromotedStandbyCanMakeTickets) {
  running_server s;
  // The rows live in the ring's eight partitions, every one UNLOGGED (schema/0015).
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                  "WHERE i.inhparent = 'login_tickets'::regclass AND c.relpersistence = 'u'"),
            "8");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT relpersistence FROM pg_class WHERE relname = 'login_tickets_id_seq'"), "p");
}
