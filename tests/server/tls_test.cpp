// HTTPS: the server serves TLS from a PEM certificate and key, and marks cookies for it;
// hallpass-phone signs in over it.
#include <gtest/gtest.h>
#include <sys/wait.h>


#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hallpass/client/connection.hpp"
#include "self_signed_cert.hpp"
#include "support/test_env.hpp"

using namespace hallpass::test;
namespace client = hallpass::client;
namespace fs = std::filesystem;

namespace {

client::response https_call(unsigned short port, const std::string& method, const std::string& target,
                             const std::string& body = "") {
  client::options opts;
  opts.tls.verify_peer = false;  // self-signed for the test
  return client::fetch("https://127.0.0.1:" + std::to_string(port),
                       {.method = method, .target = target, .headers = {{"Content-Type", "application/json"}}, .body = body},
                       opts);
}

// A fresh folder holding a self-signed certificate and its key.
fs::path certificate_dir(const std::string& prefix) {
  auto dir = fs::temp_directory_path() / (prefix + std::to_string(::getpid()));
  fs::create_directories(dir);
  make_certificate(dir);
  return dir;
}

hallpass::server::config tls_config(const fs::path& dir) {
  auto cfg = test_config();
  cfg.net.tls_cert_file = (dir / "cert.pem").string();
  cfg.net.tls_key_file = (dir / "key.pem").string();
  return cfg;
}

// One handshake by the openssl command-line client with the given options; its exit status (0:
// a session was established) and output. The client's own floor is lowered (@SECLEVEL=0) so
// that a refusal is the server's.
std::pair<int, std::string> openssl_handshake(unsigned short port, const fs::path& dir, const std::string& options) {
  auto out = dir / "s_client.txt";
  std::string cmd = "openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " " + options + " < /dev/null > '" +
                    out.string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text.str()};
}

}  // namespace

TEST(Tls, OnlyTls12AndUpWithStrongCiphers) {
  auto dir = certificate_dir("hp-tls-versions-");
  running_server s(tls_config(dir));
  for (std::string accepted : {"-tls1_2", "-tls1_3"}) {
    auto r = openssl_handshake(s.port(), dir, accepted);
    EXPECT_EQ(r.first, 0) << accepted << "\n" << r.second;
    EXPECT_NE(r.second.find("Cipher is"), std::string::npos) << r.second;
  }
  for (std::string refused : {"-tls1 -cipher DEFAULT:@SECLEVEL=0", "-tls1_1 -cipher DEFAULT:@SECLEVEL=0",
                              "-tls1_2 -cipher 'RC4:3DES:NULL:EXPORT:aNULL:MD5:@SECLEVEL=0'",
                              // CBC with SHA-1 and SHA-384 MACs: accepted by OpenSSL's default list.
                              "-tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'",
                              "-tls1_2 -cipher 'ECDHE-ECDSA-AES256-SHA384:@SECLEVEL=0'"}) {
    auto r = openssl_handshake(s.port(), dir, refused);
    EXPECT_NE(r.first, 0) << refused << " was accepted:\n" << r.second;
  }
  // The server still answers afterwards.
  EXPECT_EQ(https_call(s.port(), "GET", "/healthz").status, 200);
  fs::remove_all(dir);
}

TEST(Tls, ServesHttpsAndMarksTheSessionCookieSecure) {
  auto dir = certificate_dir("hp-tls-");
  running_server s(tls_config(dir));

  auto health = https_call(s.port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(std::string(health.header("strict-transport-security")), "max-age=31536000");
  EXPECT_NE(health.body.find("ok"), std::string::npos);

  auto login = https_call(s.port(), "POST", "/api/v1/sessions",
                          std::string(R"({"account":")") + demo::person_only + R"(","password":"Demo@2026","channel":"web"})");
  ASSERT_EQ(login.status, 201) << login.body;
  std::string cookie(login.header("set-cookie"));
  EXPECT_EQ(login.body.find("\"token\""), std::string::npos) << "a browser's token stays in its cookie";
  EXPECT_EQ(cookie.rfind("__Host-hp_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);

  // Plain HTTP on the TLS port gets no HTTP answer.
  auto plain = raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::milliseconds(1500));
  EXPECT_EQ(plain.find("HTTP/1.1 200"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Tls, PhoneSignsInOverHttpsWithTheCaFileAndRefusesAnUnknownCertificate) {
  auto dir = certificate_dir("hp-tls-phone-");
  running_server s(tls_config(dir));
  auto state = dir / "phone.json";
  auto quoted = [](const std::string& path) { return "'" + path + "'"; };  // the clone's path may hold a space
  auto phone = [&](const std::string& options) {
    std::string cmd = quoted(HALLPASS_PHONE_BINARY) + " --state " + quoted(state.string()) +
                      " --server https://127.0.0.1:" + std::to_string(s.port()) + " " + options + " login --account " +
                      demo::mobile_agent_all + " --password Demo@2026 > " + quoted((dir / "out.txt").string()) + " 2>&1";
    int rc = std::system(cmd.c_str());
    std::ifstream in(dir / "out.txt");
    std::stringstream out;
    out << in.rdbuf();
    return std::make_pair(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out.str());
  };
  auto refused = phone("");  // the system's authorities do not know this certificate
  EXPECT_EQ(refused.first, 1) << refused.second;
  EXPECT_NE(refused.second.find("certificate verify failed"), std::string::npos) << refused.second;
  EXPECT_FALSE(fs::exists(state));

  auto trusted = phone("--cacert " + quoted((dir / "cert.pem").string()));
  EXPECT_EQ(trusted.first, 0) << trusted.second;
  EXPECT_NE(trusted.second.find("signed in"), std::string::npos) << trusted.second;
  std::ifstream saved(state);
  std::stringstream text;
  text << saved.rdbuf();
  EXPECT_NE(text.str().find("\"token\""), std::string::npos);

  auto insecure = phone("--insecure");
  EXPECT_EQ(insecure.first, 0) << insecure.second;
  fs::remove_all(dir);
}
