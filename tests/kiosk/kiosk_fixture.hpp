#pragma once
// A real kiosk for the tests: kiosk_app and its local API on a loopback port, signed in to a real
// in-process server (support/test_env.hpp) with a credential registered the operator's way, a
// camera that is an image sequence in a folder (a test lays a "paper" under it by writing the
// folder's frame), and a printer the test chooses.
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>
#include <memory>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "hallpass/kiosk/config.hpp"
#include "support/test_env.hpp"

namespace hallpass::kiosk {
class kiosk_app;
class local_api;
}  // namespace hallpass::kiosk
namespace hallpass::server {
class http_server;
}

namespace hallpass::kiosk::test {

// A folder of the kiosk's own: data, credential, camera frames; removed at the end.
struct kiosk_files {
  kiosk_files();
  ~kiosk_files();
  std::filesystem::path root, data, camera;
  // Puts a picture under the camera (it is the only frame of the sequence).
  void lay(const std::string& encoded_image) const;
};

class running_kiosk {
 public:
  // `server_url`: the server, or a proxy in front of it.
  running_kiosk(const kiosk_files& files, const std::string& credential_file, const std::string& server_url,
                const std::string& printer, kiosk::config overrides = {});
  ~running_kiosk();
  unsigned short port() const;
  kiosk::kiosk_app& app();
  // A call of the kiosk's own screen: this boot's token, its host.
  hallpass::test::http_reply call(const std::string& method, const std::string& path, const std::string& body = "") const;
  boost::json::object state() const;
  // Waits until the state satisfies `ok` (up to `seconds`); the last state seen.
  template <class F>
  boost::json::object wait_state(F ok, int seconds = 20) const;

 private:
  std::string token_;
  std::unique_ptr<kiosk::kiosk_app> app_;
  std::unique_ptr<kiosk::local_api> api_;
  std::unique_ptr<server::http_server> http_;
};

template <class F>
boost::json::object running_kiosk::wait_state(F ok, int seconds) const {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  auto s = state();
  while (!ok(s) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s = state();
  }
  return s;
}

// Waits until `ok` holds (up to `seconds`); whether it did.
bool wait_for(const std::function<bool()>& ok, int seconds = 30);

// A private CUPS scheduler with a PDF printer (scripts/test-cups.sh), stopped at the end.
struct private_cups {
  explicit private_cups(const std::filesystem::path& dir);
  ~private_cups();
  std::string server, printer, output;  // CUPS_SERVER, the queue, the folder the PDFs appear in
  std::string error;                    // why it did not start ("" when it did)

 private:
  std::filesystem::path dir_;
};

// Registers a kiosk on the server and writes its credential (0600) into the files; returns the path.
std::string register_kiosk(hallpass::test::running_server& s, const kiosk_files& files, const std::string& id = "test-kiosk");

// Signs a person in on the kiosk as the phone would: scan of the user code, confirmation (for a
// unit when given); fails the test unless the kiosk shows the session within seconds.
void sign_in(hallpass::test::running_server& s, const running_kiosk& k, const std::string& account,
             const std::optional<std::string>& unit_uscc);

}  // namespace hallpass::kiosk::test
