// The phone upload endpoint: type sniffing, size limit before the body, the imaging verdict,
// idempotent retries, concurrent pages, and stored bytes equal to what was acknowledged.
#include <gtest/gtest.h>

#include <future>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

struct phone_setup {
  std::string session, id;
  upload_code code;
};

phone_setup ready(const running_server& s, const std::string& material = "dispatch_rules") {
  phone_setup p;
  p.session = s.login(demo::unit_a, demo::agent_all);
  p.id = start_id(s, p.session, "labour_dispatch_licence_haicheng");
  p.code = create_code(s, p.session, p.id, material);
  return p;
}

json::object page_of(const http_reply& r) {
  auto v = r.json();
  if (!v.is_object() || !v.as_object().contains("page")) return {};
  return v.as_object().at("page").as_object();
}

std::string pages_added(const running_server& s, const upload_code& c) {
  return sql_one(s.conninfo(), "SELECT pages_added FROM upload_codes WHERE id = " + c.id);
}

}  // namespace

TEST(PhoneUpload, AcceptedPhotoIsStoredWithTheSha256OfItsImage) {
  running_server s;
  auto p = ready(s);
  auto view = describe_code(s.port(), p.code.token);
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(view.json().as_object().at("pages_in_material").as_int64(), 0);

  // The phone sends what it has: here a real WebP photo of a card.
  auto photo = doc_photo("dynamsoft/webp/card-on-dark-background.webp");
  auto r = phone_upload(s.port(), p.code.token, photo, "first");
  ASSERT_EQ(r.status, 201) << r.body;
  auto v = r.json().as_object();
  EXPECT_TRUE(v.at("accepted").as_bool());
  EXPECT_FALSE(v.at("replayed").as_bool());
  auto page = page_of(r);
  EXPECT_EQ(page.at("position").as_int64(), 1);
  EXPECT_EQ(str_at(page, "material"), "dispatch_rules");
  EXPECT_EQ(str_at(page, "source"), "phone");

  auto image = s.call("GET", "/api/v1/pages/" + str_at(page, "id") + "/image", "", {{"X-Upload-Code", p.code.token}});
  ASSERT_EQ(image.status, 200);
  EXPECT_EQ(image.headers["content-type"], str_at(page, "content_type"));
  EXPECT_GT(image.body.size(), 1000u);
  EXPECT_EQ(sha256_hex(image.body), str_at(page, "sha256"));
  EXPECT_NE(sha256_hex(image.body), sha256_hex(photo));  // the processed page, not the photo
  EXPECT_EQ(static_cast<std::int64_t>(image.body.size()), page.at("bytes").as_int64());
  // The portal sees the same bytes; the thumbnail is a JPEG.
  auto portal_image = s.call_as(p.session, "GET", "/api/v1/pages/" + str_at(page, "id") + "/image");
  EXPECT_EQ(portal_image.body, image.body);
  auto thumb = s.call_as(p.session, "GET", "/api/v1/pages/" + str_at(page, "id") + "/thumbnail");
  ASSERT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.body.substr(0, 3), std::string("\xFF\xD8\xFF"));
  EXPECT_EQ(pages_added(s, p.code), "1");
  EXPECT_EQ(describe_code(s.port(), p.code.token).json().as_object().at("pages_in_material").as_int64(), 1);
  // Another person's session sees nothing of it.
  auto zhou = s.login(std::nullopt, demo::person_only);
  EXPECT_EQ(s.call_as(zhou, "GET", "/api/v1/pages/" + str_at(page, "id") + "/image").status, 404);
}

