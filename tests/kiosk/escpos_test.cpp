// ESC/POS receipt printing: a receipt with Chinese text and a signed QR code, sent over TCP to a
// loopback printer that decodes what it receives back into lines and dot images; the image read
// by ZXing-cpp (hallpass::qr) and by zbarimg and checked offline as genuine. Paper out, an
// unreachable or silent printer, the file target, the status byte, and the limits.
#include "escpos_listener.hpp"
#include "signed_code.hpp"
#include "hallpass/kiosk/escpos.hpp"
#include "hallpass/kiosk/escpos_printer.hpp"
#include "hallpass/qr/decode.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/signing/document_code.hpp"
#include "../support/shell.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

namespace {

namespace kiosk = hallpass::kiosk;
namespace qr = hallpass::qr;
namespace sg = hallpass::signing;
namespace fs = std::filesystem;
using kiosk::test::escpos_listener;
using kiosk::test::printed_job;
using align = kiosk::receipt_line::alignment;
using namespace std::chrono_literals;

constexpr std::string_view hall = "https://hall.example.gov.cn";
constexpr std::int64_t issued = 1796083200;  // 2026-12-01T00:00:00Z
const std::string long_line = "事项：职工参保登记（单位新参保、人员增员）及社会保险费申报核定";
const std::string latin_line = "Scan the code with any phone camera to check that this receipt is genuine";

// A receipt signed by key 7 of the hall, and the hall's trust list holding that key.
using kiosk::test::signed_code;
const signed_code& receipt_code() {
  static const signed_code code = kiosk::test::make_signed_code(hall, issued, "HC20261201000123", "常州示范****有限公司", {0x3a, 0x91, 0x5c, 0x07, 0xe2, 0x44, 0x18, 0xbd});
  return code;
}

kiosk::receipt acceptance_receipt() {
  kiosk::receipt r;
  r.lines_before_qr = {
      {"常州市人力资源和社会保障局", align::center, true, false},
      {"受理回执", align::center, true, true},
      {"申请编号：HC20261201000123"},
      {"申请人：常州示范****有限公司"},
      {"受理时间：2026-12-01 08:00"},
      {long_line},
  };
  r.qr_text = receipt_code().url;
  r.lines_after_qr = {{latin_line}, {"请妥善保管本回执", align::right}};
  return r;
}

std::string tcp_target(const escpos_listener& l) { return "tcp://127.0.0.1:" + std::to_string(l.port()); }

// Prints through TCP to a fresh listener and returns what it decoded.
printed_job print_via_listener(const kiosk::receipt& r, const kiosk::paper& p) {
  escpos_listener printer;
  const auto bytes = kiosk::escpos_receipt(r, p);
  const auto outcome = kiosk::print_receipt(tcp_target(printer), bytes, 10s);
  EXPECT_TRUE(outcome.ok) << outcome.code << ": " << outcome.detail;
  EXPECT_EQ(outcome.code, "printed");
  EXPECT_TRUE(printer.wait_for_jobs(1, 10s));
  const auto jobs = printer.jobs();
  if (jobs.size() != 1) {
    ADD_FAILURE() << jobs.size() << " jobs";
    return {};
  }
  EXPECT_EQ(jobs[0].bytes, kiosk::escpos_status_query() + bytes);  // the query, then the job, nothing lost
  return jobs[0];
}

// Where the symbol lies in a printed raster, if the raster is exactly the symbol drawn with
// n x n dots per module on white: every dot compared with the module matrix.
struct placed_symbol {
  int dots_per_module = 0;  // 0: the raster is not the symbol at a whole number of dots
  int left = 0, top = 0, right = 0, bottom = 0;  // white margins, in dots
};
placed_symbol locate(const cv::Mat& raster, const qr::module_matrix& symbol) {
  std::vector<cv::Point> black;
  cv::findNonZero(raster == 0, black);
  if (black.empty()) return {};
  const cv::Rect box = cv::boundingRect(black);
  if (box.width != box.height || box.width % symbol.size() != 0) return {};
  const int n = box.width / symbol.size();
  for (int y = 0; y < raster.rows; ++y) {
    for (int x = 0; x < raster.cols; ++x) {
      const bool inside = box.contains({x, y});
      const bool dark = inside && symbol.dark((x - box.x) / n, (y - box.y) / n);
      if ((raster.at<std::uint8_t>(y, x) == 0) != dark) return {};
    }
  }
  return {n, box.x, box.y, raster.cols - box.br().x, raster.rows - box.br().y};
}

std::string qr_text_of(const cv::Mat& raster) {
  const auto found = qr::decode({raster.data, raster.cols, raster.rows, static_cast<int>(raster.step)});
  return found ? found->text : "";
}

// The text zbarimg reads in the raster, written as a PNG at one pixel per dot with a white border.
std::string zbar_text_of(const cv::Mat& raster) {
  cv::Mat padded;
  cv::copyMakeBorder(raster, padded, 32, 32, 32, 32, cv::BORDER_CONSTANT, cv::Scalar(255));
  const auto file = fs::temp_directory_path() / ("hallpass-escpos-" + std::to_string(::getpid()) + ".png");
  cv::imwrite(file.string(), padded);
  auto out = hallpass::shell::run("zbarimg --raw -q -Sdisable -Sqrcode.enable '" + file.string() + "' 2>/dev/null").out;
  fs::remove(file);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string joined_text(const std::vector<kiosk::test::printed_line>& lines, std::size_t from, std::size_t count,
                        const std::string& separator = "") {
  std::string s;
  for (std::size_t k = from; k < from + count && k < lines.size(); ++k) s += (k > from ? separator : "") + lines[k].text;
  return s;
}

class EscposPaper : public testing::TestWithParam<int> {};

TEST_P(EscposPaper, SignedCodePrintsAtWholeDotsPerModuleAndReadsGenuine) {
  const auto paper = kiosk::paper_of_width_mm(GetParam());
  const auto job = print_via_listener(acceptance_receipt(), paper);
  EXPECT_TRUE(job.errors.empty()) << job.errors.front();
  ASSERT_EQ(job.rasters.size(), 1u);
  const auto& raster = job.rasters[0];
  EXPECT_LE(raster.image.cols, paper.dots_per_line);
  EXPECT_EQ(raster.align, 1);  // centred

  const auto& url = receipt_code().url;
  const auto symbol = qr::encode(url, qr::ec_level::medium);
  ASSERT_TRUE(symbol);
  const auto placed = locate(raster.image, *symbol);
  ASSERT_GT(placed.dots_per_module, 0) << "the raster is not the symbol at a whole number of dots per module";
  const int n = placed.dots_per_module;
  // The largest whole number that fits with the quiet zone, at most 8. A receipt's code is
  // version 9 (53 modules + 8 of quiet zone = 61): 384 / 61 gives 6 on 58 mm; 576 / 61 would
  // give 9, capped to 8 on 80 mm.
  EXPECT_EQ(symbol->size(), 53);
  EXPECT_EQ(n, GetParam() == 58 ? 6 : 8);
  EXPECT_LE((symbol->size() + 8) * n, paper.dots_per_line);
  EXPECT_TRUE(n == 8 || (symbol->size() + 8) * (n + 1) > paper.dots_per_line);
  for (int margin : {placed.left, placed.right, placed.top, placed.bottom}) EXPECT_GE(margin, 4 * n);
  EXPECT_LE(std::abs(placed.left - placed.right), 8);  // centred inside the byte-wide image

  const auto read = qr_text_of(raster.image);
  EXPECT_EQ(read, url);
  const auto zbar = zbar_text_of(raster.image);
  EXPECT_EQ(zbar, url);
  EXPECT_EQ(sg::check_offline(zbar, receipt_code().keys, issued + 60).outcome, sg::verdict::genuine);
  EXPECT_EQ(sg::check_offline(read, receipt_code().keys, issued + 60).outcome, sg::verdict::genuine);
}

TEST_P(EscposPaper, ChineseLinesComeBackWrappedToThePaper) {
  const auto paper = kiosk::paper_of_width_mm(GetParam());
  const auto job = print_via_listener(acceptance_receipt(), paper);
  EXPECT_TRUE(job.errors.empty()) << job.errors.front();
  EXPECT_TRUE(job.chinese_mode);
  EXPECT_EQ(job.cuts, 1);
  EXPECT_EQ(job.status_queries, 1);
  const auto& lines = job.lines;
  for (const auto& l : lines) EXPECT_LE(l.columns, paper.chars_per_line) << l.text;

  // 13 characters, bold, normal size: 26 columns fit both papers.
  ASSERT_GE(lines.size(), 9u);
  EXPECT_EQ(lines[0].text, "常州市人力资源和社会保障局");
  EXPECT_EQ(lines[0].align, 1);
  EXPECT_TRUE(lines[0].bold);
  EXPECT_EQ(lines[0].width_scale, 1);
  EXPECT_EQ(lines[1].text, "受理回执");
  EXPECT_EQ(lines[1].columns, 16);  // 4 characters, double width
  EXPECT_EQ(lines[1].width_scale, 2);
  EXPECT_EQ(lines[1].height_scale, 2);
  EXPECT_EQ(lines[2].text, "申请编号：HC20261201000123");
  EXPECT_EQ(lines[2].align, 0);
  EXPECT_FALSE(lines[2].bold);
  EXPECT_EQ(lines[2].width_scale, 1);
  EXPECT_EQ(lines[3].text, "申请人：常州示范****有限公司");
  EXPECT_EQ(lines[4].text, "受理时间：2026-12-01 08:00");

  // 31 Chinese characters = 62 columns: two lines on either paper, cut between characters.
  EXPECT_EQ(lines[5].columns, paper.chars_per_line);
  EXPECT_EQ(joined_text(lines, 5, 2), long_line);
  EXPECT_EQ(lines[6].rasters_before, 0);
  EXPECT_EQ(lines[7].rasters_before, 1);  // the code sits between the two groups

  // The Latin line (73 columns) wraps between words on both papers.
  const std::size_t latin_lines = GetParam() == 58 ? 3 : 2;
  EXPECT_EQ(joined_text(lines, 7, latin_lines, " "), latin_line);
  for (std::size_t k = 7; k < 7 + latin_lines; ++k) {
    EXPECT_NE(lines[k].text.front(), ' ');
    EXPECT_NE(lines[k].text.back(), ' ');
  }
  ASSERT_EQ(lines.size(), 8 + latin_lines);
  EXPECT_EQ(lines.back().text, "请妥善保管本回执");
  EXPECT_EQ(lines.back().align, 2);
}

INSTANTIATE_TEST_SUITE_P(Rolls, EscposPaper, testing::Values(58, 80), [](const auto& info) {
  return std::to_string(info.param) + "mm";
});

TEST(Escpos, LargeTextWrapsAtHalfTheColumns) {
  kiosk::receipt r;
  r.lines_before_qr = {{"常州市人力资源和社会保障局", align::center, false, true}};
  const auto job = kiosk::test::decode_escpos(kiosk::escpos_receipt(r, kiosk::paper_58mm));
  EXPECT_TRUE(job.errors.empty()) << job.errors.front();
  ASSERT_EQ(job.lines.size(), 2u);  // 16 columns = 8 double-width characters a line
  EXPECT_EQ(job.lines[0].text, "常州市人力资源和");
  EXPECT_EQ(job.lines[1].text, "社会保障局");
  EXPECT_EQ(job.lines[0].columns, 32);
  EXPECT_TRUE(job.rasters.empty());  // no QR text, no code
  EXPECT_EQ(job.cuts, 1);
}

TEST(Escpos, JobStartsWithInitAndChineseModeAndEndsWithFeedAndPartialCut) {
  const auto bytes = kiosk::escpos_receipt(acceptance_receipt(), kiosk::paper_58mm);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x1b\x40\x1c\x26", 4));
  EXPECT_EQ(bytes.substr(bytes.size() - 7), std::string("\x1b\x64\x03\x1d\x56\x42\x00", 7));
  EXPECT_EQ(kiosk::escpos_status_query(), std::string("\x10\x04\x04", 3));
}

TEST(Escpos, PaperOutPrintsNothing) {
  escpos_listener printer;
  printer.set_paper_status(kiosk::test::paper_end);
  const auto bytes = kiosk::escpos_receipt(acceptance_receipt(), kiosk::paper_58mm);
  const auto outcome = kiosk::print_receipt(tcp_target(printer), bytes, 10s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.code, "paper_out");
  EXPECT_EQ(outcome.message_zh, "打印机缺纸，请联系工作人员");
  EXPECT_EQ(outcome.message_en, "The printer is out of paper; please ask the staff.");
  ASSERT_TRUE(printer.wait_for_jobs(1, 10s));
  const auto job = printer.jobs().at(0);
  EXPECT_EQ(job.bytes, std::string("\x10\x04\x04", 3));
  EXPECT_TRUE(job.lines.empty());
  EXPECT_TRUE(job.rasters.empty());
  EXPECT_EQ(job.cuts, 0);
}

TEST(Escpos, PaperNearEndStillPrintsAndSaysSo) {
  escpos_listener printer;
  printer.set_paper_status(kiosk::test::paper_near_end);
  const auto outcome = kiosk::print_receipt(tcp_target(printer), kiosk::escpos_receipt(acceptance_receipt(), kiosk::paper_80mm), 10s);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.code, "printed");
  EXPECT_TRUE(outcome.paper_near_end);
  ASSERT_TRUE(printer.wait_for_jobs(1, 10s));
  EXPECT_EQ(printer.jobs().at(0).cuts, 1);
}

TEST(Escpos, ClosedPortIsUnreachable) {
  // A bound socket that does not listen: the port stays ours, and connecting to it is refused.
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &length), 0);
  const auto outcome = kiosk::print_receipt("tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "x\n", 5s);
  ::close(s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.code, "unreachable") << outcome.detail;
  EXPECT_EQ(outcome.message_zh, "无法连接打印机，请联系工作人员");
}

