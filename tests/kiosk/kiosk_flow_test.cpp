// The kiosk end to end, against a real server and PostgreSQL: a person signs in on its screen
// with the phone, captures a material's page with the document camera (an image sequence), the
// page arrives in the application; a receipt is printed on a thermal printer (a loopback listener
// that decodes the ESC/POS raster) and its QR code verifies; a printed paper laid under the
// camera is checked; and the walk-away sign-out leaves nothing of the person on the kiosk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <span>

#include <boost/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../server/applications/app_client.hpp"
#include "../../kiosk/src/kiosk_app.hpp"
#include "escpos_listener.hpp"
#include "hallpass/qr/decode.hpp"
#include "hallpass/signing/document_code.hpp"
#include "kiosk_fixture.hpp"
#include "tcp_proxy.hpp"
#include "../support/shell.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
using namespace hallpass::kiosk::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

hallpass::server::config quick_polls() {
  auto cfg = test_config();
  cfg.device_poll_interval = 1;  // the kiosk polls for the confirmation every second
  return cfg;
}

// The card photo the server's own upload tests use, as the camera would see it.
std::string card_photo() { return accepted_jpeg(); }

int pages_of(const running_server& s, const std::string& id) { return page_count(s.conninfo(), id); }

std::string png_of(const cv::Mat& m) {
  std::vector<unsigned char> out;
  cv::imencode(".png", m, out);
  return {out.begin(), out.end()};
}

// The QR text zbarimg reads in an image file ("" when none).
std::string zbar_text(const fs::path& image) {
  auto text = hallpass::shell::run("zbarimg --quiet --raw -Sdisable -Sqrcode.enable " + hallpass::shell::quote(image.string()) +
                                   " 2>/dev/null").out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

TEST(Kiosk, SignsInOnTheKioskChannelAndCapturesAPageIntoTheApplication) {
  running_server s(quick_polls());
  kiosk_files files;
  files.lay(card_photo());
  auto cred = register_kiosk(s, files);
  running_kiosk k(files, cred, s.app().cfg.public_url, "pdf:" + (files.root / "printed").string());

  // Nothing is served to another host name (DNS rebinding) or without this boot's token.
  EXPECT_EQ(http_call(k.port(), "GET", "/api/state").status, 403);
  EXPECT_EQ(http_call(k.port(), "GET", "/api/state", "", {{"X-Kiosk-Token", "test-token-0123456789abcdef"},
                                                          {"Origin", "http://evil.example"}}).status, 403);
  EXPECT_EQ(http_call(k.port(), "GET", "/", "", {{"Host", "evil.example:" + std::to_string(k.port())}}).status, 421);
  auto page = http_call(k.port(), "GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("test-token-0123456789abcdef"), std::string::npos) << "the screen gets this boot's token";

  sign_in(s, k, demo::mobile_agent_all, demo::unit_a);  // 王芳, agent of unit A
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT channel || ' ' || client_id FROM sessions WHERE client_id IS NOT NULL "
                                  "AND revoked_at IS NULL"),
            "kiosk test-kiosk");
  auto st = k.state();
  EXPECT_EQ(st.at("session").at("unit").at("uscc").as_string(), demo::unit_a);

  // Her unit's draft (started on her phone) is listed on the kiosk.
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, "labour_dispatch_licence_haicheng");
  auto list = k.call("GET", "/api/applications");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("\"id\":\"" + id + "\""), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("service_name"), std::string::npos);

  auto opened = k.call("POST", "/api/material", json::serialize(json::object{{"application_id", id}, {"material", "dispatch_rules"}}));
  ASSERT_EQ(opened.status, 200) << opened.body;
  auto shot = k.call("POST", "/api/captures");
  ASSERT_EQ(shot.status, 200) << shot.body;
  EXPECT_TRUE(shot.json().at("accepted").as_bool()) << shot.body;
  auto preview = k.call("GET", "/api/captures/preview.jpg");
  ASSERT_EQ(preview.status, 200);
  EXPECT_EQ(preview.body.substr(0, 3), std::string("\xFF\xD8\xFF"));
  EXPECT_EQ(pages_of(s, id), 0) << "nothing is sent before the person keeps the page";
  ASSERT_EQ(k.call("POST", "/api/captures/keep").status, 200);
  EXPECT_TRUE(wait_for([&] { return pages_of(s, id) == 1; })) << "the page arrives in the application";
  EXPECT_TRUE(wait_for([&] { return k.app().outbox_size() == 0; }));
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT material_code || ' ' || source FROM pages WHERE application_id = " + id),
            "dispatch_rules kiosk")
      << "the page is recorded as the kiosk's";
  // A page not kept is never sent: capture again, then leave.
  ASSERT_EQ(k.call("POST", "/api/captures").status, 200);
  ASSERT_EQ(k.call("POST", "/api/sign-out").status, 200);
  EXPECT_EQ(k.call("POST", "/api/captures/keep").status, 409);
  EXPECT_EQ(pages_of(s, id), 1);
  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM sessions WHERE client_id IS NOT NULL AND revoked_at IS NULL"), "0");
  EXPECT_EQ(k.call("GET", "/api/applications").status, 401);
}

