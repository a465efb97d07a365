// The signed QR code of the hall's documents, end to end over real HTTP and PostgreSQL: the
// receipt's PDF rendered to images by pdftoppm at 150, 200 and 300 dpi, its QR code read by
// ZXing-cpp and by zbarimg (an independent decoder), and verified offline against the trust list
// the server publishes; then the online check, a revocation and a key rotation.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "app_client.hpp"
#include "hallpass/qr/decode.hpp"
#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/documents/official_document.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/signing/document_code.hpp"
#include "../../support/shell.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;
namespace fs = std::filesystem;
namespace sg = hallpass::signing;

namespace {

std::string output_of(const std::string& command) { return hallpass::shell::run(command).out; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The first page of the PDF as a PNG at `dpi`, rendered by pdftoppm.
std::string page_png(const std::string& pdf, int dpi) {
  auto dir = fs::temp_directory_path() / ("hallpass-seal-" + std::to_string(::getpid()) + "-" + std::to_string(dpi));
  fs::create_directories(dir);
  std::ofstream(dir / "doc.pdf", std::ios::binary) << pdf;
  output_of("pdftoppm -r " + std::to_string(dpi) + " -f 1 -l 1 -png '" + (dir / "doc.pdf").string() + "' '" +
            (dir / "page").string() + "' 2>&1");
  std::string png;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".png") png = read_file(e.path());
  fs::remove_all(dir);
  return png;
}

// The QR text zbarimg reads in a PNG ("" when none).
std::string zbar_text(const std::string& png) {
  auto file = fs::temp_directory_path() / ("hallpass-zbar-" + std::to_string(::getpid()) + ".png");
  std::ofstream(file, std::ios::binary) << png;
  auto out = output_of("zbarimg --quiet --raw -Sdisable -Sqrcode.enable '" + file.string() + "' 2>/dev/null");
  fs::remove(file);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// The QR text ZXing-cpp reads on the PDF's first page at 200 dpi ("" when none).
std::string qr_text_of(const std::string& pdf) {
  auto png = page_png(pdf, 200);
  auto found = hallpass::qr::decode_image_bytes(std::span(reinterpret_cast<const std::uint8_t*>(png.data()), png.size()));
  return found ? found->text : "";
}

std::string receipt_of_accepted_application(const running_server& s, std::string* id_out = nullptr) {
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang, /*tolerate_charter=*/true);
  auto clerk = staff_login(s, demo::clerk);
  EXPECT_EQ(act(s, clerk, id, {{"action", "accept"}}).status, 200);
  auto r = s.call_as(wang, "GET", "/api/v1/applications/" + id + "/documents/receipt");
  EXPECT_EQ(r.status, 200) << r.body;
  if (id_out) *id_out = id;
  return r.body;
}

sg::trust_list published_keys(const running_server& s) {
  auto r = s.call("GET", "/api/v1/trust-list");
  EXPECT_EQ(r.status, 200) << r.body;
  auto list = sg::parse_trust_list(r.body);
  EXPECT_TRUE(list.has_value()) << r.body;
  return list.value_or(sg::trust_list{});
}

std::int64_t now() { return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::string payload_text(const std::string& url) { return url.substr(url.rfind('/') + 1); }

}  // namespace

TEST(SignedDocuments, ReceiptQrReadsAtEveryDpiWithTwoDecodersAndVerifiesOffline) {
  running_server s;
  std::string id;
  auto pdf = receipt_of_accepted_application(s, &id);
  auto keys = published_keys(s);
  ASSERT_EQ(keys.keys.size(), 1u);

  std::string text;
  for (int dpi : {150, 200, 300}) {
    auto png = page_png(pdf, dpi);
    ASSERT_FALSE(png.empty()) << dpi;
    auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(png.data()), png.size());
    auto zxing = hallpass::qr::decode_image_bytes(bytes);
    ASSERT_TRUE(zxing.has_value()) << "ZXing-cpp at " << dpi << " dpi";
    EXPECT_EQ(zbar_text(png), zxing->text) << "zbarimg at " << dpi << " dpi";
    if (text.empty()) text = zxing->text;
    EXPECT_EQ(zxing->text, text);
    auto checked = sg::check_offline(zxing->text, keys, now());
    EXPECT_EQ(sg::verdict_name(checked.outcome), "genuine") << dpi << " dpi: " << zxing->text;
  }
  auto checked = sg::check_offline(text, keys, now());
  ASSERT_TRUE(checked.claims);
  EXPECT_EQ(checked.claims->reference, id);
  EXPECT_EQ(checked.claims->holder, "常州示范****有限公司");
  EXPECT_EQ(checked.claims->office, "haicheng_hrss");
  EXPECT_EQ(checked.claims->type, sg::document_type::receipt);
  EXPECT_EQ(text.rfind("HTTP://127.0.0.1:", 0), 0u) << text;  // upper case: alphanumeric mode
  auto symbol = hallpass::qr::encode(text, hallpass::qr::ec_level::medium);
  ASSERT_TRUE(symbol.has_value());
  std::cout << "受理回执 QR: " << sg::base41_decode(payload_text(text))->size() << "-byte payload, " << text.size()
            << " characters, QR version " << symbol->version() << " level M\n";
  EXPECT_LE(symbol->version(), 11);

