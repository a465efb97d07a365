// A PDF uploaded as a material: accepted with its page count, page size and thumbnail, or
// refused with a stable reason (not a PDF, too large, damaged, truncated, encrypted, too many pages).
#include <hallpass/imaging/pdf_document.hpp>

#include "../support/shell.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace hi = hallpass::imaging;
namespace fs = std::filesystem;
using namespace hallpass::imaging::testing;

namespace {

// A PDF of `n` pages made with the library's own make_pdf: each page 210 x 297 mm at 100 dpi
// (827 x 1169 px), a dark bar on its upper half.
std::string make_document(int n) {
  cv::Mat page(1169, 827, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::rectangle(page, cv::Rect(100, 100, 627, 400), cv::Scalar(40, 40, 40), cv::FILLED);
  std::string jpeg = encode(page, ".jpg");
  std::vector<hi::page_for_pdf> pages(std::size_t(n), {jpeg, "jpeg", 827, 1169, 100});
  hi::pdf_result r = hi::make_pdf(pages);
  return r.pdf.value_or("");
}

// A PDF written by hand: `objects` numbered from 1 (1 is the catalogue), with an exact xref table.
std::string assemble(const std::vector<std::string>& objects) {
  std::string out = "%PDF-1.4\n", xref = "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t i = 0; i < objects.size(); ++i) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", out.size());
    xref += line;
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  std::size_t at = out.size();
  return out + xref + "trailer << /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(at) + "\n%%EOF\n";
}

std::string stream(const std::string& data, const std::string& dictionary = {}) {
  return "<< /Length " + std::to_string(data.size()) + " " + dictionary + ">>\nstream\n" + data + "\nendstream";
}

const std::string catalogue = "<< /Type /Catalog /Pages 2 0 R >>";
const std::string one_page = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";

// Object 3: the A4 page of a one-page document; `rest`: its contents, resources.
std::string a4_page(const std::string& rest = {}) {
  return "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + rest + " >>";
}

hi::pdf_document inspect(const std::string& bytes, const hi::pdf_limits& limits = {}) {
  return hi::inspect_pdf(as_bytes(bytes), limits);
}

std::string only_code(const hi::pdf_document& d) {
  if (d.reasons.size() != 1) return std::to_string(d.reasons.size()) + " reasons";
  return d.reasons[0].code;
}

// `qpdf --encrypt USER OWNER 256` applied to `plain`, in a folder of its own.
std::string encrypted_with_qpdf(const std::string& plain, const std::string& user_password) {
  std::string folder = (fs::temp_directory_path() / "hallpass-pdf-test-XXXXXX").string();
  if (mkdtemp(folder.data()) == nullptr) return {};
  std::ofstream(folder + "/plain.pdf", std::ios::binary) << plain;
  hallpass::shell::result r = hallpass::shell::run(
      "qpdf --encrypt " + hallpass::shell::quote(user_password) + " owner-secret 256 -- " +
      hallpass::shell::quote(folder + "/plain.pdf") + " " + hallpass::shell::quote(folder + "/locked.pdf") + " 2>&1");
  std::string locked = r.status == 0 ? read_file(folder + "/locked.pdf") : std::string();
  fs::remove_all(folder);
  return locked;
}

}  // namespace

