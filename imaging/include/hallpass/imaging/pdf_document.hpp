// hallpass::imaging — a PDF document uploaded as a material: checked, counted, previewed.
// Same contract as imaging.hpp: value types, no exception leaves, reasons with code + zh + en.
#pragma once

#include <hallpass/imaging/imaging.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hallpass::imaging {

struct pdf_limits {
  std::size_t max_bytes = 20 * 1024 * 1024;  // refused before parsing
  int max_pages = 50;
  double max_seconds = 10;  // to open the document and draw page 1; longer → pdf_too_complex
};

// code ∈ unsupported_type, pdf_too_large, pdf_broken, pdf_encrypted, pdf_too_many_pages,
//        pdf_too_complex, internal_error
struct pdf_document {
  bool accepted = false;
  std::vector<reason> reasons;             // empty iff accepted
  int pages = 0;                           // known once the document could be opened
  double page_width_mm = 0, page_height_mm = 0;  // page 1 as displayed (its /Rotate applied)
  std::string thumbnail_jpeg;              // page 1, ≤ 320 px long side
};

// Opens the document with poppler, refuses it when it is not a PDF, too large, damaged or
// truncated, encrypted (with or without a user password), has too many pages or a page 1 of an
// absurd size; otherwise renders page 1 to a thumbnail. Poppler runs in a child process (fork)
// killed after `max_seconds` (a crash there is a pdf_broken answer); its messages are silenced.
pdf_document inspect_pdf(std::span<const std::uint8_t> bytes, const pdf_limits& limits = {});

}  // namespace hallpass::imaging
