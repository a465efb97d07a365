// hallpass-server: the HallPass HTTP server.
#include <csignal>
#include <iostream>
#include <thread>

#include "hallpass/server/api/router.hpp"
#include "hallpass/server/app/bootstrap.hpp"
#include "hallpass/server/log.hpp"

using namespace hallpass::server;

int main(int argc, char** argv) {
  config cfg;
  auto loaded = load_config(cfg, argc, argv);
  if (loaded.show_help) {
    std::cout << loaded.help;
    return 0;
  }
  if (!loaded.errors.empty()) {
    for (auto& e : loaded.errors) std::cerr << "hallpass-server: " << e << "\n";
    std::cerr << "Try --help.\n";
    return 2;
  }

  // Signals are taken synchronously by this thread; the server threads never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    auto database = open_database(cfg);
    run_migrations(database.conninfo, cfg.schema_dir);
    auto parts = std::make_unique<assembly>(cfg, database.conninfo);
    if (cfg.demo) parts->load_demo_data(std::cout);
    api::router r(parts->api, api::all_routes(parts->api.settings));
    http_server server(cfg.net, r);
    parts->api.connections = [&server] { return server.connections(); };
    server.start();
    log_line("info", "listening", {{"port", std::to_string(server.port())},
                                   {"url", json_str(cfg.public_url)},
                                   {"embedded_postgres", database.embedded ? "true" : "false"},
                                   {"calendar", json_str(parts->calendar.name())},
                                   {"calendar_covers_to", json_str(services::format_iso_date(parts->calendar.covers_to()))},
                                   {"document_font", json_str(parts->documents.font().value_or(""))}});
    if (!parts->documents.font())
      log_line("warn", "no_document_font", {{"hint", json_str("install fonts-wqy-zenhei or pass --document-font; "
                                                              "receipts and decisions answer 503 until then")}});
    std::cout << "HallPass is running at " << cfg.public_url << "/  (Ctrl-C stops it)" << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    log_line("info", "stopping", {{"signal", std::to_string(sig)}});
    parts->api.shutting_down = true;  // /readyz says 503 from now on; requests are still served
    if (cfg.shutdown_delay > 0) std::this_thread::sleep_for(std::chrono::seconds(cfg.shutdown_delay));
    server.stop();
    parts.reset();
    if (database.embedded) database.embedded->stop();
    log_line("info", "stopped");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "hallpass-server: " << e.what() << "\n";
    return 1;
  }
}