TEST(PdfDocument, AcceptsSinglePageWithSizeAndThumbnail) {
  std::string pdf = make_document(1);
  ASSERT_FALSE(pdf.empty());
  hi::pdf_document d = inspect(pdf);
  ASSERT_TRUE(d.accepted) << only_code(d);
  EXPECT_TRUE(d.reasons.empty());
  EXPECT_EQ(d.pages, 1);
  EXPECT_NEAR(d.page_width_mm, 210, 1);
  EXPECT_NEAR(d.page_height_mm, 297, 1);

  cv::Mat thumb = cv::imdecode(cv::Mat(1, int(d.thumbnail_jpeg.size()), CV_8U, d.thumbnail_jpeg.data()), cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(thumb.empty());
  EXPECT_LE(std::max(thumb.cols, thumb.rows), 320);
  EXPECT_GE(thumb.rows, 315);
  EXPECT_NEAR(double(thumb.cols) / thumb.rows, 210.0 / 297, 0.02);
  // The page is drawn: the bar is dark, the paper below it white.
  EXPECT_LT(thumb.at<std::uint8_t>(thumb.rows / 5, thumb.cols / 2), 80);
  EXPECT_GT(thumb.at<std::uint8_t>(thumb.rows * 3 / 4, thumb.cols / 2), 230);
}

TEST(PdfDocument, CountsPagesOfAMultiPageDocument) {
  hi::pdf_document d = inspect(make_document(3));
  ASSERT_TRUE(d.accepted) << only_code(d);
  EXPECT_EQ(d.pages, 3);
  EXPECT_FALSE(d.thumbnail_jpeg.empty());
}

TEST(PdfDocument, ReadsAHandWrittenLandscapePage) {
  // 842 x 595 points = 297 x 210 mm, one filled square.
  std::string pdf = assemble({catalogue, one_page,
                              "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R >>",
                              stream("0 0 0 rg 100 100 200 200 re f")});
  hi::pdf_document d = inspect(pdf);
  ASSERT_TRUE(d.accepted) << only_code(d);
  EXPECT_EQ(d.pages, 1);
  EXPECT_NEAR(d.page_width_mm, 297, 0.5);
  EXPECT_NEAR(d.page_height_mm, 210, 0.5);
}

TEST(PdfDocument, RefusesWhatIsNotAPdf) {
  EXPECT_EQ(only_code(inspect(encode(cv::Mat(50, 50, CV_8UC3, cv::Scalar::all(200)), ".jpg"))), "unsupported_type");
  EXPECT_EQ(only_code(inspect("")), "unsupported_type");
  hi::pdf_document d = inspect("hello");
  EXPECT_EQ(only_code(d), "unsupported_type");
  EXPECT_FALSE(d.reasons[0].message.empty());
  EXPECT_NE(d.reasons[0].message_en.find("PDF"), std::string::npos);
  EXPECT_EQ(d.reasons[0].message_en.find("photo"), std::string::npos) << d.reasons[0].message_en;
}

TEST(PdfDocument, RefusesTooLargeBeforeParsing) {
  // Garbage of the right size: refused for its size, not for being broken.
  std::string big = "%PDF-1.4\n" + std::string(2000, 'x');
  hi::pdf_limits limits;
  limits.max_bytes = 1000;
  EXPECT_EQ(only_code(inspect(big, limits)), "pdf_too_large");
  limits.max_bytes = 20 * 1024 * 1024;
  EXPECT_EQ(only_code(inspect(std::string(limits.max_bytes + 1, ' '), limits)), "pdf_too_large");
  EXPECT_EQ(hi::pdf_limits{}.max_bytes, 20u * 1024 * 1024);
}

TEST(PdfDocument, RefusesTooManyPages) {
  hi::pdf_limits limits;
  limits.max_pages = 2;
  hi::pdf_document d = inspect(make_document(3), limits);
  EXPECT_EQ(only_code(d), "pdf_too_many_pages");
  EXPECT_EQ(d.pages, 3);
  EXPECT_NE(d.reasons[0].message_en.find("at most 2"), std::string::npos) << d.reasons[0].message_en;
  EXPECT_TRUE(inspect(make_document(2), limits).accepted);
  EXPECT_EQ(hi::pdf_limits{}.max_pages, 50);
}

TEST(PdfDocument, RefusesTruncatedAndGarbledFiles) {
  std::string pdf = make_document(2);
  for (double keep : {0.2, 0.5, 0.9, 0.99})
    EXPECT_EQ(only_code(inspect(pdf.substr(0, std::size_t(pdf.size() * keep)))), "pdf_broken") << keep;
  // Cut just before its cross-reference table: every page is there, poppler would rebuild it.
  EXPECT_EQ(only_code(inspect(pdf.substr(0, pdf.rfind("xref")))), "pdf_broken");
  EXPECT_EQ(only_code(inspect("%PDF-")), "pdf_broken");
  EXPECT_EQ(only_code(inspect("%PDF-1.7\n" + std::string(5000, '\x9c') + "\n%%EOF\n")), "pdf_broken");
  std::string garbage = "%PDF-1.4\n";
  for (int i = 0; i < 20000; ++i) garbage += char(std::rand() % 256);
  EXPECT_EQ(only_code(inspect(garbage + "\n%%EOF\n")), "pdf_broken");
}

TEST(PdfDocument, RefusesAnAbsurdPageSize) {
  // A page of 1 x 14400 points (0.35 x 5080 mm) would render as a 0 x 320 strip.
  std::string pdf = assemble({catalogue, one_page, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 14400] >>"});
  EXPECT_EQ(only_code(inspect(pdf)), "pdf_broken");
}

TEST(PdfDocument, APageTooSlowToDrawIsStopped) {
  hi::pdf_limits limits;
  limits.max_seconds = 2;
  // 762 bytes: an image that declares 100000 x 100000 pixels, drawn over the page. Poppler would
  // work through 10^10 pixels.
  std::string huge_image = assemble(
      {catalogue, one_page, a4_page("/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R"),
       stream(std::string(100, '\0'), "/Type /XObject /Subtype /Image /Width 100000 /Height 100000 "
                                       "/ColorSpace /DeviceRGB /BitsPerComponent 8 "),
       stream("q 595 0 0 842 0 0 cm /Im1 Do Q")});
  EXPECT_EQ(only_code(inspect(huge_image, limits)), "pdf_too_complex");
  // 3.6 MB: 200000 strokes across the page (about a minute to draw).
  std::string strokes;
  for (int i = 0; i < 200000; ++i) strokes += "0 0 m 595 842 l S\n";
  std::string many_strokes = assemble({catalogue, one_page, a4_page("/Contents 4 0 R"), stream(strokes)});
  EXPECT_EQ(only_code(inspect(many_strokes, limits)), "pdf_too_complex");
  EXPECT_EQ(hi::pdf_limits{}.max_seconds, 10);
}

TEST(PdfDocument, HostileStructuresEndInAnAnswer) {
  // A page tree whose Kids list itself.
  EXPECT_EQ(only_code(inspect(assemble({catalogue, "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", a4_page()}))),
            "pdf_broken");
  // A page count far beyond the pages there are.
  EXPECT_EQ(only_code(inspect(assemble({catalogue, "<< /Type /Pages /Kids [3 0 R] /Count 2147483647 >>", a4_page()}))),
            "pdf_broken");
  // A form that draws itself; arrays nested 100000 deep: poppler stops, page 1 is still shown.
  std::string self_drawing = assemble(
      {catalogue, one_page, a4_page("/Resources << /XObject << /X 4 0 R >> >> /Contents 5 0 R"),
       stream("/X Do", "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X 4 0 R >> >> "),
       stream("/X Do")});
  EXPECT_TRUE(inspect(self_drawing).accepted);
  std::string deep = assemble({catalogue, one_page, a4_page("/Foo " + std::string(100000, '[') + std::string(100000, ']'))});
  EXPECT_TRUE(inspect(deep).accepted);
}

TEST(PdfDocument, InspectsFromSeveralThreadsAtOnce) {
  // Each reader runs in its own process; one's pipe must not keep another waiting.
  std::string pdf = make_document(2);
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) accepted += inspect(pdf).accepted ? 1 : 0;
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(accepted, 12);
}

TEST(PdfDocument, RefusesEncryptedDocuments) {
  std::string plain = make_document(1);
  std::string with_password = encrypted_with_qpdf(plain, "user-secret");
  ASSERT_FALSE(with_password.empty()) << "qpdf is needed (scripts/install-deps.sh installs it)";
  hi::pdf_document d = inspect(with_password);
  EXPECT_EQ(only_code(d), "pdf_encrypted");
  EXPECT_FALSE(d.reasons[0].message.empty());
  // Encrypted with an empty user password: it opens without one, but is still encrypted.
  std::string owner_only = encrypted_with_qpdf(plain, "");
  ASSERT_FALSE(owner_only.empty());
  EXPECT_EQ(only_code(inspect(owner_only)), "pdf_encrypted");
}
