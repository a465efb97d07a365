// Photos are limited per minute per upload code (on the portal, per person) and per address,
// before they are looked at: 429 too_many_uploads with Retry-After, so a phone sending blank
// photos in a loop cannot keep the imaging threads busy. A full imaging queue answers 503
// imaging_busy with Retry-After. Nothing is stored and no page slot is used either way.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
using hallpass::server::services::manual_clock;
using namespace std::chrono_literals;

namespace {

const char* haicheng = "labour_dispatch_licence_haicheng";

struct phone_setup {
  std::string session, id;
  upload_code code;
};

phone_setup ready(const running_server& s) {
  phone_setup p;
  p.session = s.login(demo::unit_a, demo::agent_all);
  p.id = start_id(s, p.session, haicheng);
  p.code = create_code(s, p.session, p.id, "dispatch_rules");
  return p;
}

std::string pages_added(const running_server& s, const upload_code& c) {
  return sql_one(s.conninfo(), "SELECT pages_added FROM upload_codes WHERE id = " + c.id);
}

void expect_too_many(const http_reply& r) {
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.error_code(), "too_many_uploads");
  auto wait = r.headers.count("retry-after") ? std::stoi(r.headers.at("retry-after")) : 0;
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 60);
  if (r.status == 429) {
    auto e = r.json().as_object().at("error");
    EXPECT_FALSE(str_at(e, "message").empty());
    EXPECT_FALSE(str_at(e, "message_en").empty());
  }
}

}  // namespace

TEST(UploadLimits, ACodeSendingPhotosInALoopIsStoppedBeforeTheyAreLookedAt) {
  manual_clock clock;
  auto cfg = test_config();
  cfg.upload_photos_per_code_per_minute = 3;
  running_server s(cfg, true, &clock);
  auto p = ready(s);
  for (int i = 0; i < 3; ++i) {
    auto r = phone_upload(s.port(), p.code.token, blank_jpeg());
    ASSERT_EQ(r.status, 422) << r.body;  // rejected photos do not use the code up, but they count
  }
  expect_too_many(phone_upload(s.port(), p.code.token, blank_jpeg()));
  // Refused before the photo is looked at: whatever the body is, and with every imaging thread
  // held, the answer comes at once and nothing waits for imaging.
  expect_too_many(phone_upload(s.port(), p.code.token, "not a photo at all"));
  {
    imaging_hold hold(s.app().imaging);
    auto load = s.app().imaging.load();
    expect_too_many(phone_upload(s.port(), p.code.token, accepted_jpeg(), "good"));
    EXPECT_EQ(s.app().imaging.load(), load);
  }
  EXPECT_EQ(page_count(s.conninfo(), p.id), 0);
  EXPECT_EQ(pages_added(s, p.code), "0");
  // Another code from the same address is not held back by this one.
  auto other = create_code(s, p.session, p.id, "business_licence");
  EXPECT_EQ(phone_upload(s.port(), other.token, blank_jpeg()).status, 422);
  // A minute later the code may send again.
  clock.advance(61s);
  auto later = phone_upload(s.port(), p.code.token, accepted_jpeg(), "good");
  EXPECT_EQ(later.status, 201) << later.body;
}

TEST(UploadLimits, OneAddressIsLimitedAcrossCodesAndThePortal) {
  manual_clock clock;
  auto cfg = test_config();
  cfg.upload_photos_per_ip_per_minute = 4;
  running_server s(cfg, true, &clock);
  auto p = ready(s);
  auto second = create_code(s, p.session, p.id, "business_licence");
  for (auto* c : {&p.code, &p.code, &second, &second}) {
    auto r = phone_upload(s.port(), c->token, blank_jpeg());
    ASSERT_EQ(r.status, 422) << r.body;
  }
  expect_too_many(phone_upload(s.port(), second.token, blank_jpeg()));
  auto third = create_code(s, p.session, p.id, "charter_capital");
  expect_too_many(phone_upload(s.port(), third.token, accepted_jpeg(), "third"));
  expect_too_many(portal_upload(s, p.session, p.id, "business_licence", accepted_jpeg()));
  EXPECT_EQ(page_count(s.conninfo(), p.id), 0);

  clock.advance(61s);
  auto later = portal_upload(s, p.session, p.id, "business_licence", accepted_jpeg());
  EXPECT_EQ(later.status, 201) << later.body;
}

TEST(UploadLimits, APersonOnThePortalIsLimitedLikeACode) {
  auto cfg = test_config();
  cfg.upload_photos_per_code_per_minute = 2;
  running_server s(cfg);
  auto p = ready(s);
  for (int i = 0; i < 2; ++i) {
    auto r = portal_upload(s, p.session, p.id, "business_licence", blank_jpeg());
    ASSERT_EQ(r.status, 422) << r.body;
  }
  expect_too_many(portal_upload(s, p.session, p.id, "business_licence", blank_jpeg()));
  // The person, not the session: signing in again gives no new budget.
  auto again = s.login(demo::unit_a, demo::agent_all);
  expect_too_many(portal_upload(s, again, p.id, "business_licence", accepted_jpeg()));
  EXPECT_EQ(page_count(s.conninfo(), p.id), 0);
  // Another person of the unit uploads to the same application.
  auto rep = s.login(demo::unit_a, demo::legal_rep_a);
  auto r = portal_upload(s, rep, p.id, "business_licence", accepted_jpeg());
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST(UploadLimits, AFullImagingQueueAnswers503WithRetryAfterAndUsesNothingUp) {
  auto cfg = test_config();
  cfg.imaging_threads = 1;
  cfg.imaging_queue = 1;
  running_server s(cfg);
  auto p = ready(s);

  std::future<http_reply> queued;
  imaging_hold hold(s.app().imaging);
  queued = std::async(std::launch::async, [&] { return phone_upload(s.port(), p.code.token, accepted_jpeg(), "queued"); });
  ASSERT_TRUE(wait_until([&] { return s.app().imaging.load() >= 2; }, 60s)) << "the first upload never queued";

  for (auto r : {phone_upload(s.port(), p.code.token, accepted_jpeg(), "second"),
                 portal_upload(s, p.session, p.id, "dispatch_rules", accepted_jpeg())}) {
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.error_code(), "imaging_busy");
    EXPECT_GE(r.headers.count("retry-after") ? std::stoi(r.headers.at("retry-after")) : 0, 1);
  }
  EXPECT_EQ(page_count(s.conninfo(), p.id), 0);
  EXPECT_EQ(pages_added(s, p.code), "0");

  hold.open();
  auto first = queued.get();
  EXPECT_EQ(first.status, 201) << first.body;
  auto retried = phone_upload(s.port(), p.code.token, accepted_jpeg(), "second");
  EXPECT_EQ(retried.status, 201) << retried.body;
  EXPECT_EQ(pages_added(s, p.code), "2");
}
