// The 受理回执 and the decision documents as PDF, over real HTTP and PostgreSQL. What a PDF says
// is read back with poppler's pdftotext, and its font with pdffonts, as a reader would see them.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <boost/json.hpp>

#include "app_client.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace json = boost::json;

namespace {

// Runs `command` with the PDF as its file argument (then `more`); its standard output.
std::string run_on_pdf(const std::string& command, const std::string& pdf, const std::string& more = "") {
  auto path = std::filesystem::temp_directory_path() /
              ("hallpass-doc-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()) + ".pdf");
  std::ofstream(path, std::ios::binary) << pdf;
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen((command + " '" + path.string() + "' " + more + " 2>/dev/null").c_str(), "r"),
                                          ::pclose);
  std::string out;
  char buf[4096];
  while (p && !std::feof(p.get())) out.append(buf, std::fread(buf, 1, sizeof buf, p.get()));
  std::filesystem::remove(path);
  return out;
}

// The text of a PDF, with all white space removed (lines wrap where the layout wants).
std::string pdf_text(const std::string& pdf) {
  std::string text;
  for (char c : run_on_pdf("pdftotext -enc UTF-8", pdf, "-"))
    if (!std::isspace(static_cast<unsigned char>(c))) text += c;
  return text;
}

http_reply document(const running_server& s, const std::string& session, const std::string& id, const char* kind) {
  return s.call_as(session, "GET", "/api/v1/applications/" + id + "/documents/" + kind);
}

}  // namespace

TEST(Documents, ReceiptAfterAcceptanceListsMaterialsAndTheToleratedOneWithItsDeadline) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang, /*tolerate_charter=*/true);
  auto clerk = staff_login(s, demo::clerk);

  // Before acceptance there is no receipt, for either side.
  EXPECT_EQ(document(s, wang, id, "receipt").error_code(), "document_not_available");
  EXPECT_EQ(document(s, wang, id, "receipt").status, 409);
  EXPECT_EQ(document(s, clerk, id, "receipt").error_code(), "document_not_available");

  auto accepted = act(s, clerk, id, {{"action", "accept"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  auto supply = str_at(accepted.json(), "supply_deadline");
  ASSERT_FALSE(supply.empty());

  auto r = document(s, wang, id, "receipt");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("content-type"), "application/pdf");
  EXPECT_NE(r.headers["content-disposition"].find("filename=\"receipt-" + id + ".pdf\""), std::string::npos);
  // 受理回执 in UTF-8, percent-encoded.
  EXPECT_NE(r.headers["content-disposition"].find("filename*=UTF-8''%E5%8F%97%E7%90%86%E5%9B%9E%E6%89%A7-" + id),
            std::string::npos);
  ASSERT_EQ(r.body.rfind("%PDF-", 0), 0u);

  auto text = pdf_text(r.body);
  EXPECT_NE(text.find("受理回执"), std::string::npos) << text;
  EXPECT_NE(text.find("申请编号" + id), std::string::npos) << text;
  EXPECT_NE(text.find("劳务派遣"), std::string::npos) << text;  // the service
  EXPECT_NE(text.find("常州示范劳务派遣有限公司"), std::string::npos) << text;
  EXPECT_NE(text.find("孙丽"), std::string::npos) << text;  // who accepted it
  EXPECT_NE(text.find("海城"), std::string::npos) << text;  // the office
  EXPECT_NE(text.find("已收取"), std::string::npos) << text;
  // The tolerated material with its supply deadline, in Chinese date form.
  auto deadline_zh = supply.substr(0, 4) + "年" + supply.substr(5, 2) + "月" + supply.substr(8, 2) + "日";
  EXPECT_NE(text.find("容缺，须于" + deadline_zh + "前补齐"), std::string::npos) << text;
  auto due = str_at(accepted.json(), "due_date");
  EXPECT_NE(text.find(due.substr(0, 4) + "年" + due.substr(5, 2) + "月" + due.substr(8, 2) + "日"), std::string::npos)
      << text;

  // The font is embedded (a subset) and maps back to Unicode.
  auto fonts = run_on_pdf("pdffonts", r.body);
  EXPECT_NE(fonts.find("yes yes yes"), std::string::npos) << fonts;

  // The office's staff get the same document; it reads the same on every download.
  auto again = document(s, clerk, id, "receipt");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, r.body);
  // No decision yet.
  EXPECT_EQ(document(s, wang, id, "decision").error_code(), "document_not_available");
}

TEST(Documents, DecisionCarriesTheTextAndTheLicenceNumberOrTheRemedies) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto clerk = staff_login(s, demo::clerk);
  auto reviewer = staff_login(s, demo::reviewer);

  auto approved = submitted(s, wang);
  ASSERT_EQ(act(s, clerk, approved, {{"action", "accept"}}).status, 200);
  auto a = act(s, reviewer, approved,
               {{"action", "approve"}, {"comment", "经审查，符合劳务派遣经营许可条件，准予许可。"},
                {"licence_number", "320412-LW-2026-0099"}});
  ASSERT_EQ(a.status, 200) << a.body;
  auto r = document(s, wang, approved, "decision");
  ASSERT_EQ(r.status, 200) << r.body;
  auto text = pdf_text(r.body);
  EXPECT_NE(text.find("准予行政许可决定书"), std::string::npos) << text;
  EXPECT_NE(text.find("符合劳务派遣经营许可条件"), std::string::npos) << text;
  EXPECT_NE(text.find("320412-LW-2026-0099"), std::string::npos) << text;

  auto rejected = submitted(s, wang);
  ASSERT_EQ(act(s, clerk, rejected, {{"action", "accept"}}).status, 200);
  ASSERT_EQ(act(s, reviewer, rejected, {{"action", "reject"}, {"comment", "经营场所证明与实际不符。"}}).status, 200);
  text = pdf_text(document(s, wang, rejected, "decision").body);
  EXPECT_NE(text.find("不予行政许可决定书"), std::string::npos) << text;
  EXPECT_NE(text.find("经营场所证明与实际不符"), std::string::npos) << text;
  EXPECT_NE(text.find("行政复议"), std::string::npos) << text;

  auto refused = submitted(s, wang);
  ASSERT_EQ(act(s, clerk, refused, {{"action", "refuse"}, {"comment", "不属于本部门职权范围。"}}).status, 200);
  text = pdf_text(document(s, wang, refused, "decision").body);
  EXPECT_NE(text.find("不予受理通知书"), std::string::npos) << text;
  EXPECT_NE(text.find("不属于本部门职权范围"), std::string::npos) << text;
  // Refused before acceptance: there never was a receipt.
  EXPECT_EQ(document(s, wang, refused, "receipt").error_code(), "document_not_available");
}

TEST(Documents, OthersGetNothing) {
  running_server s;
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  auto clerk = staff_login(s, demo::clerk);
  ASSERT_EQ(act(s, clerk, id, {{"action", "accept"}}).status, 200);

  // Another unit's people, another office's staff, and nobody at all.
  auto zhao = s.login(demo::unit_b, demo::legal_rep_b);
  EXPECT_EQ(document(s, zhao, id, "receipt").status, 404);
  auto other_office = staff_login(s, demo::clerk, "zhonglou_hrss");
  EXPECT_EQ(document(s, other_office, id, "receipt").status, 404) << document(s, other_office, id, "receipt").body;
  EXPECT_EQ(s.call("GET", "/api/v1/applications/" + id + "/documents/receipt").status, 401);
  // Only these two documents exist.
  EXPECT_EQ(document(s, wang, id, "licence").status, 404);
}
