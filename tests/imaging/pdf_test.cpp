// Multi-page PDF assembly with libharu.
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

int count(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(Pdf, AssemblesJpegAndPngPages) {
  cv::Mat colour(700, 500, CV_8UC3, cv::Scalar(250, 250, 250)), grey(700, 500, CV_8UC1, cv::Scalar(255));
  cv::putText(colour, "page one", {50, 100}, cv::FONT_HERSHEY_SIMPLEX, 1.5, cv::Scalar(0, 0, 200), 3);
  cv::putText(grey, "page two", {50, 100}, cv::FONT_HERSHEY_SIMPLEX, 1.5, cv::Scalar(0), 3);
  std::vector<hi::page_for_pdf> pages{{encode(colour, ".jpg"), "jpeg", 500, 700, 100},
                                      {encode(grey, ".png"), "png", 500, 700, 100}};
  hi::pdf_result r = hi::make_pdf(pages, "HallPass test");
  ASSERT_TRUE(r.pdf) << r.error;
  const std::string& pdf = *r.pdf;
  EXPECT_EQ(pdf.rfind("%PDF-", 0), 0u);
  EXPECT_NE(pdf.find("%%EOF"), std::string::npos);
  EXPECT_EQ(count(pdf, "/Type /Page\n") + count(pdf, "/Type /Page\r") + count(pdf, "/Type /Page/") +
                count(pdf, "/Type /Page "),
            2);
  EXPECT_NE(pdf.find("/MediaBox [ 0 0 360 504 ]"), std::string::npos);  // 5 x 7 inches at 100 dpi
}

TEST(Pdf, RefusesEmptyAndDamagedPages) {
  EXPECT_FALSE(hi::make_pdf({}).pdf);
  hi::pdf_result bad = hi::make_pdf({{"not a jpeg at all", "jpeg", 10, 10, 100}});
  EXPECT_FALSE(bad.pdf);
  EXPECT_FALSE(bad.error.empty());
}
