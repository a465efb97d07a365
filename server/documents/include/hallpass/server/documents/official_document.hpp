#pragma once
// An official document of the hall as data, and its rendering to an A4 PDF.
#include <optional>
#include <string>
#include <vector>

namespace hallpass::server::documents {

struct document_field {
  std::string label, value;
};

struct document_table {
  std::vector<std::string> header;
  std::vector<double> column_shares;  // of the text width, one per column (summing to 1)
  std::vector<std::vector<std::string>> rows;
};

struct official_document {
  std::string title, title_en;  // 受理回执 / Acceptance receipt
  std::string reference;        // the number line under the title
  std::vector<document_field> fields;
  std::optional<document_table> table;
  std::vector<std::string> paragraphs;
  std::string issuer, issued_on;  // bottom right: the office, the date
  std::string footer;             // small print at the foot of the page
  std::string created_at;         // RFC 3339 UTC; the PDF's creation date (so one document renders alike)
};

// A TrueType CJK font for the documents: `configured` when given (it must exist), else the
// first of the usual Debian fonts that is installed (fonts-wqy-zenhei, fonts-wqy-microhei,
// fonts-arphic-uming). nullopt when none is there.
std::optional<std::string> find_cjk_font(const std::string& configured);

// Renders with the TrueType font at `font_path` (.ttf, or the first face of a .ttc). Text is
// UTF-8; long lines wrap at the width of their column, and the document flows onto more pages
// when it has to. Throws std::runtime_error when libharu fails.
std::string render_pdf(const official_document& doc, const std::string& font_path);

}  // namespace hallpass::server::documents