TEST(Escpos, SilentPrinterTimesOutWithinTheTimeout) {
  escpos_listener printer;
  printer.set_silent(true);
  const auto timeout = 400ms;
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = kiosk::print_receipt(tcp_target(printer), kiosk::escpos_receipt(acceptance_receipt(), kiosk::paper_58mm), timeout);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.code, "timeout") << outcome.detail;
  EXPECT_GE(elapsed, timeout - 20ms);  // it waited for the answer
  EXPECT_LT(elapsed, timeout + 5s);    // and no longer than the timeout (generous for a busy machine)
  ASSERT_TRUE(printer.wait_for_jobs(1, 10s));
  EXPECT_EQ(printer.jobs().at(0).bytes, std::string("\x10\x04\x04", 3));  // no job after an unanswered query
}

TEST(Escpos, FileTargetWritesTheJob) {
  const auto path = fs::temp_directory_path() / ("hallpass-escpos-" + std::to_string(::getpid()) + ".prn");
  std::ofstream(path) << "an earlier, longer job that must not remain at the end of the file";
  const auto bytes = kiosk::escpos_receipt(acceptance_receipt(), kiosk::paper_80mm);
  const auto outcome = kiosk::print_receipt("file:" + path.string(), bytes, 5s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(outcome.code, "printed");
  std::ifstream in(path, std::ios::binary);
  const std::string written{std::istreambuf_iterator<char>(in), {}};
  fs::remove(path);
  EXPECT_EQ(written, bytes);  // a plain file has no status to ask: the job alone
  EXPECT_TRUE(kiosk::test::decode_escpos(written).errors.empty());

  const auto missing = fs::temp_directory_path() / ("hallpass-escpos-none-" + std::to_string(::getpid())) / "lp0";
  const auto absent = kiosk::print_receipt("file:" + missing.string(), bytes, 5s);
  EXPECT_EQ(absent.code, "unreachable") << absent.detail;
  EXPECT_FALSE(fs::exists(missing.parent_path()));
}

TEST(Escpos, PaperStatusFollowsTheFixedBitsAndThePaperBits) {
  for (int b = 0; b < 256; ++b) {
    const bool fixed_bits_right = (b & 0x01) == 0 && (b & 0x02) != 0 && (b & 0x10) != 0 && (b & 0x80) == 0;
    EXPECT_EQ(kiosk::parse_paper_status(static_cast<unsigned char>(b)).has_value(), fixed_bits_right) << b;
  }
  const auto present = kiosk::parse_paper_status(0x12);
  ASSERT_TRUE(present);
  EXPECT_FALSE(present->paper_out);
  EXPECT_FALSE(present->paper_near_end);
  const auto near_end = kiosk::parse_paper_status(0x1e);
  ASSERT_TRUE(near_end);
  EXPECT_FALSE(near_end->paper_out);
  EXPECT_TRUE(near_end->paper_near_end);
  const auto out = kiosk::parse_paper_status(0x72);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->paper_out);
  EXPECT_FALSE(out->paper_near_end);
  const auto both = kiosk::parse_paper_status(0x7e);
  ASSERT_TRUE(both && both->paper_out && both->paper_near_end);
  for (unsigned char bad : {0x00, 0x13, 0x92, 0x10, 0x02, 0xff}) EXPECT_FALSE(kiosk::parse_paper_status(bad)) << int(bad);
}

