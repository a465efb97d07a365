// Ticket states: every refused transition, final states that never change, concurrent
// confirms and redeems, and the grant checked again at confirm and at redeem.
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include <boost/json.hpp>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/login_tickets_store.hpp"
#include "support/test_env.hpp"
#include "ticket_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::tickets;
namespace json = boost::json;

namespace {

// A ticket scanned by `account`'s phone.
struct scanned_ticket {
  portal_ticket t;
  std::string phone;
  http_reply context;  // the scan answer
};

scanned_ticket scanned(running_server& s, const std::string& account) {
  scanned_ticket out{create(s.port()), phone_login(s.port(), account)};
  out.context = scan(s.port(), out.phone, "qr_url", out.t.qr_url);
  EXPECT_EQ(out.context.status, 200) << out.context.body;
  return out;
}

// The state every node reads from the database (an open ticket past its expiry reads expired).
std::string raw_state(running_server& s, const std::string& id) {
  hallpass::server::db::connection c(s.conninfo());
  auto t = hallpass::server::db::find_ticket(c, std::stoll(id));
  return t ? t->state : "(gone)";
}

void expect_error(const http_reply& r, int status, const std::string& code, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  EXPECT_EQ(r.error_code(), code) << what;
}

}  // namespace

TEST(TicketStates, SecondConfirmIsRefused) {
  running_server s;
  auto x = scanned(s, demo::person_only);
  ASSERT_EQ(confirm(s.port(), x.phone, x.t.id, x.t.match_number).status, 200);
  expect_error(confirm(s.port(), x.phone, x.t.id, x.t.match_number), 409, "ticket_already_confirmed", "second confirm");
}

TEST(TicketStates, OnlyTheClaimingPhoneMayConfirmOrCancel) {
  running_server s;
  auto x = scanned(s, demo::person_only);
  auto other = phone_login(s.port(), demo::agent_all);
  expect_error(confirm(s.port(), other, x.t.id, x.t.match_number), 404, "ticket_not_found", "other phone confirms");
  expect_error(phone_cancel(s.port(), other, x.t.id), 404, "ticket_not_found", "other phone cancels");
  // Another session of the same person is another phone too.
  auto same_person_other_phone = phone_login(s.port(), demo::person_only);
  expect_error(confirm(s.port(), same_person_other_phone, x.t.id, x.t.match_number), 404, "ticket_not_found",
               "second session confirms");
  EXPECT_EQ(raw_state(s, x.t.id), "scanned");
  EXPECT_EQ(confirm(s.port(), x.phone, x.t.id, x.t.match_number).status, 200);
}

TEST(TicketStates, SecondScanByAnotherPhoneIsRefused) {
  running_server s;
  auto x = scanned(s, demo::person_only);
  auto other = phone_login(s.port(), demo::agent_all);
  auto r = scan(s.port(), other, "qr_url", x.t.qr_url);
  expect_error(r, 409, "ticket_claimed_by_another", "second scan");
  EXPECT_EQ(r.body.find("ticket_id"), std::string::npos);  // no context for the second phone
}

TEST(TicketStates, ConfirmAfterCancelIsRefused) {
  running_server s;
  auto by_phone = scanned(s, demo::person_only);
  ASSERT_EQ(phone_cancel(s.port(), by_phone.phone, by_phone.t.id).status, 200);
  expect_error(confirm(s.port(), by_phone.phone, by_phone.t.id, by_phone.t.match_number), 409, "ticket_cancelled",
               "confirm after phone cancel");

  auto by_portal = scanned(s, demo::person_only);
  ASSERT_EQ(portal_cancel(s.port(), by_portal.t.id, by_portal.t.poll_secret).status, 204);
  expect_error(confirm(s.port(), by_portal.phone, by_portal.t.id, by_portal.t.match_number), 409, "ticket_cancelled",
               "confirm after portal cancel");
}

TEST(TicketStates, ConfirmAfterExpiryIsRefused) {
  running_server s;
  auto x = scanned(s, demo::person_only);
  expire_ticket(s.conninfo(), x.t.id);
  expect_error(confirm(s.port(), x.phone, x.t.id, x.t.match_number), 410, "ticket_expired", "confirm after expiry");
  EXPECT_EQ(state_of(s.port(), x.t), "expired");
  expect_error(redeem(s.port(), x.t.id, x.t.poll_secret), 410, "ticket_expired", "redeem after expiry");
}