  // The same code on every download; genuine online too.
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto again = s.call_as(wang, "GET", "/api/v1/applications/" + id + "/documents/receipt");
  EXPECT_EQ(qr_text_of(again.body), text);
  auto online = s.call("GET", "/api/v1/document-checks/" + payload_text(text));
  ASSERT_EQ(online.status, 200) << online.body;
  EXPECT_EQ(str_at(online.json(), "verdict"), "genuine");
  EXPECT_EQ(std::string(online.json().at("record").at("application_id").as_string()), id);
  // The page a phone camera opens is served for the code's URL as it is printed.
  EXPECT_EQ(s.call("GET", "/V/" + payload_text(text)).status, 200);
}

TEST(SignedDocuments, RevokedOnlineAndOldDocumentsStillVerifyAfterARotation) {
  running_server s;
  auto pdf = receipt_of_accepted_application(s);
  auto text = qr_text_of(pdf);
  auto first_key = sg::check_offline(text, published_keys(s), now()).claims->key_id;

  // Rotation: a new live key; the old one is retired, and its receipt still verifies.
  auto next = s.app().signing.rotate_key();
  ASSERT_NE(next, first_key);
  auto keys = published_keys(s);
  ASSERT_EQ(keys.keys.size(), 2u);
  EXPECT_EQ(sg::verdict_name(sg::check_offline(text, keys, now()).outcome), "genuine");
  auto receipt2 = receipt_of_accepted_application(s);
  auto text2 = qr_text_of(receipt2);
  EXPECT_EQ(sg::check_offline(text2, keys, now()).claims->key_id, next);
  // After the document's expiry, a retired key's document is refused as such.
  auto later = now() + 3 * 366 * 86400;
  EXPECT_EQ(sg::verdict_name(sg::check_offline(text, keys, later).outcome), "retired_key_expired");

  // Revocation is answered online, at once.
  auto serial = sg::check_offline(text, keys, now()).claims->serial_hex();
  EXPECT_EQ(s.app().signing.revoke(serial, "").err().code, hallpass::server::services::errc::signed_document_not_found);
  ASSERT_TRUE(s.app().signing.revoke(serial, "申请人撤回申请"));
  auto online = s.call("GET", "/api/v1/document-checks/" + payload_text(text));
  EXPECT_EQ(str_at(online.json(), "verdict"), "revoked");
  EXPECT_EQ(std::string(online.json().at("record").at("revoked_reason").as_string()), "申请人撤回申请");
  EXPECT_EQ(str_at(s.call("GET", "/api/v1/document-checks/" + payload_text(text2)).json(), "verdict"), "genuine");
  EXPECT_FALSE(s.app().signing.revoke(serial, "again"));  // once
}

