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
  // The anti-counterfeit QR code's text (the signed document URL), drawn in the top-left
  // corner; none when empty.
  std::string seal_qr_text;
};

// What the document says, as one canonical text: every printed part but the QR code, in order,
// one per line. Its hash is signed in the QR code, so a copy whose text was changed shows.
std::string printed_text(const official_document& doc);

// The QR code's module side: 1.44 pt = 0.508 mm, a whole number of dots at 300 dpi (6) and at
// 600 dpi (12). It is drawn at (24 pt, 24 pt) from the top-left corner, with 4 white modules around.
inline constexpr float seal_module_pt = 1.44F;

// A TrueType CJK font for the documents: `configured` when given (it must exist), else the
// first of the usual Debian fonts that is installed (fonts-wqy-zenhei, fonts-wqy-microhei,
// fonts-arphic-uming). nullopt when none is there.
std::optional<std::string> find_cjk_font(const std::string& configured);

// Renders with the TrueType font at `font_path` (.ttf, or the first face of a .ttc). Text is
// UTF-8; long lines wrap at the width of their column, and the document flows onto more pages
// when it has to. Throws std::runtime_error when libharu fails.
std::string render_pdf(const official_document& doc, const std::string& font_path);

}  // namespace hallpass::server::documents