TEST(Kiosk, PrintsAReceiptOnAThermalPrinterWhoseQrVerifiesAndChecksAPaperUnderTheCamera) {
  running_server s(quick_polls());
  escpos_listener printer;
  kiosk_files files;
  files.lay(card_photo());
  auto cred = register_kiosk(s, files);
  running_kiosk k(files, cred, s.app().cfg.public_url, "escpos:tcp://127.0.0.1:" + std::to_string(printer.port()));

  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang, /*tolerate_charter=*/true);
  auto clerk = staff_login(s, demo::clerk);
  ASSERT_EQ(act(s, clerk, id, {{"action", "accept"}}).status, 200);
  sign_in(s, k, demo::mobile_agent_all, demo::unit_a);

  auto queued = k.call("POST", "/api/prints", json::serialize(json::object{{"application_id", id}, {"document", "receipt"}}));
  ASSERT_EQ(queued.status, 200) << queued.body;
  ASSERT_TRUE(printer.wait_for_jobs(1, std::chrono::seconds(30)));
  auto job = printer.jobs().at(0);
  EXPECT_TRUE(job.errors.empty()) << job.errors.front();
  EXPECT_EQ(job.cuts, 1);
  ASSERT_EQ(job.rasters.size(), 1u);
  bool titled = false;
  for (auto& line : job.lines) titled |= line.text == "受理回执";
  EXPECT_TRUE(titled) << "the receipt's title is printed as text";

  // The printed code reads (ZXing-cpp) and verifies offline against the hall's trust list.
  auto& raster = job.rasters[0].image;
  auto read = hallpass::qr::decode({raster.data, raster.cols, raster.rows, static_cast<int>(raster.step)});
  ASSERT_TRUE(read);
  // zbarimg, an independent decoder, reads the same text from the raster as printed.
  auto raster_png = files.root / "raster.png";
  cv::Mat padded;
  cv::copyMakeBorder(raster, padded, 40, 40, 40, 40, cv::BORDER_CONSTANT, cv::Scalar(255));
  cv::imwrite(raster_png.string(), padded);
  EXPECT_EQ(zbar_text(raster_png), read->text);
  auto list = hallpass::signing::parse_trust_list(s.call("GET", "/api/v1/trust-list").body);
  ASSERT_TRUE(list);
  auto checked = hallpass::signing::check_offline(read->text, *list, std::time(nullptr));
  EXPECT_EQ(checked.outcome, hallpass::signing::verdict::genuine);
  EXPECT_TRUE(wait_for([&] {
    auto st = k.state();
    for (auto& n : st.at("notices").as_array())
      if (n.as_object().contains("print") && n.at("print").at("ok").as_bool()) return true;
    return false;
  }, 10)) << "the screen says it printed";

  // That receipt laid under the camera: genuine, checked online; then revoked by the operator.
  cv::Mat paper(raster.rows + 200, raster.cols + 200, CV_8UC1, cv::Scalar(255));
  raster.copyTo(paper(cv::Rect(100, 100, raster.cols, raster.rows)));
  cv::Mat bigger;
  cv::resize(paper, bigger, cv::Size(), 2, 2, cv::INTER_NEAREST);
  files.lay(png_of(bigger));
  auto verdict = k.call("POST", "/api/checks");
  ASSERT_EQ(verdict.status, 200) << verdict.body;
  EXPECT_EQ(str_at(verdict.json(), "verdict"), "genuine") << verdict.body << "\nprinted: " << read->text;
  EXPECT_TRUE(verdict.json().at("checked_online").as_bool());
  EXPECT_EQ(verdict.json().at("offline").at("verdict").as_string(), "genuine");
  EXPECT_EQ(verdict.json().at("online").at("signed").at("reference").as_string(),
            verdict.json().at("offline").at("signed").at("reference").as_string());
  ASSERT_TRUE(s.app().signing.revoke(checked.claims->serial_hex(), "测试撤销").ok());
  verdict = k.call("POST", "/api/checks");
  EXPECT_EQ(str_at(verdict.json(), "verdict"), "revoked") << verdict.body;
  EXPECT_EQ(verdict.json().at("offline").at("verdict").as_string(), "genuine") << "offline, a revocation cannot show";
}

