// hallpass-kiosk: the self-service terminal of the hall (PRODUCT.md §7). Serves its touch screen
// on 127.0.0.1 and works for the person signed in on it: their applications, pages captured with
// the document camera, printing, checking a printed paper; an outbox carries pages and print
// jobs over network outages and restarts.
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "hallpass/kiosk/config.hpp"
#include "hallpass/server/net/http_server.hpp"
#include "../src/kiosk_app.hpp"
#include "../src/local_api.hpp"
#include "../src/random.hpp"
#include "../src/service_notify.hpp"

#ifndef HALLPASS_KIOSK_WEB_DIR
#define HALLPASS_KIOSK_WEB_DIR "kiosk/web"
#endif

using namespace hallpass;

namespace {

const char* usage =
    "usage: hallpass-kiosk [--config FILE] [--option value ...]\n\n"
    "The hall's self-service kiosk. The operator registers it first:\n"
    "  hallpass-admin register-kiosk --kiosk-id ID --name NAME --credential FILE\n"
    "and hands FILE (mode 0600) to it with --credential. The touch screen is served at\n"
    "http://127.0.0.1:PORT/ for a browser in kiosk mode.\n\nOptions:\n";

}  // namespace

int main(int argc, char** argv) {
  auto loaded = kiosk::load_config(std::vector<std::string>(argv + 1, argv + argc));
  if (loaded.help) {
    std::cout << usage << kiosk::config_help();
    return 0;
  }
  if (!loaded.value) {
    std::cerr << "hallpass-kiosk: " << loaded.error << "\n" << usage << kiosk::config_help();
    return 2;
  }
  auto cfg = *loaded.value;
  if (cfg.web_dir.empty()) cfg.web_dir = HALLPASS_KIOSK_WEB_DIR;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // every thread started after this leaves them to sigwait

  try {
    std::filesystem::create_directories(cfg.data_dir);
    auto cred = kiosk::load_credential(cfg.credential_file);
    kiosk::kiosk_app app(cfg, cred);
    kiosk::local_api api(app, cfg.web_dir, kiosk::random_hex(32));
    server::net_options net;
    net.address = "127.0.0.1";  // the screen is on this machine; nothing else may reach the local API
    net.port = static_cast<unsigned short>(cfg.port);
    net.worker_threads = 4;
    net.max_connections = 64;
    server::http_server http(net, api);
    http.start();
    api.set_port(http.port());
    app.start();
    std::cout << "hallpass-kiosk: screen at http://127.0.0.1:" << http.port() << "/" << std::endl;
    kiosk::notify_service("READY=1");

    std::atomic<bool> done{false};
    std::thread watchdog;
    if (auto every = kiosk::watchdog_interval()) {
      watchdog = std::thread([&, every] {
        while (!done) {
          if (app.healthy()) kiosk::notify_service("WATCHDOG=1");
          for (auto slept = std::chrono::microseconds(0); !done && slept < *every; slept += std::chrono::milliseconds(100))
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
    }
    int sig = 0;
    sigwait(&signals, &sig);
    kiosk::notify_service("STOPPING=1");
    done = true;
    if (watchdog.joinable()) watchdog.join();
    http.stop();
    app.stop();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "hallpass-kiosk: " << e.what() << "\n";
    return 1;
  }
}
