// ESC/POS receipt encoding. Command bytes follow the Epson ESC/POS reference; the 58 and 80 mm
// printers sold in China implement the same subset, with GB18030 text in Chinese mode.
#include "hallpass/kiosk/escpos.hpp"

#include "hallpass/qr/encode.hpp"

#include <iconv.h>

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <string_view>

namespace hallpass::kiosk {

namespace {

// Bytes of the commands used below.
constexpr unsigned char ESC = 0x1b, GS = 0x1d, FS = 0x1c, DLE = 0x10, EOT = 0x04, LF = 0x0a;

constexpr int quiet_zone_modules = 4;  // ISO/IEC 18004 minimum
constexpr int max_dots_per_module = 8;  // larger only wastes paper
constexpr int min_dots_per_module = 3;  // below this, phone cameras misread the printed code

void put(std::string& out, std::initializer_list<int> bytes) {
  for (int b : bytes) out += static_cast<char>(static_cast<unsigned char>(b));
}

// UTF-8 -> GB18030 with glibc's iconv. GB18030 maps every Unicode character, so only text that is
// not UTF-8 fails here; a printer's font may still lack a rare character (it prints a blank).
std::string to_gb18030(std::string_view utf8) {
  iconv_t cd = ::iconv_open("GB18030", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv has no GB18030 converter");
  std::string out(utf8.size() * 4, '\0');  // GB18030 needs at most 4 bytes for one UTF-8 byte or more
  char* in = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* to = out.data();
  std::size_t out_left = out.size();
  const bool failed = ::iconv(cd, &in, &in_left, &to, &out_left) == static_cast<std::size_t>(-1);
  ::iconv_close(cd);
  if (failed)
    throw std::invalid_argument("回执文字无法转换为 GB18030 / receipt text cannot be encoded as GB18030: " +
                                std::string(utf8));
  out.resize(out.size() - out_left);
  return out;
}

// Length of the GB18030 character at s[i]: 1 (ASCII), 2, or 4 (second byte a digit).
std::size_t gb_char_length(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return 1;
  if (i + 1 < s.size() && s[i + 1] >= 0x30 && s[i + 1] <= 0x39) return 4;
  return 2;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Splits one paragraph (GB18030) into printed lines of at most `columns`. In Chinese mode a
// printer draws every single byte with the 12-dot font and every multibyte character with the
// 24-dot font, so widths are counted in the printer's encoding: 1 column per byte character,
// 2 per multibyte one. A Latin word that would be cut moves whole to the next line; Chinese
// text breaks between any two characters. Spaces at a break are dropped.
std::vector<std::string> wrap(std::string_view text, int columns) {
  std::vector<std::string> lines;
  std::string line;
  int width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = gb_char_length(text, i);
    const std::string_view ch = text.substr(i, length);
    const int ch_width = length == 1 ? 1 : 2;
    i += length;
    if (width > 0 && width + ch_width > columns) {
      std::string carry;
      if (ch != " " && length == 1) {
        const auto space = line.rfind(' ');
        if (space != std::string::npos && space > 0 && is_ascii(std::string_view(line).substr(space + 1))) {
          carry = line.substr(space + 1);
          line.resize(space);
        }
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      lines.push_back(std::move(line));
      line = std::move(carry);
      width = static_cast<int>(line.size());
      if (ch == " ") continue;
    }
    line += ch;
    width += ch_width;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

void put_line(std::string& out, const receipt_line& l, const paper& p) {
  // Text pasted from elsewhere may carry CR LF and tabs; any other control byte in a name or
  // address would be taken as a command (a cut, a reset), so it is refused.
  std::string text;
  for (char c : l.text) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\r') continue;
    if (c == '\t') c = ' ';
    else if ((b < 0x20 && c != '\n') || b == 0x7f)
      throw std::invalid_argument("回执文字含控制字符 / receipt text contains a control character");
    text += c;
  }
  const int align = l.align == receipt_line::align::center ? 1 : l.align == receipt_line::align::right ? 2 : 0;
  const int columns = l.large ? p.chars_per_line / 2 : p.chars_per_line;
  std::string_view rest = text;
  while (true) {
    const auto newline = rest.find('\n');
    for (const auto& printed : wrap(to_gb18030(rest.substr(0, newline)), columns)) {
      put(out, {ESC, 'a', align});                         // ESC a n  1B 61 n: 0 left, 1 centre, 2 right (at a line start)
      put(out, {ESC, 'E', l.bold ? 1 : 0});                 // ESC E n  1B 45 n: emphasised (bold) on / off
      put(out, {GS, '!', l.large ? 0x11 : 0x00});           // GS ! n   1D 21 n: width x2 (0x10) and height x2 (0x01)
      out += printed;                                       // GB18030 text
      put(out, {LF});                                       // LF       0A: print the line and feed one line
    }
    if (newline == std::string_view::npos) break;
    rest.remove_prefix(newline + 1);
  }
}

// The code as one raster image: the symbol and its quiet zone, each module an n x n block of
// dots, the width rounded up to whole bytes with white split evenly on both sides.
void put_qr(std::string& out, std::string_view text, const paper& p) {
  const auto symbol = qr::encode(text, qr::ec_level::medium);
  if (!symbol)
    throw std::invalid_argument("二维码无法生成 / the QR code cannot be made: " + symbol.error().message_en);
  const int n = qr_dots_per_module(symbol->size(), p);
  if (n == 0)
    throw std::invalid_argument("二维码内容过长，纸宽不够 / the QR text is too long for the paper width");
  const int side = (symbol->size() + 2 * quiet_zone_modules) * n;  // dots, quiet zone included
  const int width_bytes = (side + 7) / 8;
  const int left = (width_bytes * 8 - side) / 2;
  auto dark = [&](int x, int y) {
    if (x < 0 || x >= side) return false;
    const int mx = x / n - quiet_zone_modules, my = y / n - quiet_zone_modules;
    return mx >= 0 && my >= 0 && mx < symbol->size() && my < symbol->size() && symbol->dark(mx, my);
  };
  put(out, {ESC, 'a', 1});  // ESC a 1  1B 61 01: centre the image
  // GS v 0 m xL xH yL yH d1..dk  1D 76 30 m ...: raster bit image, m = 0 (one dot per bit),
  // width xL + xH*256 in bytes, height yL + yH*256 in dots, rows top to bottom, MSB = leftmost
  // dot, 1 = black.
  put(out, {GS, 'v', '0', 0, width_bytes & 0xff, width_bytes >> 8, side & 0xff, side >> 8});
  for (int y = 0; y < side; ++y) {
    for (int xb = 0; xb < width_bytes; ++xb) {
      unsigned char byte = 0;
      for (int bit = 0; bit < 8; ++bit)
        if (dark(xb * 8 + bit - left, y)) byte |= static_cast<unsigned char>(0x80 >> bit);
      out += static_cast<char>(byte);
    }
  }
}

}  // namespace

paper paper_of_width_mm(int millimetres) {
  if (millimetres == 58) return paper_58mm;
  if (millimetres == 80) return paper_80mm;
  throw std::invalid_argument("只支持 58 或 80 毫米纸卷 / only 58 or 80 mm rolls are supported, not " +
                              std::to_string(millimetres));
}

int qr_dots_per_module(int modules, const paper& p) {
  if (modules <= 0) return 0;
  const int usable = p.dots_per_line / 8 * 8;  // GS v 0 widths are whole bytes
  const int n = std::min(max_dots_per_module, usable / (modules + 2 * quiet_zone_modules));
  return n >= min_dots_per_module ? n : 0;
}

std::string escpos_receipt(const receipt& r, const paper& p) {
  if (p.dots_per_line < 8 || p.chars_per_line < 2)
    throw std::invalid_argument("纸宽无效 / the paper width is not valid");
  std::string out;
  put(out, {ESC, '@'});  // ESC @  1B 40: initialise (clears modes left by an earlier job)
  put(out, {FS, '&'});   // FS &   1C 26: Chinese mode, multibyte GB18030 characters
  for (const auto& l : r.lines_before_qr) put_line(out, l, p);
  if (!r.qr_text.empty()) put_qr(out, r.qr_text, p);
  for (const auto& l : r.lines_after_qr) put_line(out, l, p);
  put(out, {ESC, 'd', 3});      // ESC d n    1B 64 03: print and feed 3 lines (bottom margin)
  put(out, {GS, 'V', 66, 0});  // GS V 66 n  1D 56 42 00: feed to the cutter (+ n motion units), partial cut
  return out;
}

std::string escpos_status_query() {
  std::string out;
  put(out, {DLE, EOT, 4});  // DLE EOT 4  10 04 04: paper roll sensor status
  return out;
}

std::optional<printer_status> parse_paper_status(unsigned char byte) {
  if ((byte & 0x93) != 0x12) return std::nullopt;  // bits 1 and 4 set, bits 0 and 7 clear
  return printer_status{.paper_out = (byte & 0x60) != 0, .paper_near_end = (byte & 0x0c) != 0};
}

}  // namespace hallpass::kiosk