// The server's receipt on an A4 printer through a real CUPS scheduler: the PDF that comes out,
// rendered by pdftoppm, has a QR code that ZXing-cpp and zbarimg read alike and that verifies.
TEST(Kiosk, PrintsTheReceiptOnAnA4PrinterThroughCups) {
  running_server s(quick_polls());
  kiosk_files files;
  files.lay(card_photo());
  private_cups cups(files.root / "cups");
  ASSERT_EQ(cups.error, "");
  auto cred = register_kiosk(s, files);
  hallpass::kiosk::config cfg;
  cfg.cups_server = cups.server;
  running_kiosk k(files, cred, s.app().cfg.public_url, "cups:" + cups.printer, cfg);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang, true);
  ASSERT_EQ(act(s, staff_login(s, demo::clerk), id, {{"action", "accept"}}).status, 200);
  sign_in(s, k, demo::mobile_agent_all, demo::unit_a);

  ASSERT_EQ(k.call("POST", "/api/prints", json::serialize(json::object{{"application_id", id}, {"document", "receipt"}})).status, 200);
  std::optional<json::object> printed;
  ASSERT_TRUE(wait_for([&] {
    auto st = k.state();
    for (auto& n : st.at("notices").as_array())
      if (n.as_object().contains("print")) printed = n.at("print").as_object();
    return printed.has_value();
  }, 60));
  EXPECT_TRUE(printed->at("ok").as_bool()) << json::serialize(*printed);
  EXPECT_EQ(printed->at("code").as_string(), "completed");
  std::string pdf;
  ASSERT_TRUE(wait_for([&] {
    for (auto& e : fs::directory_iterator(cups.output))
      if (e.path().extension() == ".pdf") pdf = e.path().string();
    return !pdf.empty();
  }, 20));
  auto png = files.root / "printed.png";
  ASSERT_EQ(std::system(("pdftoppm -r 200 -f 1 -l 1 -png -singlefile '" + pdf + "' '" + (files.root / "printed").string() + "'").c_str()), 0);
  std::ifstream in(png, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), {}};
  auto zxing = hallpass::qr::decode_image_bytes(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  ASSERT_TRUE(zxing);
  EXPECT_EQ(zbar_text(png), zxing->text);
  auto list = hallpass::signing::parse_trust_list(s.call("GET", "/api/v1/trust-list").body);
  ASSERT_TRUE(list);
  EXPECT_EQ(hallpass::signing::check_offline(zxing->text, *list, std::time(nullptr)).outcome,
            hallpass::signing::verdict::genuine);
}

