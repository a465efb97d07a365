// Kinds of material through the server: a PDF document (社保 and agency documents) is checked with
// poppler and kept as sent with a drawing of its first page; a 2寸 portrait (社保卡申领) must show one
// face on a plain light background and is cropped to 35 × 49 mm; each is refused with its reason,
// and the wrong kind of file gets its own error. Nothing refused is stored.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app_client.hpp"
#include "hallpass/imaging/imaging.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;

namespace {

std::string png(const cv::Mat& m) {
  std::vector<std::uint8_t> out;
  cv::imencode(".png", m, out);
  return {out.begin(), out.end()};
}

// The astronaut's head (NASA, public domain: tests/data/portrait/README.md) on a plain light
// background, or on one of random coloured blocks.
std::string portrait_photo(bool plain) {
  auto face = cv::imread(std::string(HALLPASS_TESTDATA_DIR) + "/portrait/astronaut.png", cv::IMREAD_COLOR);
  EXPECT_FALSE(face.empty());
  cv::Mat background(800, 600, CV_8UC3, cv::Scalar(246, 246, 246));
  if (!plain) {
    cv::Mat small(800 / 12, 600 / 12, CV_8UC3);
    cv::RNG rng(7);
    rng.fill(small, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
    cv::resize(small, background, background.size(), 0, 0, cv::INTER_NEAREST);
  }
  cv::Mat mask(face.size(), CV_8U, cv::Scalar(0));
  cv::ellipse(mask, cv::Point(226, 102), cv::Size(78, 90), 0, 0, 360, cv::Scalar(255), cv::FILLED);
  cv::Mat head, head_mask;
  cv::resize(face, head, cv::Size(), 2, 2, cv::INTER_AREA);
  cv::resize(mask, head_mask, cv::Size(), 2, 2, cv::INTER_NEAREST);
  cv::Point offset = cv::Point(300, 300) - cv::Point(452, 204);
  cv::Rect target = cv::Rect(offset, head.size()) & cv::Rect(0, 0, background.cols, background.rows);
  head(target - offset).copyTo(background(target), head_mask(target - offset));
  return png(background);
}

std::string two_page_pdf() {
  cv::Mat page(1169, 827, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(page, "HallPass", {100, 200}, cv::FONT_HERSHEY_SIMPLEX, 3, cv::Scalar(0, 0, 0), 6);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", page, jpeg);
  hallpass::imaging::page_for_pdf p{{jpeg.begin(), jpeg.end()}, "jpeg", page.cols, page.rows, 100};
  return *hallpass::imaging::make_pdf({p, p}, "test").pdf;
}

std::string pages_of_material(const running_server& s, const std::string& id, const std::string& m) {
  return sql_one(s.conninfo(), "SELECT count(*) FROM pages WHERE application_id = " + id + " AND material_code = '" + m + "'");
}

}  // namespace

TEST(MaterialKinds, APdfDocumentIsCheckedAndKeptAsSent) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = start_id(s, wang, "hr_agency_setup");
  auto pdf = two_page_pdf();
  auto r = portal_upload(s, wang, id, "management_rules", pdf);
  ASSERT_EQ(r.status, 201) << r.body;
  auto page = r.json().at("page").as_object();
  EXPECT_EQ(str_at(page, "content_type"), "application/pdf");
  EXPECT_EQ(str_at(page, "sha256"), sha256_hex(pdf));
  // The material downloads as the very file sent, with a drawing of its first page as thumbnail.
  auto back = s.call_as(wang, "GET", "/api/v1/applications/" + id + "/materials/management_rules/pdf");
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(back.body, pdf);
  auto thumb = s.call_as(wang, "GET", "/api/v1/pages/" + str_at(page, "id") + "/thumbnail");
  EXPECT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.body.substr(0, 2), std::string("\xFF\xD8"));
  // Broken, and not a PDF at all.
  auto broken = portal_upload(s, wang, id, "public_services", pdf.substr(0, pdf.size() / 2));
  EXPECT_EQ(broken.status, 422) << broken.body;
  EXPECT_EQ(str_at(broken.json().at("reasons").as_array()[0], "code"), "pdf_broken");
  auto photo = portal_upload(s, wang, id, "public_services", accepted_jpeg());
  EXPECT_EQ(photo.status, 415);
  EXPECT_EQ(photo.error_code(), "pdf_required");
  EXPECT_EQ(pages_of_material(s, id, "public_services"), "0");
  // A PDF to a material photographed on paper is not a photo.
  EXPECT_EQ(portal_upload(s, wang, id, "charter", pdf).error_code(), "unsupported_media_type");
}

TEST(MaterialKinds, APortraitNeedsOneFaceOnAPlainLightBackground) {
  running_server s;
  auto me = s.login(std::nullopt, demo::person_only);
  auto id = start_id(s, me, "social_security_card_apply");
  auto busy = portal_upload(s, me, id, "photo", portrait_photo(false));
  ASSERT_EQ(busy.status, 422) << busy.body;
  EXPECT_NE(busy.body.find("\"background_not_plain\""), std::string::npos) << busy.body;
  auto paper = portal_upload(s, me, id, "photo", accepted_jpeg());
  ASSERT_EQ(paper.status, 422) << paper.body;
  EXPECT_EQ(str_at(paper.json().at("reasons").as_array()[0], "code"), "no_face");
  EXPECT_EQ(pages_of_material(s, id, "photo"), "0");
  auto good = portal_upload(s, me, id, "photo", portrait_photo(true));
  ASSERT_EQ(good.status, 201) << good.body;
  auto page = good.json().at("page").as_object();
  EXPECT_EQ(page.at("width").as_int64(), 413);  // 35 × 49 mm at 300 dpi
  EXPECT_EQ(page.at("height").as_int64(), 579);
  EXPECT_EQ(str_at(page, "content_type"), "image/jpeg");
}
