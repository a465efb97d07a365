// CUPS printing against a real scheduler: a private cupsd with a PDF printer, started once per
// test program by scripts/test-cups.sh. A one-page A4 receipt with a signed QR code is printed,
// the PDF that comes out is rendered and its code read back (ZXing-cpp and zbarimg) and checked
// offline as genuine; then an unknown printer, a printer refusing jobs, a paused printer, held
// and canceled jobs, the kiosk wiping its jobs, and a server that does not answer.
#include "signed_code.hpp"
#include "hallpass/kiosk/cups_printer.hpp"
#include "hallpass/qr/decode.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/signing/document_code.hpp"
#include "../support/shell.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <hpdf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace {

namespace kiosk = hallpass::kiosk;
namespace qr = hallpass::qr;
namespace sg = hallpass::signing;
namespace fs = std::filesystem;
using kiosk::cups_code;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::string_view hall = "https://hall.example.gov.cn";
constexpr auto print_timeout = 60s;  // a cold Ghostscript may take a few seconds per conversion
constexpr auto io_timeout = 5s;

namespace shell = hallpass::shell;
using shell::quote;

// stdout, and stderr unless left out.
shell::result run(const std::string& command, bool with_stderr = true) {
  return shell::run(command + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

long long ms_since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
}

// The private scheduler: started on first use, stopped when the program ends.
class cups_daemon {
public:
  static cups_daemon& get() {
    static cups_daemon daemon;
    return daemon;
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::string value(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? std::string() : it->second;
  }
  std::string server() const { return value("CUPS_SERVER"); }
  std::string socket() const { return value("HALLPASS_TEST_CUPS_SOCKET"); }
  std::string printer() const { return value("HALLPASS_TEST_CUPS_PRINTER"); }
  fs::path output() const { return value("HALLPASS_TEST_CUPS_OUTPUT"); }

  void stop() {
    if (dir_.empty()) return;
    const auto r = run(quote(HALLPASS_TEST_CUPS_SCRIPT) + " stop " + quote(dir_.string()));
    if (r.status != 0) std::fprintf(stderr, "test-cups.sh stop: %s\n", r.out.c_str());
    dir_.clear();
  }

private:
  cups_daemon() {
    std::string templ = (fs::temp_directory_path() / "hallpass-cups-test-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = templ;
    const auto r = run(quote(HALLPASS_TEST_CUPS_SCRIPT) + " start " + quote(dir_.string()));
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      const auto eq = line.find('=');
      if (eq != std::string::npos && line.find_first_of(" :") > eq) values_[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (r.status != 0 || server().empty() || printer().empty()) {
      error_ = "scripts/test-cups.sh start failed (exit " + std::to_string(r.status) + "):\n" + r.out;
    }
  }

  fs::path dir_;
  std::map<std::string, std::string> values_;
  std::string error_;
};

// Stops the scheduler after the last test, if a test started it.
class stop_daemon_at_end : public ::testing::Environment {
public:
  void TearDown() override { cups_daemon::get().stop(); }
};
[[maybe_unused]] ::testing::Environment* const stop_at_end = ::testing::AddGlobalTestEnvironment(new stop_daemon_at_end);

// A receipt signed by key 7 of the hall, issued an hour ago, and the hall's trust list.
using kiosk::test::signed_code;
const signed_code& receipt_code() {
  static const signed_code code = kiosk::test::make_signed_code(hall, std::time(nullptr) - 3600, "HC20261201000456", "王*", {0x51, 0x0c, 0x9e, 0x27, 0x83, 0x4a, 0xd6, 0x10});
  return code;
}

// One A4 page: the QR code of `text` drawn module by module as filled squares in the top-left
// corner (as the hall's documents place it), with a line of text beside it.
std::vector<std::uint8_t> receipt_pdf(const std::string& text) {
  const auto symbol = qr::encode(text, qr::ec_level::medium);
  if (!symbol) return {};
  HPDF_Doc pdf = HPDF_New(nullptr, nullptr);
  if (pdf == nullptr) return {};
  HPDF_Page page = HPDF_AddPage(pdf);
  HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
  const float module = 3.0F;  // points: 8.3 pixels at 200 dpi
  const float left = 50.0F;
  const float top = HPDF_Page_GetHeight(page) - 50.0F;
  HPDF_Page_SetGrayFill(page, 0);
  for (int y = 0; y < symbol->size(); ++y) {
    for (int x = 0; x < symbol->size(); ++x) {
      if (symbol->dark(x, y)) HPDF_Page_Rectangle(page, left + x * module, top - (y + 1) * module, module, module);
    }
  }
  HPDF_Page_Fill(page);
  HPDF_Page_BeginText(page);
  HPDF_Page_SetFontAndSize(page, HPDF_GetFont(pdf, "Helvetica", nullptr), 12);
  HPDF_Page_TextOut(page, left + symbol->size() * module + 20, top - 20, "HallPass receipt HC20261201000456");
  HPDF_Page_EndText(page);
  std::vector<std::uint8_t> bytes;
  if (HPDF_SaveToStream(pdf) == HPDF_OK) {
    HPDF_ResetStream(pdf);
    bytes.resize(HPDF_GetStreamSize(pdf));
    HPDF_UINT32 size = static_cast<HPDF_UINT32>(bytes.size());
    const HPDF_STATUS read = HPDF_ReadFromStream(pdf, bytes.data(), &size);
    if ((read != HPDF_OK && read != HPDF_STREAM_EOF) || size != bytes.size()) bytes.clear();
  }
  HPDF_Free(pdf);
  return bytes;
}

std::set<fs::path> pdfs_in(const fs::path& dir) {
  std::set<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".pdf") out.insert(entry.path());
  }
  return out;
}

std::vector<std::uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A TCP port on 127.0.0.1 where nothing listens: bound once by us, then closed.
int closed_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  close(s);
  return ntohs(addr.sin_port);
}

// Runs `f` when it goes out of scope, also after a failed assertion.
struct at_exit {
  std::function<void()> f;
  ~at_exit() { f(); }
};

class CupsPrinting : public ::testing::Test {
protected:
  void SetUp() override {
    // Missing packages or a scheduler that will not start are failures, with the script's words.
    ASSERT_TRUE(cups_daemon::get().ok()) << cups_daemon::get().error();
    pdf = receipt_pdf(receipt_code().url);
    ASSERT_FALSE(pdf.empty());
  }

  const cups_daemon& daemon() const { return cups_daemon::get(); }
  kiosk::cups_printer printer() const { return kiosk::cups_printer(daemon().printer(), daemon().server(), io_timeout); }

  // Runs a CUPS command-line tool on the private scheduler (through its socket). cupsdisable and
  // its kin live in sbin, which a normal user's PATH may lack.
  void admin(const std::string& tool, const std::string& args) {
    const auto r = run("PATH=\"$PATH:/usr/sbin:/sbin\" " + tool + " -h " + quote(daemon().socket()) + " " + args);
    ASSERT_EQ(r.status, 0) << tool << ": " << r.out;
  }

  std::vector<std::uint8_t> pdf;
};

TEST_F(CupsPrinting, SignedReceiptComesOutReadableAndGenuine) {
  auto p = printer();
  const auto before = pdfs_in(daemon().output());

  const auto start = steady::now();
  const auto sent = p.submit(pdf, "受理回执 HC20261201000456");
  const auto accepted_ms = ms_since(start);
  ASSERT_EQ(sent.code, cups_code::accepted) << sent.screen_text() << " | " << sent.detail;
  EXPECT_TRUE(sent.ok);
  EXPECT_GT(sent.job_id, 0);
  const auto done = p.wait(sent.job_id, print_timeout);
  const auto completed_ms = ms_since(start);
  std::printf("[ timing ] %zu-byte PDF: submit -> accepted %lld ms, -> completed %lld ms\n", pdf.size(), accepted_ms,
              completed_ms);
  ASSERT_EQ(done.code, cups_code::completed) << done.screen_text() << " | " << done.detail;
  EXPECT_TRUE(done.ok);
  EXPECT_EQ(done.job_state, "completed");
  EXPECT_EQ(done.message_zh, "打印完成，请取走回执");

  // The backend wrote one new PDF: one A4 page.
  std::vector<fs::path> fresh;
  for (const auto& f : pdfs_in(daemon().output())) {
    if (!before.contains(f)) fresh.push_back(f);
  }
  ASSERT_EQ(fresh.size(), 1u) << "in " << daemon().output();
  const auto info = run("pdfinfo " + quote(fresh[0].string()));
  ASSERT_EQ(info.status, 0) << info.out;
  EXPECT_NE(info.out.find("Pages:           1\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("(A4)"), std::string::npos) << info.out;

  // Rendered as a scanner would see it, the code reads back to the exact text, by both readers.
  const fs::path png_prefix = fresh[0].parent_path() / "rendered";
  const auto render = run("pdftoppm -r 200 -png -singlefile " + quote(fresh[0].string()) + " " + quote(png_prefix.string()));
  ASSERT_EQ(render.status, 0) << render.out;
  const fs::path png = png_prefix.string() + ".png";
  const auto image = read_file(png);
  ASSERT_FALSE(image.empty());

  const auto& code = receipt_code();
  const auto decoded = qr::decode_image_bytes(image);
  ASSERT_TRUE(decoded) << decoded.error().detail;
  EXPECT_EQ(decoded->text, code.url);
  // (zbarimg talks about D-Bus on stderr where there is none.)
  const auto zbar = run("zbarimg --raw -q " + quote(png.string()), false);
  ASSERT_EQ(zbar.status, 0) << zbar.out;
  std::string zbar_text = zbar.out;
  while (!zbar_text.empty() && (zbar_text.back() == '\n' || zbar_text.back() == '\r')) zbar_text.pop_back();
  EXPECT_EQ(zbar_text, code.url);

  const std::int64_t now = std::time(nullptr);
  EXPECT_EQ(sg::check_offline(decoded->text, code.keys, now).outcome, sg::verdict::genuine);
  EXPECT_EQ(sg::check_offline(zbar_text, code.keys, now).outcome, sg::verdict::genuine);
}

TEST_F(CupsPrinting, SecondReceiptOverTheSchedulersSocket) {
  // The same printer reached through the scheduler's own socket instead of TCP.
  kiosk::cups_printer p(daemon().printer(), daemon().socket(), io_timeout);
  const auto start = steady::now();
  const auto sent = p.submit(pdf, "receipt over the socket");
  const auto accepted_ms = ms_since(start);
  ASSERT_EQ(sent.code, cups_code::accepted) << sent.detail;
  // Looked at once, at once: Ghostscript has not finished with it yet.
  const auto early = p.wait(sent.job_id, 0ms);
  EXPECT_EQ(early.code, cups_code::timeout) << early.job_state;
  EXPECT_TRUE(early.job_state == "pending" || early.job_state == "processing") << early.job_state;
  const auto done = p.wait(sent.job_id, print_timeout);
  std::printf("[ timing ] over the socket: submit -> accepted %lld ms, -> completed %lld ms\n", accepted_ms,
              ms_since(start));
  EXPECT_EQ(done.code, cups_code::completed) << done.detail;
}

TEST_F(CupsPrinting, UnknownPrinterIsNotFound) {
  kiosk::cups_printer p("NoSuchPrinter", daemon().server(), io_timeout);
  const auto start = steady::now();
  const auto sent = p.submit(pdf, "nowhere");
  EXPECT_LT(ms_since(start), std::chrono::milliseconds(io_timeout).count());
  EXPECT_EQ(sent.code, cups_code::printer_not_found) << sent.detail;
  EXPECT_FALSE(sent.ok);
  EXPECT_EQ(sent.job_id, 0);
  EXPECT_EQ(kiosk::cups_code_name(sent.code), "printer_not_found");
  EXPECT_EQ(sent.screen_text(), "打印机未找到，请联系工作人员 / Printer not found; please ask the staff.");
}

TEST_F(CupsPrinting, RejectingPrinterRefusesAtOnce) {
  admin("cupsreject", quote(daemon().printer()));
  const at_exit accept([this] { admin("cupsaccept", quote(daemon().printer())); });
  auto p = printer();
  const auto sent = p.submit(pdf, "refused");
  EXPECT_EQ(sent.code, cups_code::printer_not_accepting) << sent.detail;
  EXPECT_EQ(sent.job_id, 0);
  EXPECT_EQ(sent.message_zh, "打印机暂不接受打印任务，请联系工作人员");
}

TEST_F(CupsPrinting, PausedPrinterKeepsTheJobAndSaysSo) {
  admin("cupsdisable", "-r " + quote("out of paper (test)") + " " + quote(daemon().printer()));
  const at_exit resume([this] { admin("cupsenable", quote(daemon().printer())); });
  auto p = printer();
  const auto before = pdfs_in(daemon().output());

  const auto sent = p.submit(pdf, "paused printer");
  ASSERT_EQ(sent.code, cups_code::accepted) << sent.detail;  // a paused printer still takes jobs
  const auto start = steady::now();
  const auto waited = p.wait(sent.job_id, 10s);
  EXPECT_LT(ms_since(start), 10'000);  // said at once, not at the end of the wait
  EXPECT_EQ(waited.code, cups_code::printer_stopped) << waited.detail;
  EXPECT_FALSE(waited.ok);
  EXPECT_EQ(waited.job_state, "pending");
  EXPECT_TRUE(contains(waited.printer_state_reasons, "paused"));
  EXPECT_EQ(waited.detail, "out of paper (test)");
  EXPECT_EQ(waited.message_en, "The printer is paused; please ask the staff.");

  // A second later it still has not printed.
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(p.wait(sent.job_id, 0s).code, cups_code::printer_stopped);
  const auto canceled = p.cancel(sent.job_id);
  EXPECT_EQ(canceled.code, cups_code::canceled) << canceled.detail;
  EXPECT_EQ(p.wait(sent.job_id, 5s).code, cups_code::canceled);
  EXPECT_EQ(pdfs_in(daemon().output()), before);
}

TEST_F(CupsPrinting, HeldJobCanceledStaysCanceled) {
  auto p = printer();
  const auto before = pdfs_in(daemon().output());
  const auto sent = p.submit(pdf, "held receipt", {.hold = true});
  ASSERT_EQ(sent.code, cups_code::accepted) << sent.detail;

  const auto held = p.wait(sent.job_id, 10s);
  EXPECT_EQ(held.code, cups_code::held) << held.detail;
  EXPECT_EQ(held.job_state, "pending-held");
  EXPECT_TRUE(contains(held.job_state_reasons, "job-hold-until-specified"));

  const auto canceled = p.cancel(sent.job_id);
  EXPECT_TRUE(canceled.ok);
  EXPECT_EQ(canceled.code, cups_code::canceled) << canceled.detail;
  const auto after = p.wait(sent.job_id, 5s);
  EXPECT_EQ(after.code, cups_code::canceled);
  EXPECT_EQ(after.job_state, "canceled");
  // Canceling it again: it has ended.
  EXPECT_EQ(p.cancel(sent.job_id).code, cups_code::job_finished);
  EXPECT_EQ(p.cancel(999999).code, cups_code::job_not_found);
  EXPECT_EQ(pdfs_in(daemon().output()), before);
}

TEST_F(CupsPrinting, KioskWipesItsPendingJobs) {
  auto p = printer();
  const auto first = p.submit(pdf, "left behind 1", {.hold = true});
  const auto second = p.submit(pdf, "left behind 2", {.hold = true});
  ASSERT_EQ(first.code, cups_code::accepted) << first.detail;
  ASSERT_EQ(second.code, cups_code::accepted) << second.detail;

  const auto wiped = p.cancel_all_mine();
  EXPECT_TRUE(wiped.ok) << wiped.detail;
  EXPECT_EQ(wiped.code, cups_code::canceled);
  auto ids = wiped.canceled_jobs;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int>{first.job_id, second.job_id}));
  EXPECT_EQ(p.wait(first.job_id, 5s).code, cups_code::canceled);
  EXPECT_EQ(p.wait(second.job_id, 5s).code, cups_code::canceled);

  const auto again = p.cancel_all_mine();
  EXPECT_TRUE(again.ok);
  EXPECT_TRUE(again.canceled_jobs.empty());
}

TEST_F(CupsPrinting, UnreachableServerFailsPromptly) {
  const std::string nowhere = "127.0.0.1:" + std::to_string(closed_port());
  kiosk::cups_printer lost(daemon().printer(), nowhere, io_timeout);
  auto reachable = printer();  // another server in the same process, unaffected

  auto start = steady::now();
  const auto sent = lost.submit(pdf, "nowhere");
  EXPECT_LT(ms_since(start), std::chrono::milliseconds(io_timeout).count());
  EXPECT_EQ(sent.code, cups_code::server_unreachable) << sent.detail;
  EXPECT_EQ(sent.message_zh, "无法连接打印服务，请联系工作人员");
  EXPECT_NE(sent.detail.find(nowhere), std::string::npos) << sent.detail;

  const auto held = reachable.submit(pdf, "still reachable", {.hold = true});
  ASSERT_EQ(held.code, cups_code::accepted) << held.detail;

  start = steady::now();
  EXPECT_EQ(lost.wait(held.job_id, 10s).code, cups_code::server_unreachable);
  EXPECT_EQ(lost.cancel(held.job_id).code, cups_code::server_unreachable);
  EXPECT_EQ(lost.cancel_all_mine().code, cups_code::server_unreachable);
  EXPECT_LT(ms_since(start), std::chrono::milliseconds(io_timeout).count());

  EXPECT_EQ(reachable.wait(held.job_id, 5s).code, cups_code::held);
  EXPECT_EQ(reachable.cancel(held.job_id).code, cups_code::canceled);
}

}  // namespace