TEST(Kiosk, WalkingAwayRevokesTheSessionAndLeavesNothingOfThePersonInItsDataFolder) {
  running_server s(quick_polls());
  tcp_proxy network(s.port());
  escpos_listener printer;
  kiosk_files files;
  files.lay(card_photo());
  auto cred = register_kiosk(s, files);
  hallpass::kiosk::config cfg;
  // The shortest walk-away the configuration file allows is 10 + 20 s; a test needs less.
  cfg.idle_seconds = 8;  // room for the steps below on a busy machine before the person "walks away"
  cfg.idle_warning_seconds = 2;
  cfg.outbox_retry_seconds = 60;  // a print job that met no server waits (and is not printed meanwhile)
  running_kiosk k(files, cred, "http://127.0.0.1:" + std::to_string(network.port()),
                  "escpos:tcp://127.0.0.1:" + std::to_string(printer.port()), cfg);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang, true);
  ASSERT_EQ(act(s, staff_login(s, demo::clerk), id, {{"action", "accept"}}).status, 200);
  auto draft = start_id(s, wang, "labour_dispatch_licence_haicheng");
  sign_in(s, k, demo::mobile_agent_all, demo::unit_a);
  ASSERT_TRUE(fs::exists(files.data / "session.json"));
  EXPECT_EQ(fs::status(files.data / "session.json").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_EQ(k.call("POST", "/api/material", json::serialize(json::object{{"application_id", draft}, {"material", "dispatch_rules"}})).status, 200);
  ASSERT_EQ(k.call("POST", "/api/captures").status, 200);  // a page on screen, not kept
  // A print job that cannot be fetched yet waits in the outbox as the person's.
  network.down();
  auto print = k.call("POST", "/api/prints", json::serialize(json::object{{"application_id", id}, {"document", "receipt"}}));
  ASSERT_EQ(print.status, 200) << print.body;
  k.wait_state([](const json::object& st) { return !st.at("online").as_bool(); }, 5);
  EXPECT_EQ(k.app().outbox_size(), 1u);

  // The person walks away while the server is still away.
  auto warned = k.wait_state([](const json::object& st) {
    return st.contains("idle") && st.at("idle").at("warning").as_bool();
  }, 20);
  ASSERT_TRUE(warned.contains("idle") && warned.at("idle").at("warning").as_bool()) << "a warning comes first";
  auto gone = k.wait_state([](const json::object& st) { return st.at("session").is_null(); }, 10);
  ASSERT_TRUE(gone.at("session").is_null());
  EXPECT_EQ(k.app().outbox_size(), 1u) << "the print job is gone; the sign-out waits for the server";
  EXPECT_EQ(k.call("GET", "/api/captures/preview.jpg").status, 404);
  network.up();
  EXPECT_TRUE(wait_for([&] { return k.app().outbox_size() == 0; }, 20)) << "the sign-out reaches the server";

  EXPECT_EQ(sql_one(s.conninfo(), "SELECT count(*) FROM sessions WHERE client_id IS NOT NULL AND revoked_at IS NULL"), "0")
      << "the server session is revoked";
  std::vector<std::string> left;
  for (auto& e : fs::recursive_directory_iterator(files.data))
    if (e.is_regular_file() && e.path().filename() != "trust-list.json") left.push_back(e.path().string());
  EXPECT_TRUE(left.empty()) << "left behind: " << (left.empty() ? "" : left.front());
  EXPECT_EQ(k.call("GET", "/api/applications").status, 401);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_TRUE(printer.jobs().empty()) << "nothing is printed for someone who left";
}