TEST(SignedDocuments, AnythingElseIsNotTheHallsAndNeverAnError) {
  running_server s;
  for (const std::string& bad : std::vector<std::string>{"0", "ABC", "%20", "$$$$", std::string(601, 'A'), std::string(300, '0')}) {
    auto r = s.call("GET", "/api/v1/document-checks/" + bad);
    ASSERT_EQ(r.status, 200) << bad;
    EXPECT_EQ(str_at(r.json(), "verdict"), "not_hallpass") << bad;
    EXPECT_TRUE(r.json().at("signed").is_null());
  }
  // A code signed by a key the hall does not have.
  sg::document_claims c;
  c.key_id = 7;
  c.issued_at = now();
  c.valid_days = 30;
  c.office = "haicheng_hrss";
  c.reference = "1";
  c.holder = "王*";
  auto forged = sg::sign_payload(c, sg::generate_p256_key().private_pem);
  auto r = s.call("GET", "/api/v1/document-checks/" + sg::base41_encode(forged));
  EXPECT_EQ(str_at(r.json(), "verdict"), "unknown_key");
  EXPECT_TRUE(r.json().at("signed").is_null());  // unverified fields are not shown

  // Anyone may ask, within 60 checks a minute from one address.
  http_reply last;
  for (int i = 0; i < 60 && last.status != 429; ++i) last = s.call("GET", "/api/v1/document-checks/0");
  EXPECT_EQ(last.status, 429);
  EXPECT_EQ(last.error_code(), "rate_limited");
  EXPECT_FALSE(last.headers["retry-after"].empty());
}

// The offline checkers on the papers as a person would hold them: hallpass-verify and the phone
// app on the genuine receipt, then hallpass-verify on a copy made with the same QR code but
// another applicant and application number printed.
TEST(SignedDocuments, OfflineCheckersNeedNoServerAndNameTheAlteredFieldsOfACopy) {
  running_server s;
  std::string id;
  auto pdf = receipt_of_accepted_application(s, &id);
  auto dir = fs::temp_directory_path() / ("hallpass-verify-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "trust-list.json") << s.call("GET", "/api/v1/trust-list").body;
  std::ofstream(dir / "receipt.pdf", std::ios::binary) << pdf;
  auto verify = [&](const std::string& file) {
    return json::parse(output_of("'" HALLPASS_VERIFY_PROGRAM "' --trust-list '" + (dir / "trust-list.json").string() + "' '" +
                                 (dir / file).string() + "'"));
  };
  auto genuine = verify("receipt.pdf");
  EXPECT_EQ(str_at(genuine, "verdict"), "genuine");
  EXPECT_TRUE(genuine.at("differing_fields").as_array().empty());

  // The phone app checks the same code offline: it fetches the trust list once, then needs no
  // server (the second run names one that does not answer).
  std::ofstream(dir / "receipt.png", std::ios::binary) << page_png(pdf, 200);
  auto phone = [&](const std::string& server) {
    auto out = output_of("'" HALLPASS_PHONE_PROGRAM "' --server " + server + " --state '" + (dir / "phone.json").string() +
                         "' check-document '" + (dir / "receipt.png").string() + "'; echo \"exit $?\"");
    return out;
  };
  auto online_once = phone("http://127.0.0.1:" + std::to_string(s.port()));
  EXPECT_NE(online_once.find("真实有效 / genuine"), std::string::npos) << online_once;
  EXPECT_NE(online_once.find("exit 0"), std::string::npos) << online_once;
  auto offline = phone("http://127.0.0.1:9");
  EXPECT_NE(offline.find("申请编号 " + id), std::string::npos) << offline;
  EXPECT_NE(offline.find("exit 0"), std::string::npos) << offline;

  // The forgery: the hall's own layout and the genuine code, with two fields changed.
  hallpass::server::services::application_view view;
  {
    auto conn = s.app().db.acquire();
    view = s.app().applications.view_of(*hallpass::server::db::find_application(*conn, std::stoll(id)));
  }
  auto doc = s.app().documents.content(view, hallpass::server::services::document_kind::receipt).value();
  doc.seal_qr_text = qr_text_of(pdf);
  for (auto& f : doc.fields) {
    if (f.label == "申请编号") f.value = "99";
    if (f.label == "申请人") f.value = "海城某某劳务有限公司（单位编号 32000999）";
  }
  std::ofstream(dir / "forged.pdf", std::ios::binary)
      << hallpass::server::documents::render_pdf(doc, *s.app().documents.font());
  auto forged = verify("forged.pdf");
  EXPECT_EQ(str_at(forged, "verdict"), "altered");
  auto& differing = forged.at("differing_fields").as_array();
  ASSERT_EQ(differing.size(), 2u) << json::serialize(forged);
  EXPECT_EQ(std::string(differing[0].at("field").as_string()), "申请编号");
  EXPECT_EQ(std::string(differing[0].at("printed").as_string()), "99");
  EXPECT_EQ(std::string(differing[0].at("signed").as_string()), id);
  EXPECT_EQ(std::string(differing[1].at("field").as_string()), "申请人");
  fs::remove_all(dir);
}
