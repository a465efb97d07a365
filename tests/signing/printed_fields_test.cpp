// compare_printed: the page's text against the signed fields, field by field.
#include <gtest/gtest.h>

#include "hallpass/signing/document_code.hpp"

namespace sg = hallpass::signing;

namespace {

sg::document_claims receipt() {
  sg::document_claims c;
  c.type = sg::document_type::receipt;
  c.reference = "12";
  c.holder = "常州示范****有限公司";
  c.issued_at = 1764590400;  // 2025-12-01T12:00:00Z = 2025年12月01日 20:00 in China
  c.valid_days = 30;
  return c;
}

// A receipt's text as pdftotext gives it, white space removed.
std::string page(const std::string& applicant, const std::string& number = "12", const std::string& accepted = "2025年12月01日20:00") {
  return "扫码验真Scantoverify受理回执Acceptancereceipt回执编号：labour_dispatch_licence_haicheng-12申请编号" + number +
         "申请事项劳务派遣经营许可申请人" + applicant + "提交时间2025年12月01日19:00受理时间" + accepted +
         "受理人孙丽受理部门海城市人力资源和社会保障局";
}

std::vector<std::string> fields(const std::vector<sg::field_difference>& d) {
  std::vector<std::string> out;
  for (auto& f : d) out.push_back(f.field);
  return out;
}

}  // namespace

TEST(PrintedFields, TheGenuinePageAgreesWithItsCode) {
  EXPECT_TRUE(sg::compare_printed(receipt(), page("常州示范劳务派遣有限公司（单位编号32000101）")).empty());
}

TEST(PrintedFields, EachChangedFieldIsNamedWithBothValues) {
  auto d = sg::compare_printed(receipt(), page("常州示范人力资源服务有限公司（单位编号32000102）"));
  EXPECT_TRUE(d.empty()) << "the mask cannot tell two names with the same ends apart";
  d = sg::compare_printed(receipt(), page("海城某某劳务有限公司（单位编号32000109）"));
  ASSERT_EQ(fields(d), std::vector<std::string>{"申请人"});
  EXPECT_EQ(d[0].printed, "海城某某劳务有限公司（单位编号32000109）");
  EXPECT_EQ(d[0].signed_value, "常州示范****有限公司");
  EXPECT_EQ(fields(sg::compare_printed(receipt(), page("常州示范劳务派遣有限公司", "13"))), std::vector<std::string>{"申请编号"});
  EXPECT_EQ(fields(sg::compare_printed(receipt(), page("常州示范劳务派遣有限公司", "12", "2025年12月02日20:00"))),
            std::vector<std::string>{"受理时间"});
  EXPECT_EQ(fields(sg::compare_printed(receipt(), "")), (std::vector<std::string>{"文书类型", "申请编号", "申请人", "受理时间"}));
}

TEST(PrintedFields, APersonsMaskedNameFitsOneHiddenCharacterPerStar) {
  auto c = receipt();
  c.holder = "王*";
  EXPECT_TRUE(sg::compare_printed(c, page("王*（3204**********0035）")).empty());
  EXPECT_EQ(fields(sg::compare_printed(c, page("李*（3204**********0035）"))), std::vector<std::string>{"申请人"});
  EXPECT_EQ(fields(sg::compare_printed(c, page("王（3204**********0035）"))), std::vector<std::string>{"申请人"});
}

TEST(PrintedFields, ADecisionIsComparedByItsTitleAndDecisionDate) {
  auto c = receipt();
  c.type = sg::document_type::approval;
  std::string decision = "准予行政许可决定书申请编号12申请人常州示范劳务派遣有限公司决定日期2025年12月01日";
  EXPECT_TRUE(sg::compare_printed(c, decision).empty());
  c.type = sg::document_type::rejection;
  EXPECT_EQ(fields(sg::compare_printed(c, decision)), std::vector<std::string>{"文书类型"});
  std::string refusal = "不予受理通知书申请编号12申请人常州示范劳务派遣有限公司决定日期2025年12月01日";
  EXPECT_TRUE(sg::compare_printed(c, refusal).empty());
}
