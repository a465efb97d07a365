#include "kiosk_fixture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "../../kiosk/src/kiosk_app.hpp"
#include "../../kiosk/src/local_api.hpp"
#include "../../kiosk/src/outbox.hpp"
#include "hallpass/server/net/http_server.hpp"
#include "hallpass/server/services/login_tickets.hpp"
#include "support/test_tools.hpp"
#include "../support/shell.hpp"

namespace hallpass::kiosk::test {

namespace fs = std::filesystem;
namespace json = boost::json;
using hallpass::test::http_call;

kiosk_files::kiosk_files() {
  static int n = 0;
  root = fs::temp_directory_path() / ("hallpass-kiosk-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
  fs::remove_all(root);
  data = root / "data";
  camera = root / "camera";
  fs::create_directories(data);
  fs::create_directories(camera);
}

kiosk_files::~kiosk_files() { fs::remove_all(root); }

void kiosk_files::lay(const std::string& encoded_image) const {
  // Renamed into place: the camera never reads half a file.
  auto tmp = camera / "next.tmp";
  std::ofstream(tmp, std::ios::binary) << encoded_image;
  fs::rename(tmp, camera / "frame-000.jpg");
}

running_kiosk::running_kiosk(const kiosk_files& files, const std::string& credential_file, const std::string& server_url,
                             const std::string& printer, kiosk::config cfg) {
  cfg.credential_file = credential_file;
  cfg.server_url = server_url;
  cfg.data_dir = files.data.string();
  cfg.camera = "images:" + (files.camera / "frame-%03d.jpg").string();
  cfg.printer = printer;
  cfg.port = 0;
  cfg.web_dir = HALLPASS_KIOSK_WEB_DIR;
  if (cfg.outbox_retry_seconds == kiosk::config{}.outbox_retry_seconds) cfg.outbox_retry_seconds = 1;
  app_ = std::make_unique<kiosk::kiosk_app>(cfg, kiosk::load_credential(credential_file));
  token_ = "test-token-0123456789abcdef";
  api_ = std::make_unique<kiosk::local_api>(*app_, cfg.web_dir, token_);
  server::net_options net;
  net.port = 0;
  net.worker_threads = 4;
  http_ = std::make_unique<server::http_server>(net, *api_);
  http_->start();
  api_->set_port(http_->port());
  app_->start();
}

running_kiosk::~running_kiosk() {
  http_->stop();
  app_->stop();
}

unsigned short running_kiosk::port() const { return http_->port(); }
kiosk::kiosk_app& running_kiosk::app() { return *app_; }

hallpass::test::http_reply running_kiosk::call(const std::string& method, const std::string& path,
                                               const std::string& body) const {
  return http_call(port(), method, path, body, {{"X-Kiosk-Token", token_}});
}

json::object running_kiosk::state() const {
  auto r = call("GET", "/api/state");
  auto v = r.json();
  return v.is_object() ? v.as_object() : json::object{};
}

bool wait_for(const std::function<bool()>& ok, int seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!ok()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

private_cups::private_cups(const fs::path& dir) : dir_(dir) {
  auto all = shell::run("bash " + shell::quote(HALLPASS_TEST_CUPS_SCRIPT) + " start " + shell::quote(dir.string()) + " 2>&1").out;
  std::istringstream lines(all);
  for (std::string l; std::getline(lines, l);) {
    auto eq = l.find('=');
    if (eq == std::string::npos) continue;
    auto key = l.substr(0, eq), value = l.substr(eq + 1);
    if (key == "CUPS_SERVER") server = value;
    if (key == "HALLPASS_TEST_CUPS_PRINTER") printer = value;
    if (key == "HALLPASS_TEST_CUPS_OUTPUT") output = value;
  }
  if (server.empty() || printer.empty()) error = "scripts/test-cups.sh start failed:\n" + all;
}

private_cups::~private_cups() {
  shell::run("bash " + shell::quote(HALLPASS_TEST_CUPS_SCRIPT) + " stop " + shell::quote(dir_.string()) + " >/dev/null 2>&1");
}

std::string register_kiosk(hallpass::test::running_server& s, const kiosk_files& files, const std::string& id) {
  auto secret = s.app().tickets.register_kiosk(id, "测试自助终端");
  EXPECT_TRUE(secret.ok());
  auto path = (files.root / "credential.json").string();
  kiosk::write_file_durably(path, json::serialize(json::object{
                                      {"server", s.app().cfg.public_url}, {"client_id", id}, {"client_secret", *secret}}));
  return path;
}

void sign_in(hallpass::test::running_server& s, const running_kiosk& k, const std::string& account,
             const std::optional<std::string>& unit_uscc) {
  auto started = k.call("POST", "/api/login");
  ASSERT_EQ(started.status, 200) << started.body;
  auto user_code = std::string(started.json().at("login").at("user_code").as_string());
  auto phone = s.login(std::nullopt, account);
  auto scanned = s.call_as(phone, "POST", "/api/v1/login-tickets/scans",
                           json::serialize(json::object{{"user_code", user_code}}));
  ASSERT_EQ(scanned.status, 200) << scanned.body;
  EXPECT_EQ(scanned.json().at("portal").at("name").as_string(), "测试自助终端");
  json::object confirm;
  if (unit_uscc) confirm["unit_id"] = hallpass::test::sql_one(s.conninfo(), "SELECT id FROM units WHERE uscc = '" + *unit_uscc + "'");
  auto ticket = hallpass::test::str_at(scanned.json(), "ticket_id");
  auto confirmed = s.call_as(phone, "POST", "/api/v1/login-tickets/" + ticket + "/confirmation", json::serialize(confirm));
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  auto st = k.wait_state([](const json::object& st) { return st.contains("session") && st.at("session").is_object(); });
  ASSERT_TRUE(st.at("session").is_object()) << json::serialize(st);
}

}  // namespace hallpass::kiosk::test