// A QR text of `characters` (alphanumeric mode, like a document URL).
std::string url_of_length(std::size_t characters) {
  std::string url = "HTTPS://HALL.EXAMPLE.GOV.CN/V/";
  url.resize(characters, 'Q');
  return url;
}

TEST(Escpos, CodeTooLargeFor58mmAtThreeDotsIsRefused) {
  // Version 25 (117 modules): (117 + 8) x 3 = 375 dots fit 384. Version 26 (121): 387 do not.
  const auto fits = url_of_length(1400), too_long = url_of_length(1500);
  ASSERT_EQ(qr::encode(fits, qr::ec_level::medium)->size(), 117);
  ASSERT_EQ(qr::encode(too_long, qr::ec_level::medium)->size(), 121);

  kiosk::receipt r;
  r.qr_text = fits;
  auto job = kiosk::test::decode_escpos(kiosk::escpos_receipt(r, kiosk::paper_58mm));
  ASSERT_EQ(job.rasters.size(), 1u);
  EXPECT_EQ(job.rasters[0].image.cols, 376);  // 375 dots in whole bytes
  EXPECT_EQ(qr_text_of(job.rasters[0].image), fits);

  r.qr_text = too_long;
  EXPECT_THROW(kiosk::escpos_receipt(r, kiosk::paper_58mm), std::invalid_argument);
  job = kiosk::test::decode_escpos(kiosk::escpos_receipt(r, kiosk::paper_80mm));  // 4 dots a module on 80 mm
  ASSERT_EQ(job.rasters.size(), 1u);
  EXPECT_EQ(job.rasters[0].image.cols, 520);  // 129 x 4 = 516 dots in whole bytes
  EXPECT_EQ(qr_text_of(job.rasters[0].image), too_long);

  EXPECT_EQ(kiosk::qr_dots_per_module(21, kiosk::paper_58mm), 8);  // capped
  EXPECT_EQ(kiosk::qr_dots_per_module(121, kiosk::paper_58mm), 0);
}

