#pragma once
// ESC/POS encoding of a kiosk receipt (受理回执, 决定书 slip) for 58 mm and 80 mm thermal printers:
// Chinese text in GB18030, wrapped to the paper, and the signed QR code as a raster image at a
// whole number of printer dots per module. Pure encoding, no I/O: escpos_printer.hpp sends it.
#include <optional>
#include <string>
#include <vector>

namespace hallpass::kiosk {

struct receipt_line {
  enum class align { left, center, right };
  using alignment = align;  // the type's name where the member `align` hides it

  // UTF-8. '\n' (or CR LF) starts a new printed line and a tab prints as a space; any other
  // control character is refused.
  std::string text;
  alignment align = alignment::left;
  bool bold = false;
  bool large = false;  // double width and double height
};

struct receipt {
  std::vector<receipt_line> lines_before_qr;
  std::string qr_text;  // the signed document URL; empty: no QR code (a plain slip)
  std::vector<receipt_line> lines_after_qr;
};

// Printable width of a roll, for Font A (12 x 24 dots; a Chinese character 24 x 24).
struct paper {
  int dots_per_line;
  int chars_per_line;  // single-width columns; a Chinese character takes two
};
inline constexpr paper paper_58mm{384, 32};
inline constexpr paper paper_80mm{576, 48};

// The paper of a 58 or 80 mm roll. Throws std::invalid_argument for any other width.
paper paper_of_width_mm(int millimetres);

// Printer dots per QR module for a symbol of `modules` per side: the largest whole number such
// that the symbol and its 4-module quiet zone, rounded up to whole bytes, fit the line, at most 8.
// 0 when fewer than 3 dots per module fit (the code would be too small to scan reliably).
int qr_dots_per_module(int modules, const paper& p);

// The whole print job: initialise, Chinese mode, the lines before the code, the code centred,
// the lines after, feed and partial cut. Throws std::invalid_argument for text that is not
// UTF-8 or cannot be written in GB18030, a control character in a line, a QR text that cannot
// be encoded or does not fit the paper at 3 dots per module, or a paper narrower than 8 dots
// or 2 columns.
std::string escpos_receipt(const receipt& r, const paper& p);

// DLE EOT 4 (10 04 04): transmit the paper roll sensor status, one byte, in real time.
std::string escpos_status_query();

struct printer_status {
  bool paper_out = false;       // roll paper end sensor
  bool paper_near_end = false;  // roll paper near-end sensor
};
// The answer to DLE EOT 4. Bits 1 and 4 are always 1, bits 0 and 7 always 0: any other byte is
// not an answer to this query (nullopt). Bits 2-3 report near end and bits 5-6 paper end; a
// printer sets both bits of a pair, and either one is taken as set.
std::optional<printer_status> parse_paper_status(unsigned char byte);

}  // namespace hallpass::kiosk