TEST(PhoneUpload, ReplayWithTheSameKeyGivesTheSamePageAndADifferentPhotoIsRefused) {
  running_server s;
  auto p = ready(s);
  auto first = phone_upload(s.port(), p.code.token, accepted_jpeg(), "retry-me");
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = phone_upload(s.port(), p.code.token, accepted_jpeg(), "retry-me");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(again.json().as_object().at("replayed").as_bool());
  EXPECT_EQ(str_at(page_of(again), "id"), str_at(page_of(first), "id"));
  EXPECT_EQ(str_at(page_of(again), "sha256"), str_at(page_of(first), "sha256"));

  auto reused = phone_upload(s.port(), p.code.token, blurred_jpeg(), "retry-me");
  EXPECT_EQ(reused.status, 422) << reused.body;
  EXPECT_EQ(reused.error_code(), "idempotency_key_reused");
  EXPECT_EQ(page_count(s.conninfo(), p.id), 1);
  EXPECT_EQ(pages_added(s, p.code), "1");
  auto bad_key = phone_upload(s.port(), p.code.token, accepted_jpeg(), std::string(101, 'k'));
  EXPECT_EQ(bad_key.status, 400);
}

TEST(PhoneUpload, WrongTypesAreRefusedAsUnsupportedAndNothingIsStored) {
  running_server s;
  auto p = ready(s);
  std::vector<std::pair<std::string, std::string>> wrong = {
      {"text named .jpg", "This is not a photo, only text in a file called scan.jpg\n"},
      {"pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"},
      {"tiff", card_tiff()},
      {"html", "<html><body><script>alert(1)</script></body></html>"}};
  for (auto& [what, bytes] : wrong) {
    auto r = phone_upload(s.port(), p.code.token, bytes, "key-" + what);
    EXPECT_EQ(r.status, 415) << what << " " << r.body;
    EXPECT_EQ(r.error_code(), "unsupported_media_type") << what;
  }
  auto empty = http_call(s.port(), "POST", "/api/v1/upload-codes/current/pages", "", {{"X-Upload-Code", p.code.token}});
  EXPECT_EQ(empty.status / 100, 4) << empty.body;
  EXPECT_EQ(page_count(s.conninfo(), p.id), 0);
  EXPECT_EQ(pages_added(s, p.code), "0");
  // The refusals cost the code nothing.
  EXPECT_EQ(describe_code(s.port(), p.code.token).status, 200);
}

TEST(PhoneUpload, OversizedBodyIsRefusedBeforeItIsRead) {
  auto cfg = test_config();
  cfg.upload_body_limit = 1024 * 1024;
  running_server s(cfg);
  auto p = ready(s);
  std::string head = "POST /api/v1/upload-codes/current/pages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Upload-Code: " +
                     p.code.token + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(2 * 1024 * 1024) +
                     "\r\n\r\n";
  // Only the header goes out; the body is withheld, so an answer proves it was not waited for.
  auto started = std::chrono::steady_clock::now();
  auto raw = raw_exchange(s.port(), head, 4s);
  ASSERT_EQ(raw.rfind("HTTP/1.1 413", 0), 0u) << raw.substr(0, 200);
  EXPECT_NE(raw.find("payload_too_large"), std::string::npos) << raw;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  // The same through the portal endpoint.
  std::string portal = "POST /api/v1/applications/" + p.id + "/materials/dispatch_rules/pages HTTP/1.1\r\nHost: t\r\n"
                       "Authorization: Bearer " + p.session + "\r\nContent-Length: 3000000\r\n\r\n";
  EXPECT_EQ(raw_exchange(s.port(), portal, 3s).rfind("HTTP/1.1 413", 0), 0u);
  EXPECT_EQ(page_count(s.conninfo(), p.id), 0);
  EXPECT_EQ(pages_added(s, p.code), "0");
}