TEST(Escpos, TextThatCannotBePrintedIsRefused) {
  for (std::string bad : {std::string("申请人：\xff"), std::string("王\x1b\x69"), std::string("a\x1d"), std::string("\xe5\x8f")}) {
    kiosk::receipt r;
    r.lines_after_qr = {{bad}};
    EXPECT_THROW(kiosk::escpos_receipt(r, kiosk::paper_58mm), std::invalid_argument);
  }
  kiosk::receipt r;
  r.lines_before_qr = {{"第一行\n第二行\r\n第三\t行"}};
  const auto job = kiosk::test::decode_escpos(kiosk::escpos_receipt(r, kiosk::paper_58mm));
  EXPECT_TRUE(job.errors.empty()) << job.errors.front();
  ASSERT_EQ(job.lines.size(), 3u);
  EXPECT_EQ(job.lines[0].text, "第一行");
  EXPECT_EQ(job.lines[1].text, "第二行");
  EXPECT_EQ(job.lines[2].text, "第三 行");
}

TEST(Escpos, PaperWidths) {
  EXPECT_EQ(kiosk::paper_of_width_mm(58).dots_per_line, 384);
  EXPECT_EQ(kiosk::paper_of_width_mm(58).chars_per_line, 32);
  EXPECT_EQ(kiosk::paper_of_width_mm(80).dots_per_line, 576);
  EXPECT_EQ(kiosk::paper_of_width_mm(80).chars_per_line, 48);
  EXPECT_THROW(kiosk::paper_of_width_mm(57), std::invalid_argument);
  EXPECT_THROW(kiosk::paper_of_width_mm(110), std::invalid_argument);
}