TEST(TicketStates, RedeemBeforeConfirmAndTwiceAreRefused) {
  running_server s;
  auto t = create(s.port());
  expect_error(redeem(s.port(), t.id, t.poll_secret), 409, "ticket_not_confirmed", "redeem while pending");
  auto phone = phone_login(s.port(), demo::person_only);
  ASSERT_EQ(scan(s.port(), phone, "qr_url", t.qr_url).status, 200);
  expect_error(redeem(s.port(), t.id, t.poll_secret), 409, "ticket_not_confirmed", "redeem while scanned");
  ASSERT_EQ(confirm(s.port(), phone, t.id, t.match_number).status, 200);
  ASSERT_EQ(redeem(s.port(), t.id, t.poll_secret).status, 201);
  expect_error(redeem(s.port(), t.id, t.poll_secret), 409, "ticket_already_redeemed", "second redeem");
}

TEST(TicketStates, WrongMatchNumberCancelsTheTicket) {
  running_server s;
  auto x = scanned(s, demo::person_only);
  int wrong = x.t.match_number == 99 ? 10 : x.t.match_number + 1;
  expect_error(confirm(s.port(), x.phone, x.t.id, wrong), 422, "wrong_match_number", "wrong number");
  EXPECT_EQ(raw_state(s, x.t.id), "cancelled");
  EXPECT_EQ(state_of(s.port(), x.t), "cancelled");
  expect_error(confirm(s.port(), x.phone, x.t.id, x.t.match_number), 409, "ticket_cancelled", "right number afterwards");
}

TEST(TicketStates, FinalStatesNeverChange) {
  running_server s;
  auto port = s.port();
  auto intruder = phone_login(port, demo::agent_all);
  // Every move anyone could try on a ticket; each must be refused.
  auto try_everything = [&](const scanned_ticket& x, const std::string& final_state) {
    std::vector<std::pair<std::string, http_reply>> moves = {
        {"scan again", scan(port, x.phone, "qr_url", x.t.qr_url)},
        {"scan by another", scan(port, intruder, "qr_url", x.t.qr_url)},
        {"confirm", confirm(port, x.phone, x.t.id, x.t.match_number)},
        {"phone cancel", phone_cancel(port, x.phone, x.t.id)},
        {"portal cancel", portal_cancel(port, x.t.id, x.t.poll_secret)},
        {"redeem", redeem(port, x.t.id, x.t.poll_secret)},
    };
    for (auto& [what, r] : moves) {
      EXPECT_TRUE(r.status == 404 || r.status == 409 || r.status == 410) << final_state << " / " << what << ": " << r.status;
      EXPECT_EQ(r.body.find("\"token\""), std::string::npos) << final_state << " / " << what;
    }
    EXPECT_EQ(raw_state(s, x.t.id), final_state);
    EXPECT_EQ(state_of(port, x.t), final_state);
  };

  auto cancelled = scanned(s, demo::person_only);
  ASSERT_EQ(phone_cancel(port, cancelled.phone, cancelled.t.id).status, 200);
  try_everything(cancelled, "cancelled");

  auto consumed = scanned(s, demo::person_only);
  ASSERT_EQ(confirm(port, consumed.phone, consumed.t.id, consumed.t.match_number).status, 200);
  ASSERT_EQ(redeem(port, consumed.t.id, consumed.t.poll_secret).status, 201);
  try_everything(consumed, "consumed");

  // Expiry is a matter of time, not a stored change: every move requires time left.
  auto expired = scanned(s, demo::person_only);
  expire_ticket(s.conninfo(), expired.t.id);
  ASSERT_EQ(raw_state(s, expired.t.id), "expired");
  try_everything(expired, "expired");
}

TEST(TicketStates, ConcurrentConfirmsLetExactlyOneThrough) {
  running_server s;
  auto x = scanned(s, demo::person_only);
  std::latch go(8);
  std::vector<int> status(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      status[i] = confirm(s.port(), x.phone, x.t.id, x.t.match_number).status;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(status.begin(), status.end(), 200), 1);
  EXPECT_EQ(std::count(status.begin(), status.end(), 409), 7);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM audit_log WHERE event = 'qr_login_confirmed'"), "1");
}

TEST(TicketStates, ConcurrentRedeemsOpenExactlyOneSession) {
  running_server s;
  auto x = scanned(s, demo::person_only);
  ASSERT_EQ(confirm(s.port(), x.phone, x.t.id, x.t.match_number).status, 200);
  auto before = std::stoi(sql_one(s.conninfo(), "SELECT count(*) FROM sessions"));
  std::latch go(8);
  std::vector<http_reply> replies(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      replies[i] = redeem(s.port(), x.t.id, x.t.poll_secret);
    });
  for (auto& t : threads) t.join();
  int created = 0, redeemed = 0;
  for (auto& r : replies) {
    created += r.status == 201;
    redeemed += r.status == 409 && r.error_code() == "ticket_already_redeemed";
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(redeemed, 7);
  EXPECT_EQ(std::stoi(sql_one(s.conninfo(), "SELECT count(*) FROM sessions")), before + 1);
}

