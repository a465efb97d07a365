// Upload codes: a random token stored only as a hash, good for one material of one draft, for a
// few minutes and a few pages, and for nothing else.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;

namespace {

struct draft {
  std::string session, id;
};

draft unit_a_draft(const running_server& s, const std::string& service = "labour_dispatch_licence_haicheng") {
  draft d;
  d.session = s.login(demo::unit_a, demo::agent_all);
  d.id = start_id(s, d.session, service);
  return d;
}

int base64url_bits(const std::string& t) {
  for (char c : t)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return -1;
  return static_cast<int>(t.size()) * 6;
}

std::string hex_of(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

}  // namespace

TEST(UploadCodes, TokenIsLongRandomAndOnlyItsHashIsStored) {
  running_server s;
  auto d = unit_a_draft(s);
  auto a = create_code(s, d.session, d.id, "dispatch_rules");
  auto b = create_code(s, d.session, d.id, "dispatch_rules");
  ASSERT_FALSE(a.token.empty());
  EXPECT_EQ(a.url, s.app().cfg.public_url + "/u/" + a.token);
  EXPECT_GE(base64url_bits(a.token), 128) << a.token;
  EXPECT_NE(a.token, b.token);
  auto v = a.reply.json().as_object();
  EXPECT_GT(v.at("expires_in").as_int64(), 0);
  EXPECT_LE(v.at("expires_in").as_int64(), s.app().cfg.upload_code_minutes * 60);
  EXPECT_EQ(v.at("max_pages").as_int64(), s.app().cfg.upload_code_max_pages);
  EXPECT_NE(str_at(v, "qr_svg").find("<svg"), std::string::npos);
  EXPECT_EQ(a.reply.body.find("token_hash"), std::string::npos);
  EXPECT_EQ(a.reply.headers["cache-control"], "no-store");  // the answer carries a secret

  // Scan every table of the database, every column as text: the token is nowhere, in no encoding.
  int tables = 0;
  for (auto& t : sql(s.conninfo(), "SELECT quote_ident(table_name) FROM information_schema.tables "
                                   "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
    ++tables;
    for (auto& row : sql(s.conninfo(), "SELECT x::text FROM " + t + " x")) {
      EXPECT_EQ(row.find(a.token), std::string::npos) << t;
      EXPECT_EQ(row.find(hex_of(a.token)), std::string::npos) << t;
    }
  }
  EXPECT_GT(tables, 5);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM upload_codes"), "2");
  // The phone finds its code by the token all the same.
  auto phone = describe_code(s.port(), a.token);
  ASSERT_EQ(phone.status, 200) << phone.body;
  EXPECT_EQ(str_at(phone.json(), "material"), "dispatch_rules");
  EXPECT_EQ(phone.body.find(a.token), std::string::npos);
}

TEST(UploadCodes, UnknownExpiredAndRevokedCodesAreRefused) {
  running_server s;
  auto d = unit_a_draft(s);
  auto unknown = describe_code(s.port(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.error_code(), "upload_code_invalid");
  auto unknown_upload = phone_upload(s.port(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", blank_jpeg());
  EXPECT_EQ(unknown_upload.status, 404);
  auto none = http_call(s.port(), "POST", "/api/v1/upload-codes/current/pages", blank_jpeg(), {{"Content-Type", "image/jpeg"}});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.error_code(), "upload_code_required");

  auto expired = create_code(s, d.session, d.id, "dispatch_rules");
  sql(s.conninfo(), "UPDATE upload_codes SET expires_at = now() - interval '1 second' WHERE id = " + expired.id);
  auto e1 = describe_code(s.port(), expired.token);
  EXPECT_EQ(e1.status, 410);
  EXPECT_EQ(e1.error_code(), "upload_code_expired");
  auto e2 = phone_upload(s.port(), expired.token, accepted_jpeg(), "k-expired");
  EXPECT_EQ(e2.status, 410) << e2.body;
  EXPECT_EQ(e2.error_code(), "upload_code_expired");
  auto v = e2.json().as_object().at("error").as_object();
  EXPECT_FALSE(str_at(v, "message").empty());
  EXPECT_FALSE(str_at(v, "message_en").empty());

  auto revoked = create_code(s, d.session, d.id, "dispatch_rules");
  ASSERT_EQ(describe_code(s.port(), revoked.token).status, 200);
  auto del = s.call_as(d.session, "DELETE", "/api/v1/applications/" + d.id + "/upload-codes/" + revoked.id);
  EXPECT_EQ(del.status, 204) << del.body;
  auto r1 = describe_code(s.port(), revoked.token);
  EXPECT_EQ(r1.status, 410);
  EXPECT_EQ(r1.error_code(), "upload_code_revoked");
  auto r2 = phone_upload(s.port(), revoked.token, accepted_jpeg(), "k-revoked");
  EXPECT_EQ(r2.status, 410);
  // Revoking through another application's path finds nothing.
  auto other = start_id(s, d.session, "labour_dispatch");
  auto live = create_code(s, d.session, d.id, "dispatch_rules");
  EXPECT_EQ(s.call_as(d.session, "DELETE", "/api/v1/applications/" + other + "/upload-codes/" + live.id).status, 404);
  EXPECT_EQ(describe_code(s.port(), live.token).status, 200);
  // Unknown material.
  auto bad = s.call_as(d.session, "POST", "/api/v1/applications/" + d.id + "/materials/nothing/upload-codes", "{}");
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(bad.error_code(), "material_not_found");
  EXPECT_EQ(page_count(s.conninfo(), d.id), 0);
}

TEST(UploadCodes, GrantNothingBeyondTheirMaterial) {
  running_server s;
  auto d = unit_a_draft(s);
  auto other_material_page = seed_page(s.conninfo(), d.id, "business_licence");
  auto code = create_code(s, d.session, d.id, "dispatch_rules");
  auto own_page = seed_page(s.conninfo(), d.id, "dispatch_rules");
  header_list with_code = {{"X-Upload-Code", code.token}};

  // A page of its own material: visible to the phone, and kept in no cache.
  auto own = s.call("GET", "/api/v1/pages/" + own_page + "/thumbnail", "", with_code);
  EXPECT_EQ(own.status, 200);
  EXPECT_EQ(own.headers["cache-control"], "no-store");
  // Another material's page of the same application, and another application's page: not found.
  auto r = s.call("GET", "/api/v1/pages/" + other_material_page + "/image", "", with_code);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(s.call("GET", "/api/v1/pages/" + other_material_page + "/thumbnail", "", with_code).status, 404);
  auto elsewhere = start_id(s, d.session, "labour_dispatch_licence_haicheng");
  auto foreign_page = seed_page(s.conninfo(), elsewhere, "dispatch_rules");
  EXPECT_EQ(s.call("GET", "/api/v1/pages/" + foreign_page + "/image", "", with_code).status, 404);

  // The code is no session: neither as a header on portal endpoints nor as a bearer token.
  for (auto [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/api/v1/applications/" + d.id, ""},
           {"GET", "/api/v1/applications", ""},
           {"POST", "/api/v1/applications/" + d.id + "/submission", "{}"},
           {"POST", "/api/v1/applications/" + d.id + "/materials/dispatch_rules/upload-codes", "{}"},
           {"DELETE", "/api/v1/applications/" + d.id + "/materials/dispatch_rules/pages/" + own_page, ""},
           {"GET", "/api/v1/applications/" + d.id + "/materials/dispatch_rules/pdf", ""},
           {"GET", "/api/v1/sessions/current", ""}}) {
    auto as_header = s.call(method, path, body, with_code);
    EXPECT_EQ(as_header.status, 401) << method << " " << path << " " << as_header.body;
    auto as_bearer = s.call(method, path, body, {{"Authorization", "Bearer " + code.token}});
    EXPECT_EQ(as_bearer.status, 401) << method << " " << path << " " << as_bearer.body;
  }
  // Portal upload with the code instead of a session: refused before any image work.
  auto portal = s.call("POST", "/api/v1/applications/" + d.id + "/materials/dispatch_rules/pages", blank_jpeg(),
                       {{"Authorization", "Bearer " + code.token}, {"Content-Type", "image/jpeg"}});
  EXPECT_EQ(portal.status, 401);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM pages WHERE id = " + own_page), "1");
  EXPECT_EQ(page_count(s.conninfo(), d.id), 2);
}

TEST(UploadCodes, PageLimitUsesTheCodeUp) {
  auto cfg = test_config();
  cfg.upload_code_max_pages = 1;
  running_server s(cfg);
  auto d = unit_a_draft(s);
  auto code = create_code(s, d.session, d.id, "dispatch_rules");
  EXPECT_EQ(code.reply.json().as_object().at("max_pages").as_int64(), 1);
  auto first = phone_upload(s.port(), code.token, accepted_jpeg(), "page-1");
  ASSERT_EQ(first.status, 201) << first.body;
  auto view = describe_code(s.port(), code.token).json().as_object();
  EXPECT_EQ(view.at("pages_added").as_int64(), 1);

  auto second = phone_upload(s.port(), code.token, blank_jpeg());
  EXPECT_EQ(second.status, 410) << second.body;
  EXPECT_EQ(second.error_code(), "upload_code_used_up");
  // A new key is a new page: also refused, before the photo is looked at (a photo that would be
  // rejected must not get a verdict).
  auto keyed = phone_upload(s.port(), code.token, blank_jpeg(), "page-2");
  EXPECT_EQ(keyed.status, 410) << keyed.body;
  EXPECT_EQ(keyed.error_code(), "upload_code_used_up");
  // The retry of the page that was accepted still gets its answer.
  auto retry = phone_upload(s.port(), code.token, accepted_jpeg(), "page-1");
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(str_at(retry.json().as_object().at("page"), "id"), str_at(first.json().as_object().at("page"), "id"));
  EXPECT_EQ(page_count(s.conninfo(), d.id), 1);
  // A fresh code adds more pages.
  EXPECT_EQ(describe_code(s.port(), create_code(s, d.session, d.id, "dispatch_rules").token).status, 200);
}

TEST(UploadCodes, SubmissionKillsEveryCodeOfTheApplication) {
  running_server s;
  auto d = unit_a_draft(s);
  fill_form(s, d.session, d.id);
  auto before = create_code(s, d.session, d.id, "charter_capital");
  auto other = create_code(s, d.session, d.id, "tolerance_pledge");
  for (auto m : {"dispatch_rules", "business_licence", "premises_equipment", "application_form", "tolerance_pledge"})
    seed_page(s.conninfo(), d.id, m);
  auto sub = s.call_as(d.session, "POST", "/api/v1/applications/" + d.id + "/submission", "{}");
  ASSERT_EQ(sub.status, 200) << sub.body;
  for (auto* c : {&before, &other}) {
    auto view = describe_code(s.port(), c->token);
    EXPECT_TRUE(view.status == 409 || view.status == 410) << view.body;
    auto up = phone_upload(s.port(), c->token, blank_jpeg(), "after");
    EXPECT_TRUE(up.status == 409 || up.status == 410) << up.body;
  }
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM upload_codes WHERE revoked_at IS NULL AND application_id = " + d.id), "0");
  auto late = s.call_as(d.session, "POST", "/api/v1/applications/" + d.id + "/materials/charter_capital/upload-codes", "{}");
  EXPECT_EQ(late.status, 409) << late.body;
  EXPECT_EQ(late.error_code(), "application_not_draft");
  EXPECT_EQ(page_count(s.conninfo(), d.id), 5);
}

TEST(UploadCodes, ANulInAFormFieldIs400AndChangesNothing) {
  running_server s;
  auto d = unit_a_draft(s);
  std::string body = R"({"form":{"contact_name":"王\u0000芳","contact_mobile":"13812340003"}})";
  auto r = s.call_as(d.session, "PATCH", "/api/v1/applications/" + d.id, body);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "nul_character");
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT form::text FROM applications WHERE id = " + d.id), "{}");
}