TEST(PhoneUpload, TruncatedBlurredAndBlankPhotosAreRejectedWithReasonsAndNotStored) {
  running_server s;
  auto p = ready(s);
  auto full = accepted_jpeg();
  auto truncated = phone_upload(s.port(), p.code.token, full.substr(0, full.size() * 4 / 10), "cut");
  EXPECT_EQ(truncated.status, 422) << truncated.body;
  EXPECT_EQ(truncated.error_code(), "photo_rejected");

  for (auto& [what, bytes] : std::vector<std::pair<std::string, std::string>>{{"blurred", blurred_jpeg()},
                                                                              {"blank", blank_jpeg()}}) {
    auto r = phone_upload(s.port(), p.code.token, bytes, "key-" + what);
    ASSERT_EQ(r.status, 422) << what << " " << r.body;
    auto v = r.json().as_object();
    EXPECT_FALSE(v.at("accepted").as_bool());
    EXPECT_EQ(r.error_code(), "photo_rejected");
    auto& reasons = v.at("reasons").as_array();
    ASSERT_FALSE(reasons.empty()) << what;
    for (auto& reason : reasons) {
      EXPECT_FALSE(str_at(reason, "code").empty());
      EXPECT_FALSE(str_at(reason, "message").empty());
      EXPECT_FALSE(str_at(reason, "message_en").empty());
      EXPECT_NE(str_at(reason, "message"), str_at(reason, "message_en"));
    }
    if (what == "blurred") {
      EXPECT_FALSE(v.at("checks").as_object().empty());  // a page was found and measured
    }
    EXPECT_FALSE(v.contains("page"));
  }
  EXPECT_EQ(page_count(s.conninfo(), p.id), 0);
  EXPECT_EQ(pages_added(s, p.code), "0");
}