TEST(GrantRecheck, ExpiredGrantAndNoRoleAreRefusedAtConfirm) {
  running_server s;
  auto unit_a = unit_id_of(s.conninfo(), demo::unit_a);
  auto expired = scanned(s, demo::agent_expired);
  auto ctx_unit = unit_entry(expired.context, demo::unit_a);  // shown to the phone, marked not valid now
  ASSERT_TRUE(ctx_unit.is_object()) << expired.context.body;
  EXPECT_FALSE(ctx_unit.as_object().at("valid_now").as_bool());
  expect_error(confirm(s.port(), expired.phone, expired.t.id, expired.t.match_number, unit_a), 403,
               "grant_not_valid_now", "expired grant");
  EXPECT_EQ(raw_state(s, expired.t.id), "scanned");

  auto stranger = scanned(s, demo::person_only);
  expect_error(confirm(s.port(), stranger.phone, stranger.t.id, stranger.t.match_number, unit_a), 403, "no_role_in_unit",
               "no role");
  EXPECT_EQ(raw_state(s, stranger.t.id), "scanned");
  // Unit B: 陈静 has no role there either.
  expect_error(confirm(s.port(), expired.phone, expired.t.id, expired.t.match_number, unit_id_of(s.conninfo(), demo::unit_b)),
               403, "no_role_in_unit", "other unit");
  // Signing in as the person alone is still possible.
  EXPECT_EQ(confirm(s.port(), expired.phone, expired.t.id, expired.t.match_number).status, 200);
  auto r = redeem(s.port(), expired.t.id, expired.t.poll_secret);
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.json().as_object().at("role").as_string(), "person");
}

TEST(GrantRecheck, GrantRevokedBetweenConfirmAndRedeemGivesNoSession) {
  running_server s;
  auto unit_a = unit_id_of(s.conninfo(), demo::unit_a);
  auto x = scanned(s, demo::agent_all);
  ASSERT_EQ(confirm(s.port(), x.phone, x.t.id, x.t.match_number, unit_a).status, 200);

  // The legal representative revokes 王芳's grant through the API.
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto list = s.call_as(rep, "GET", "/api/v1/units/" + unit_a + "/grants");
  ASSERT_EQ(list.status, 200) << list.body;
  std::string grant_id;
  auto grants = list.json();
  for (auto& g : grants.as_object().at("grants").as_array())
    if (g.as_object().at("person").as_object().at("id_number").as_string() == "3204**********0035")
      grant_id = std::string(g.as_object().at("id").as_string());
  ASSERT_FALSE(grant_id.empty()) << list.body;
  auto del = s.call_as(rep, "DELETE", "/api/v1/units/" + unit_a + "/grants/" + grant_id);
  ASSERT_TRUE(del.status == 200 || del.status == 204) << del.body;

  auto before = sql_one(s.conninfo(), "SELECT count(*) FROM sessions");
  auto r = redeem(s.port(), x.t.id, x.t.poll_secret);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.body.find("\"token\""), std::string::npos);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM sessions"), before);
  // Nor can it be retried into a session later.
  EXPECT_NE(redeem(s.port(), x.t.id, x.t.poll_secret).status, 201);
}

TEST(TicketStates, OnlyAnAppSessionMayScanOrConfirm) {
  running_server s(test_config(), true);
  auto t = create(s.port());
  auto web = http_call(s.port(), "POST", "/api/v1/sessions",
                       R"({"account":")" + std::string(demo::person_only) + R"(","password":"Demo@2026","channel":"web"})");
  ASSERT_EQ(web.status, 201) << web.body;
  std::string token = session_cookie(web);
  auto r = scan(s.port(), token, "scan_token", t.scan_token);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.error_code(), "app_channel_required");
  EXPECT_EQ(state_of(s.port(), t), "pending");
  EXPECT_EQ(confirm(s.port(), token, t.id, t.match_number).error_code(), "app_channel_required");
  // The same person's app session scans it.
  EXPECT_EQ(scan(s.port(), phone_login(s.port(), demo::person_only), "scan_token", t.scan_token).status, 200);
}
