// hallpass-local-verifier: a LOCAL STAND-IN for the hall's real-name service, for tests and
// demos only (no face recognition: pressing 通过 on a check's page passes it). HallPass is
// pointed at it with --real-name-url and --real-name-public-key.
#include <sys/prctl.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "hallpass/server/identity/signatures.hpp"
#include "hallpass/server/local_verifier.hpp"

namespace {

const char* usage =
    "usage: hallpass-local-verifier [--host H] [--port P] [--public-url URL] --key FILE [--public-key-out FILE]\n"
    "                               [--url-file FILE] [--stop-with-parent]\n"
    "A local stand-in for the real-name service (实名核验), for tests and demos only: it does no face\n"
    "recognition. --key: Ed25519 private key (PEM), created with mode 0600 when missing.\n"
    "--public-key-out: where to write the public key for hallpass-server --real-name-public-key.\n"
    "--public-url: base of the check pages' URLs as a phone reaches them (default http://host:port).\n"
    "--port 0 takes a free port; --url-file: where to write the base URL once listening.\n"
    "--stop-with-parent: end when the process that started it ends (scripts/run.sh).\n";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  hallpass::server::local_verifier_settings s;
  s.port = 8090;
  std::string key_file, public_out, url_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << usage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    } else if (a == "--host") {
      s.host = value();
    } else if (a == "--port") {
      s.port = static_cast<unsigned short>(std::stoi(value()));
    } else if (a == "--public-url") {
      s.public_url = value();
    } else if (a == "--key") {
      key_file = value();
    } else if (a == "--public-key-out") {
      public_out = value();
    } else if (a == "--url-file") {
      url_file = value();
    } else if (a == "--stop-with-parent") {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    } else {
      std::cerr << "unknown option " << a << "\n" << usage;
      return 2;
    }
  }
  if (key_file.empty()) {
    std::cerr << usage;
    return 2;
  }
  try {
    s.private_pem = read_file(key_file);
    if (s.private_pem.empty()) {
      s.private_pem = hallpass::server::identity::generate_ed25519_key().private_pem;
      auto old = ::umask(077);
      std::ofstream(key_file) << s.private_pem;
      ::umask(old);
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // the server's threads inherit the mask
    hallpass::server::local_verifier verifier(s);
    if (!public_out.empty()) std::ofstream(public_out) << verifier.public_pem();
    if (!url_file.empty()) std::ofstream(url_file) << verifier.base_url();
    std::cout << "hallpass-local-verifier (LOCAL STAND-IN, tests and demos only) listening on " << verifier.base_url()
              << std::endl;
    int sig = 0;
    sigwait(&stop_signals, &sig);
  } catch (const std::exception& e) {
    std::cerr << "hallpass-local-verifier: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
