#pragma once
// The documents an application yields (PRODUCT.md §10): the 受理回执 once it is accepted, and
// the decision once there is one (准予 / 不予许可, or 不予受理). Built from what was recorded
// (the acceptance, the pages received by then, the decision event), so a document reads the
// same every time it is downloaded; rendered to PDF by documents/.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "hallpass/server/documents/official_document.hpp"
#include "hallpass/server/services/applications.hpp"
#include "hallpass/server/services/document_signing.hpp"
#include "hallpass/server/services/review.hpp"

namespace hallpass::server::services {

enum class document_kind { receipt, decision };
std::optional<document_kind> document_kind_from_string(std::string_view s);  // receipt, decision

struct pdf_file {
  std::string bytes;
  std::string filename, filename_zh;  // receipt-12.pdf, 受理回执-12.pdf
  documents::official_document content;  // what it says, its signed QR text included (a receipt printer's layout)
};

class application_documents {
 public:
  // font: the CJK TrueType font (documents::find_cjk_font); without one every document is
  // documents_unavailable. signer: signs each document's QR code (none: documents without one).
  application_documents(db::pool& db, applications& apps, review& review, std::optional<std::string> font,
                        document_signing* signer = nullptr);

  // The applicant's own application, or for staff one of their office's: the document, or
  // document_not_available when the application has not got that far.
  result<pdf_file> pdf(const caller& who, std::int64_t id, document_kind kind);
  // What the document says, for the PDF (and for tests).
  result<documents::official_document> content(const application_view& view, document_kind kind);
  // The signed code of that document: its type, the fields a person checks on paper, the hash.
  document_to_sign to_sign(const application_view& view, const documents::official_document& doc) const;

  const std::optional<std::string>& font() const { return font_; }
  document_signing* signing() const { return signer_; }

 private:
  db::pool& db_;
  applications& apps_;
  review& review_;
  std::optional<std::string> font_;
  document_signing* signer_;
  // Rendering takes a few hundred milliseconds, and a document does not change once it exists.
  std::mutex cache_mutex_;
  std::map<std::tuple<std::int64_t, document_kind, std::string>, pdf_file> cache_;
};

}  // namespace hallpass::server::services
