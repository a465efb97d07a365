// HTTPS: the server serves TLS from a PEM certificate and key, and marks cookies for it;
// hallpass-phone signs in over it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hallpass/client/connection.hpp"
#include "support/test_env.hpp"

using namespace hallpass::test;
namespace client = hallpass::client;
namespace fs = std::filesystem;

namespace {

// A self-signed P-256 certificate for 127.0.0.1 (also as subjectAltName, which clients check),
// written as PEM files into dir.
void make_certificate(const fs::path& dir) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());
  FILE* c = std::fopen((dir / "cert.pem").c_str(), "w");
  PEM_write_X509(c, cert);
  std::fclose(c);
  FILE* k = std::fopen((dir / "key.pem").c_str(), "w");
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
}

client::response https_call(unsigned short port, const std::string& method, const std::string& target,
                             const std::string& body = "") {
  client::options opts;
  opts.tls.verify_peer = false;  // self-signed for the test
  return client::fetch("https://127.0.0.1:" + std::to_string(port),
                       {.method = method, .target = target, .headers = {{"Content-Type", "application/json"}}, .body = body},
                       opts);
}

}  // namespace

TEST(Tls, ServesHttpsAndMarksTheSessionCookieSecure) {
  auto dir = fs::temp_directory_path() / ("hp-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  make_certificate(dir);
  auto cfg = test_config();
  cfg.net.tls_cert_file = (dir / "cert.pem").string();
  cfg.net.tls_key_file = (dir / "key.pem").string();
  running_server s(cfg);

  auto health = https_call(s.port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("ok"), std::string::npos);

  auto login = https_call(s.port(), "POST", "/api/v1/sessions",
                          std::string(R"({"account":")") + demo::person_only + R"(","password":"Demo@2026","channel":"web"})");
  ASSERT_EQ(login.status, 201) << login.body;
  std::string cookie(login.header("set-cookie"));
  EXPECT_EQ(cookie.rfind("__Host-hp_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);

  // Plain HTTP on the TLS port gets no HTTP answer.
  auto plain = raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::milliseconds(1500));
  EXPECT_EQ(plain.find("HTTP/1.1 200"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Tls, PhoneSignsInOverHttpsWithTheCaFileAndRefusesAnUnknownCertificate) {
  auto dir = fs::temp_directory_path() / ("hp-tls-phone-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  make_certificate(dir);
  auto cfg = test_config();
  cfg.net.tls_cert_file = (dir / "cert.pem").string();
  cfg.net.tls_key_file = (dir / "key.pem").string();
  running_server s(cfg);
  auto state = dir / "phone.json";
  auto phone = [&](const std::string& options) {
    std::string cmd = std::string(HALLPASS_PHONE_BINARY) + " --state " + state.string() + " --server https://127.0.0.1:" +
                      std::to_string(s.port()) + " " + options + " login --account " + demo::mobile_agent_all +
                      " --password Demo@2026 > " + (dir / "out.txt").string() + " 2>&1";
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

  auto trusted = phone("--cacert " + (dir / "cert.pem").string());
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
