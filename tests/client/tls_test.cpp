// hallpass_client over TLS: a trusted CA file, refusal of an untrusted certificate, and the
// opt-out for self-signed test certificates.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "hallpass/client/connection.hpp"
#include "hallpass/client/event_stream.hpp"
#include "local_server.hpp"

using namespace hallpass::client;
using hallpass::client::testing::local_server;
using hallpass::test::make_certificate;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

class Https : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hp-client-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "other");
    make_certificate(dir_);
    make_certificate(dir_ / "other");
    server_ = std::make_unique<local_server>((dir_ / "cert.pem").string(), (dir_ / "key.pem").string());
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  std::string url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(server_->port());
  }
  fs::path dir_;
  std::unique_ptr<local_server> server_;
};

void expect_tls_refusal(const std::string& url, const options& opts) {
  try {
    fetch(url, {.target = "/hello"}, opts);
    ADD_FAILURE() << "the certificate was accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::tls) << e.what();
  }
}

}  // namespace

TEST_F(Https, TrustsTheCertificateOfAGivenCaFileAndKeepsTheConnection) {
  options opts;
  opts.tls.ca_file = (dir_ / "cert.pem").string();
  for (auto host : {"127.0.0.1", "localhost"}) {
    connection c(url(host), opts);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(c.get("/hello").body, "hello");
    EXPECT_EQ(c.connects(), 1u);
  }
  EXPECT_EQ(server_->connections(), 2);
}

TEST_F(Https, RefusesAnUntrustedCertificate) {
  expect_tls_refusal(url(), {});  // the system's store does not know it
  options other;
  other.tls.ca_file = (dir_ / "other" / "cert.pem").string();
  expect_tls_refusal(url(), other);
}

TEST_F(Https, AcceptsAnyCertificateWhenVerificationIsOff) {
  options opts;
  opts.tls.verify_peer = false;
  EXPECT_EQ(fetch(url(), {.target = "/hello"}, opts).body, "hello");
}

TEST_F(Https, ReconnectsAndStreamsEventsOverTls) {
  options opts;
  opts.tls.ca_file = (dir_ / "cert.pem").string();
  connection c(url(), opts);
  EXPECT_EQ(c.get("/drop").body, "bye");
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(c.get("/hello").body, "hello");
  EXPECT_EQ(c.connects(), 2u);
  event_stream events(parse_base_url(url()), {.target = "/events"}, opts);
  int n = 0;
  while (events.next(3s)) ++n;
  EXPECT_EQ(n, 3);
  EXPECT_EQ(events.ended(), stream_end::complete);
}

TEST(HttpsConfig, AMissingCaFileIsATlsError) {
  options opts;
  opts.tls.ca_file = "/nonexistent/ca.pem";
  try {
    connection c("https://127.0.0.1:1", opts);
    ADD_FAILURE();
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::tls);
  }
}