TEST(PhoneUpload, ConcurrentUploadsToOneMaterialGetPagesOneToFour) {
  running_server s;
  auto p = ready(s);
  std::vector<std::future<http_reply>> phones;
  for (int i = 0; i < 4; ++i)
    phones.push_back(std::async(std::launch::async, [&, i] {
      return phone_upload(s.port(), p.code.token, accepted_jpeg(), "parallel-" + std::to_string(i));
    }));
  std::set<std::int64_t> answered;
  std::set<std::string> ids;
  for (auto& f : phones) {
    auto r = f.get();
    ASSERT_EQ(r.status, 201) << r.body;
    answered.insert(page_of(r).at("position").as_int64());
    ids.insert(str_at(page_of(r), "id"));
  }
  EXPECT_EQ(answered, (std::set<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(positions(s.conninfo(), p.id, "dispatch_rules"), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(pages_added(s, p.code), "4");
  auto app = s.call_as(p.session, "GET", "/api/v1/applications/" + p.id).json().as_object();
  for (auto& m : app.at("materials").as_array()) {
    if (str_at(m, "code") != "dispatch_rules") continue;
    EXPECT_EQ(str_at(m, "status"), "uploaded");
    EXPECT_EQ(m.as_object().at("pages").as_array().size(), 4u);
  }
}

TEST(PhoneUpload, AcceptedPageIsPushedToThePortalWithinASecond) {
  running_server s;
  auto p = ready(s);
  background_read events(s.port(),
                         {.target = "/api/v1/applications/" + p.id + "/events",
                          .headers = {{"Authorization", "Bearer " + p.session}}},
                         20s);
  ASSERT_TRUE(events.wait_for("\"event\":\"open\"", 3s)) << events.text();
  auto head = events.reply();
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.headers["content-type"].find("text/event-stream"), std::string::npos);
  EXPECT_EQ(head.body.find("\"event\":\"INSERT\""), std::string::npos);

  auto r = phone_upload(s.port(), p.code.token, accepted_jpeg(), "pushed");
  auto answered = std::chrono::steady_clock::now();
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(events.wait_for("event: changed\ndata: {\"event\":\"INSERT\"}", 1s)) << events.text();
  EXPECT_LT(std::chrono::steady_clock::now() - answered, 1s);
  // A page deleted in the portal is announced as well.
  auto del = s.call_as(p.session, "DELETE", "/api/v1/applications/" + p.id + "/materials/dispatch_rules/pages/" +
                                                str_at(page_of(r), "id"));
  ASSERT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(events.wait_for("\"event\":\"DELETE\"", 1s)) << events.text();
  events.stop();
}

TEST(PhoneUpload, TwoRetriesInFlightWithOneKeyMakeOnePage) {
  running_server s;
  auto p = ready(s);
  auto send = [&] { return phone_upload(s.port(), p.code.token, accepted_jpeg(), "same-key"); };
  auto a = std::async(std::launch::async, send);
  auto b = std::async(std::launch::async, send);
  auto ra = a.get(), rb = b.get();
  ASSERT_TRUE(ra.status == 201 || ra.status == 200) << ra.body;
  ASSERT_TRUE(rb.status == 201 || rb.status == 200) << rb.body;
  EXPECT_EQ(ra.status + rb.status, 401) << "exactly one of the two made the page";
  EXPECT_EQ(str_at(page_of(ra), "id"), str_at(page_of(rb), "id"));
  EXPECT_EQ(page_count(s.conninfo(), p.id), 1);
  EXPECT_EQ(pages_added(s, p.code), "1");
}

TEST(PortalUpload, SessionUploadsAPageAndOthersCannot) {
  running_server s;
  auto p = ready(s, "business_licence");
  auto path = "/api/v1/applications/" + p.id + "/materials/business_licence/pages";
  header_list auth = {{"Authorization", "Bearer " + p.session}, {"Content-Type", "image/jpeg"}};
  auto wrong = s.call("POST", path, "not an image", auth);
  EXPECT_EQ(wrong.status, 415);
  EXPECT_EQ(wrong.error_code(), "unsupported_media_type");
  auto zhao = s.login(demo::unit_b, demo::legal_rep_b);
  auto other = s.call("POST", path, accepted_jpeg(), {{"Authorization", "Bearer " + zhao}, {"Content-Type", "image/jpeg"}});
  EXPECT_EQ(other.status, 404);
  auto unknown = s.call("POST", "/api/v1/applications/" + p.id + "/materials/nothing/pages", accepted_jpeg(), auth);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(page_count(s.conninfo(), p.id), 0);

  auto r = s.call("POST", path, accepted_jpeg(), auth);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(str_at(page_of(r), "source"), "portal");
  EXPECT_EQ(page_of(r).at("position").as_int64(), 1);
  // The phone's code for the same material counts the portal's page.
  EXPECT_EQ(describe_code(s.port(), p.code.token).json().as_object().at("pages_in_material").as_int64(), 1);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT upload_code_id IS NULL FROM pages WHERE id = " + str_at(page_of(r), "id")), "t");
}

TEST(MaterialLimit, NoUploadPathGoesBeyondTheMaterialsMaximumPages) {
  running_server s;
  auto p = ready(s);  // a code for dispatch_rules while it is empty: room for its pages-per-code
  auto max_pages = std::stoi(sql_one(s.conninfo(), "SELECT max_pages FROM service_materials WHERE service_code = "
                                                   "'labour_dispatch_licence_haicheng' AND code = 'dispatch_rules'"));
  for (int i = 0; i < max_pages - 1; ++i) seed_page(s.conninfo(), p.id, "dispatch_rules", i % 5);
  // One page of room: a new code gets exactly one page.
  auto last = create_code(s, p.session, p.id, "dispatch_rules");
  EXPECT_EQ(last.reply.json().as_object().at("max_pages").as_int64(), 1);
  auto accepted = phone_upload(s.port(), last.token, accepted_jpeg(), "last");
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  EXPECT_EQ(page_of(accepted).at("position").as_int64(), max_pages);

  // Full now: no new code, and neither the older code nor the portal adds a page.
  auto full = s.call_as(p.session, "POST", "/api/v1/applications/" + p.id + "/materials/dispatch_rules/upload-codes", "{}");
  EXPECT_EQ(full.status, 409);
  EXPECT_EQ(full.error_code(), "material_full");
  auto by_old_code = phone_upload(s.port(), p.code.token, accepted_jpeg(), "one-too-many");
  EXPECT_EQ(by_old_code.status, 409) << by_old_code.body;
  EXPECT_EQ(by_old_code.error_code(), "material_full");
  auto by_portal = s.call("POST", "/api/v1/applications/" + p.id + "/materials/dispatch_rules/pages", accepted_jpeg(),
                          {{"Authorization", "Bearer " + p.session}, {"Content-Type", "image/jpeg"}});
  EXPECT_EQ(by_portal.status, 409) << by_portal.body;
  EXPECT_EQ(by_portal.error_code(), "material_full");
  EXPECT_EQ(positions(s.conninfo(), p.id, "dispatch_rules").size(), static_cast<std::size_t>(max_pages));
  EXPECT_EQ(pages_added(s, p.code), "0");
}
