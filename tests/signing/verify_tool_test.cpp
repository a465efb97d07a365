// hallpass-verify as a program: a URL, a photo, a PDF, a trust list file, the online question.
#include "fixtures.hpp"

#include "hallpass/qr/encode.hpp"
#include "hallpass/qr/render.hpp"
#include "../support/shell.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <hpdf.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace hallpass::signing;
using namespace hallpass::signing::test;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace qr = hallpass::qr;

namespace {

namespace shell = hallpass::shell;
using shell::quote;

// Runs the program with `args` (already quoted) and `env` in front; stdout captured.
shell::result run(const std::string& args, const std::string& env = "") {
  return shell::run(env + " " + quote(HALLPASS_VERIFY_PROGRAM) + " " + args + " 2>/dev/null");
}

void write(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class VerifyTool : public ::testing::Test {
protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "hallpass-verify-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir = templ;
    trust = dir / "trust-list.json";
    write(trust, trust_list_json(hall_list(), 7, key(0).private_pem));
    // Documents issued an hour ago, valid for a year: genuine whenever the test runs.
    claims = receipt();
    claims.issued_at = std::time(nullptr) - 3600;
    url = document_url(hall, sign_payload(claims, key(0).private_pem));
  }
  void TearDown() override { fs::remove_all(dir); }

  std::vector<std::uint8_t> png_of(const std::string& text) {
    auto symbol = qr::encode(text, qr::ec_level::medium);
    EXPECT_TRUE(symbol);
    auto png = qr::render_png(*symbol, {.module_px = 6});
    EXPECT_TRUE(png);
    return *png;
  }

  fs::path dir, trust;
  document_claims claims;
  std::string url;
};

}  // namespace

TEST_F(VerifyTool, GenuineUrl) {
  const auto r = run("--trust-list " + quote(trust.string()) + " " + quote(url));
  EXPECT_EQ(r.status, 0) << r.out;
  const auto v = json::parse(r.out);
  EXPECT_EQ(v.at("verdict").as_string(), "genuine");
  const auto& s = v.at("signed");
  EXPECT_EQ(s.at("type").as_string(), "receipt");
  EXPECT_EQ(s.at("serial").as_string(), "3a915c07e24418bd");
  EXPECT_EQ(s.at("office").as_string(), "HC-RSJ");
  EXPECT_EQ(s.at("reference").as_string(), "HC20261201000123");
  EXPECT_EQ(s.at("holder").as_string(), "常州示范****有限公司");
  EXPECT_EQ(s.at("key_id").to_number<int>(), 7);
  EXPECT_EQ(s.at("document_hash").as_string().size(), 32u);
  EXPECT_EQ(s.at("issued_at").as_string().size(), 20u);
  EXPECT_EQ(s.at("issued_at").as_string().back(), 'Z');
  EXPECT_FALSE(v.as_object().contains("online"));
}

TEST_F(VerifyTool, FixedTimesAreRfc3339) {
  const auto fixed = document_url(hall, sign_payload(receipt(), key(0).private_pem));
  const auto r = run("--trust-list " + quote(trust.string()) + " " + quote(fixed));
  const auto v = json::parse(r.out);
  EXPECT_EQ(v.at("signed").at("issued_at").as_string(), "2026-12-01T00:00:00Z");
  EXPECT_EQ(v.at("signed").at("expires_at").as_string(), "2027-12-01T00:00:00Z");
}

TEST_F(VerifyTool, OtherVerdictsExitWithOne) {
  auto bad = url;
  bad[bad.size() - 5] = bad[bad.size() - 5] == '0' ? '1' : '0';
  auto r = run("--trust-list " + quote(trust.string()) + " " + quote(bad));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(json::parse(r.out).at("verdict").as_string(), "genuine");
  r = run("--trust-list " + quote(trust.string()) + " " + quote("https://example.com/"));
  EXPECT_EQ(r.status, 1);
  const auto v = json::parse(r.out);
  EXPECT_EQ(v.at("verdict").as_string(), "not_hallpass");
  EXPECT_TRUE(v.at("signed").is_null());
}