TEST(Escpos, PrinterTargets) {
  const auto tcp = kiosk::parse_printer_target("tcp://printer.hall.local");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->type, kiosk::printer_target::kind::tcp);
  EXPECT_EQ(tcp->host, "printer.hall.local");
  EXPECT_EQ(tcp->port, 9100);
  EXPECT_EQ(kiosk::parse_printer_target("tcp://10.0.0.5:9101")->port, 9101);
  EXPECT_EQ(kiosk::parse_printer_target("tcp://[::1]:9100")->host, "::1");
  const auto file = kiosk::parse_printer_target("file:/dev/usb/lp0");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->type, kiosk::printer_target::kind::file);
  EXPECT_EQ(file->path, "/dev/usb/lp0");
  EXPECT_EQ(kiosk::parse_printer_target("file:///dev/usb/lp0")->path, "/dev/usb/lp0");
  for (const char* bad : {"", "tcp://", "tcp://host:", "tcp://host:0", "tcp://host:65536", "tcp://host:91x",
                          "tcp://::1:9100", "tcp://[::1", "file:", "lpd://host", "/dev/usb/lp0"})
    EXPECT_FALSE(kiosk::parse_printer_target(bad)) << bad;
  const auto o = kiosk::print_receipt("usb:lp0", "x", 1s);
  EXPECT_EQ(o.code, "invalid_target");
  EXPECT_FALSE(o.ok);
}

}  // namespace