TEST_F(VerifyTool, PhotoAndPdf) {
  const auto png = png_of(url);
  write(dir / "code.png", std::string(png.begin(), png.end()));
  auto r = run("--trust-list " + quote(trust.string()) + " " + quote((dir / "code.png").string()));
  EXPECT_EQ(r.status, 0) << r.out;

  HPDF_Doc pdf = HPDF_New(nullptr, nullptr);
  ASSERT_NE(pdf, nullptr);
  HPDF_Page page = HPDF_AddPage(pdf);
  HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
  HPDF_Image image = HPDF_LoadPngImageFromMem(pdf, png.data(), static_cast<HPDF_UINT>(png.size()));
  ASSERT_NE(image, nullptr);
  HPDF_Page_DrawImage(page, image, 40, HPDF_Page_GetHeight(page) - 200, 160, 160);
  const auto pdf_path = (dir / "receipt.pdf").string();
  ASSERT_EQ(HPDF_SaveToFile(pdf, pdf_path.c_str()), HPDF_OK);
  HPDF_Free(pdf);
  // The photo's code is genuine, and its fields are not read (null). The PDF is a page with the
  // code and nothing printed beside it: none of the signed fields is on it, so it is altered.
  EXPECT_TRUE(json::parse(run("--trust-list " + quote(trust.string()) + " " + quote((dir / "code.png").string())).out)
                  .at("differing_fields")
                  .is_null());
  r = run("--trust-list " + quote(trust.string()) + " " + quote(pdf_path));
  EXPECT_EQ(r.status, 1) << r.out;
  const auto v = json::parse(r.out);
  EXPECT_EQ(v.at("verdict").as_string(), "altered");
  ASSERT_EQ(v.at("differing_fields").as_array().size(), 4u) << r.out;
  EXPECT_EQ(v.at("differing_fields").at(2).at("field").as_string(), "申请人");
  EXPECT_EQ(v.at("differing_fields").at(2).at("printed").as_string(), "");
}

TEST_F(VerifyTool, DefaultTrustListUnderHome) {
  fs::create_directories(dir / ".cache/hallpass");
  fs::copy_file(trust, dir / ".cache/hallpass/trust-list.json");
  EXPECT_EQ(run(quote(url), "HOME=" + quote(dir.string())).status, 0);
  EXPECT_EQ(run(quote(url), "HOME=" + quote((dir / "nowhere").string())).status, 2);
}

TEST_F(VerifyTool, UsageAndInputErrorsExitWithTwo) {
  const auto help = run("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("Usage: hallpass-verify"), std::string::npos);
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("--bogus " + quote(url)).status, 2);
  EXPECT_EQ(run("--trust-list").status, 2);
  EXPECT_EQ(run("--trust-list " + quote(trust.string()) + " " + quote(url) + " " + quote(url)).status, 2);
  EXPECT_EQ(run("--trust-list " + quote((dir / "missing.json").string()) + " " + quote(url)).status, 2);
  write(dir / "not-a-list.json", "{}");
  EXPECT_EQ(run("--trust-list " + quote((dir / "not-a-list.json").string()) + " " + quote(url)).status, 2);
  EXPECT_EQ(run("--trust-list " + quote(trust.string()) + " " + quote((dir / "missing.png").string())).status, 2);
  write(dir / "junk.png", "not an image");
  EXPECT_EQ(run("--trust-list " + quote(trust.string()) + " " + quote((dir / "junk.png").string())).status, 2);
  EXPECT_EQ(run("--trust-list " + quote(trust.string()) + " --online ftp://x " + quote(url)).status, 2);
}

TEST_F(VerifyTool, OnlineRevocation) {
  // A one-request HTTP server on 127.0.0.1 answering as the hall would.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string base = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  std::string request;
  std::thread server([&] {
    const int c = accept(listener, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const auto n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    const std::string body = R"({"verdict":"revoked","record":{"revoked_at":"2026-12-02T00:00:00Z"}})";
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)!write(c, answer.data(), answer.size());
    close(c);
  });
  const auto r = run("--trust-list " + quote(trust.string()) + " --online " + quote(base + "/") + " " + quote(url));
  server.join();
  close(listener);
  EXPECT_EQ(r.status, 1) << r.out;
  const auto v = json::parse(r.out);
  EXPECT_EQ(v.at("verdict").as_string(), "revoked");
  EXPECT_EQ(v.at("online").at("record").at("revoked_at").as_string(), "2026-12-02T00:00:00Z");
  const auto payload = payload_of_url(url, hall);
  EXPECT_EQ(request.rfind("GET /api/v1/document-checks/" + base41_encode(*payload) + " HTTP/1.1\r\n", 0), 0u) << request;
}

TEST_F(VerifyTool, OnlineUnreachableKeepsTheOfflineVerdict) {
  const auto r = run("--trust-list " + quote(trust.string()) + " --online http://127.0.0.1:1 " + quote(url));
  EXPECT_EQ(r.status, 0) << r.out;
  const auto v = json::parse(r.out);
  EXPECT_EQ(v.at("verdict").as_string(), "genuine");
  EXPECT_TRUE(v.at("online").as_object().contains("error"));
}
