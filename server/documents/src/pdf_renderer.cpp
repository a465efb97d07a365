// An official document on A4 with libharu: the title, its number, a column of labelled fields,
// a ruled table, paragraphs, then the issuing office and date at the bottom right. The font is
// embedded (a subset), and text keeps its Unicode mapping, so the PDF can be searched and copied.
#include <hpdf.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "hallpass/qr/encode.hpp"
#include "hallpass/server/documents/official_document.hpp"

namespace hallpass::server::documents {

namespace {

constexpr float page_width = 595.28F, page_height = 841.89F;  // A4 in points
constexpr float margin = 64, bottom = 72;
constexpr float text_width = page_width - 2 * margin;
constexpr float body_size = 11, line_gap = 6;
constexpr float label_width = 132;

struct pdf_errors {
  HPDF_STATUS code = HPDF_OK;
  HPDF_STATUS detail = 0;
};

void on_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) {
  auto* e = static_cast<pdf_errors*>(user);
  if (e->code == HPDF_OK) e->code = code, e->detail = detail;  // the first error is the cause
}

struct doc_deleter {
  void operator()(HPDF_Doc d) const { HPDF_Free(d); }
};

// The byte length of the UTF-8 sequence that starts with `lead`.
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

class layout {
 public:
  layout(HPDF_Doc doc, HPDF_Font font) : doc_(doc), font_(font) { new_page(); }

  float width_of(const std::string& s, float size) const {
    if (s.empty()) return 0;
    auto w = HPDF_Font_TextWidth(font_, reinterpret_cast<const HPDF_BYTE*>(s.data()), HPDF_UINT(s.size()));
    return float(w.width) * size / 1000.0F;
  }

  // `text` cut into lines no wider than `width`: at any character (Chinese has no spaces),
  // keeping a Latin word whole where it fits on a line of its own, and at every '\n'.
  std::vector<std::string> wrap(const std::string& text, float width, float size) const {
    std::vector<std::string> lines;
    std::string line;
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] == '\n') {
        lines.push_back(std::move(line));
        line.clear();
        ++i;
        continue;
      }
      std::size_t n = 1;
      if (std::isalnum(static_cast<unsigned char>(text[i]))) {
        while (i + n < text.size() && std::isalnum(static_cast<unsigned char>(text[i + n]))) ++n;
        if (width_of(text.substr(i, n), size) > width) n = 1;  // a word wider than a line is cut
      } else {
        n = std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i);
      }
      auto piece = text.substr(i, n);
      if (!line.empty() && width_of(line + piece, size) > width) {
        lines.push_back(std::move(line));
        line.clear();
        if (piece == " ") piece.clear();  // no space at the start of a line
      }
      line += piece;
      i += n;
    }
    if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
    return lines;
  }

  void text(float x, float y, const std::string& s, float size, float grey = 0) {
    if (s.empty()) return;
    HPDF_Page_SetGrayFill(page_, grey);
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, font_, size);
    HPDF_Page_TextOut(page_, x, y, s.c_str());
    HPDF_Page_EndText(page_);
  }

  void box(float x, float y, float w, float h) {
    HPDF_Page_SetGrayFill(page_, 0);
    HPDF_Page_Rectangle(page_, x, y, w, h);
    HPDF_Page_Fill(page_);
  }

  void rule(float x1, float y1, float x2, float y2, float width = 0.6F) {
    HPDF_Page_SetGrayStroke(page_, 0.35F);
    HPDF_Page_SetLineWidth(page_, width);
    HPDF_Page_MoveTo(page_, x1, y1);
    HPDF_Page_LineTo(page_, x2, y2);
    HPDF_Page_Stroke(page_);
  }

  // Room for `height` more points on this page, or a new page.
  void need(float height) {
    if (y_ - height < bottom) new_page();
  }

  float y_ = 0;

 private:
  void new_page() {
    page_ = HPDF_AddPage(doc_);
    HPDF_Page_SetWidth(page_, page_width);
    HPDF_Page_SetHeight(page_, page_height);
    y_ = page_height - margin;
  }

  HPDF_Doc doc_;
  HPDF_Font font_;
  HPDF_Page page_ = nullptr;
};

HPDF_Date pdf_date(const std::string& rfc3339) {
  HPDF_Date d{};
  if (rfc3339.size() >= 19) {
    auto num = [&](std::size_t at, std::size_t len) { return std::stoi(rfc3339.substr(at, len)); };
    d.year = num(0, 4), d.month = num(5, 2), d.day = num(8, 2);
    d.hour = num(11, 2), d.minutes = num(14, 2), d.seconds = num(17, 2);
  } else {
    d.year = 2000, d.month = 1, d.day = 1;
  }
  d.ind = 'Z';
  return d;
}

void draw_fields(layout& l, const std::vector<document_field>& fields) {
  for (auto& f : fields) {
    auto lines = l.wrap(f.value, text_width - label_width, body_size);
    l.need(float(lines.size()) * (body_size + line_gap));
    l.text(margin, l.y_ - body_size, f.label, body_size, 0.3F);
    for (auto& line : lines) {
      l.y_ -= body_size;
      l.text(margin + label_width, l.y_, line, body_size);
      l.y_ -= line_gap;
    }
    l.y_ -= 2;
  }
}

void draw_table(layout& l, const document_table& t) {
  const float pad = 5, size = 10.5F;
  std::vector<float> widths;
  for (double share : t.column_shares) widths.push_back(float(share) * text_width);
  auto draw_row = [&](const std::vector<std::string>& cells, float grey) {
    std::vector<std::vector<std::string>> wrapped;
    std::size_t rows = 1;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      wrapped.push_back(l.wrap(c < cells.size() ? cells[c] : "", widths[c] - 2 * pad, size));
      rows = std::max(rows, wrapped.back().size());
    }
    float height = float(rows) * (size + 4) + 2 * pad;
    l.need(height);
    float top = l.y_, x = margin;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      float y = top - pad;
      for (auto& line : wrapped[c]) {
        y -= size;
        l.text(x + pad, y, line, size, grey);
        y -= 4;
      }
      x += widths[c];
    }
    l.y_ = top - height;
    l.rule(margin, l.y_, margin + text_width, l.y_);
  };
  l.need(40);
  l.rule(margin, l.y_, margin + text_width, l.y_, 1.0F);
  draw_row(t.header, 0.3F);
  for (auto& row : t.rows) draw_row(row, 0);
  l.y_ -= 10;
}

// The QR code in the top-left corner as vector rectangles, one per horizontal run of dark
// modules, every edge on the 600 dpi dot grid (0.12 pt), with a caption under it.
void draw_seal(layout& l, const std::string& text) {
  auto symbol = qr::encode(text, qr::ec_level::medium);
  if (!symbol) throw std::runtime_error("the document's QR code cannot be encoded: " + symbol.error().detail);
  const float m = seal_module_pt, x0 = 24 + 4 * m;
  const int n = symbol->size();
  const float top = std::floor((page_height - 24 - 4 * m) / 0.12F) * 0.12F;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n;) {
      if (!symbol->dark(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < n && symbol->dark(x + run, y)) ++run;
      l.box(x0 + float(x) * m, top - float(y + 1) * m, float(run) * m, m);
      x += run;
    }
  }
  l.text(x0, top - float(n) * m - 4 * m - 2, "扫码验真 Scan to verify", 7, 0.35F);
}

}  // namespace

std::string printed_text(const official_document& doc) {
  std::string out = doc.title + "\n" + doc.title_en + "\n" + doc.reference + "\n";
  for (auto& f : doc.fields) out += f.label + "\t" + f.value + "\n";
  auto add_row = [&](const std::vector<std::string>& cells) {
    for (auto& c : cells) out += c + "\t";
    out += "\n";
  };
  if (doc.table) {
    add_row(doc.table->header);
    for (auto& row : doc.table->rows) add_row(row);
  }
  for (auto& p : doc.paragraphs) out += p + "\n";
  return out + doc.issuer + "\n" + doc.issued_on + "\n" + doc.footer + "\n";
}

std::string render_pdf(const official_document& doc, const std::string& font_path) {
  pdf_errors errors;
  std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, doc_deleter> pdf(HPDF_New(on_error, &errors));
  if (!pdf) throw std::runtime_error("cannot create a PDF document");
  auto check = [&](const char* what) {
    if (errors.code != HPDF_OK)
      throw std::runtime_error(std::string(what) + " failed (libharu error " + std::to_string(errors.code) + ", " +
                               std::to_string(errors.detail) + ")");
  };
  HPDF_SetCompressionMode(pdf.get(), HPDF_COMP_ALL);
  HPDF_UseUTFEncodings(pdf.get());
  HPDF_SetCurrentEncoder(pdf.get(), "UTF-8");
  const bool collection = font_path.size() > 4 && font_path.compare(font_path.size() - 4, 4, ".ttc") == 0;
  const char* font_name = collection ? HPDF_LoadTTFontFromFile2(pdf.get(), font_path.c_str(), 0, HPDF_TRUE)
                                     : HPDF_LoadTTFontFromFile(pdf.get(), font_path.c_str(), HPDF_TRUE);
  check("loading the font");
  HPDF_Font font = HPDF_GetFont(pdf.get(), font_name, "UTF-8");
  check("selecting the font");
  HPDF_SetInfoAttr(pdf.get(), HPDF_INFO_TITLE, doc.title.c_str());
  HPDF_SetInfoAttr(pdf.get(), HPDF_INFO_CREATOR, "HallPass");
  HPDF_SetInfoAttr(pdf.get(), HPDF_INFO_AUTHOR, doc.issuer.c_str());
  HPDF_SetInfoDateAttr(pdf.get(), HPDF_INFO_CREATION_DATE, pdf_date(doc.created_at));

  layout l(pdf.get(), font);
  if (!doc.seal_qr_text.empty()) draw_seal(l, doc.seal_qr_text);
  // Title, centred, with its English name and the reference line.
  const float title_size = 22;
  l.y_ -= title_size;
  l.text((page_width - l.width_of(doc.title, title_size)) / 2, l.y_, doc.title, title_size);
  l.y_ -= 18;
  l.text((page_width - l.width_of(doc.title_en, 10)) / 2, l.y_, doc.title_en, 10, 0.35F);
  l.y_ -= 22;
  if (!doc.reference.empty()) {
    l.text(margin + text_width - l.width_of(doc.reference, body_size), l.y_, doc.reference, body_size);
    l.y_ -= 10;
  }
  l.rule(margin, l.y_, margin + text_width, l.y_, 1.2F);
  l.y_ -= 14;

  draw_fields(l, doc.fields);
  l.y_ -= 6;
  if (doc.table) draw_table(l, *doc.table);
  for (auto& p : doc.paragraphs) {
    for (auto& line : l.wrap(p, text_width, body_size)) {
      l.need(body_size + line_gap);
      l.y_ -= body_size;
      l.text(margin, l.y_, line, body_size);
      l.y_ -= line_gap;
    }
    l.y_ -= 6;
  }
  // The issuer and the date, right-aligned.
  l.need(70);
  l.y_ -= 30;
  for (auto* s : {&doc.issuer, &doc.issued_on}) {
    l.text(margin + text_width - l.width_of(*s, 12), l.y_, *s, 12);
    l.y_ -= 20;
  }
  if (!doc.footer.empty()) {
    l.rule(margin, bottom - 14, margin + text_width, bottom - 14, 0.4F);
    l.text(margin, bottom - 26, l.wrap(doc.footer, text_width, 8).front(), 8, 0.4F);  // one line of small print
  }
  check("drawing");

  if (HPDF_SaveToStream(pdf.get()) != HPDF_OK) check("writing");
  HPDF_UINT32 size = HPDF_GetStreamSize(pdf.get());
  std::string out(size, '\0');
  HPDF_ResetStream(pdf.get());
  HPDF_ReadFromStream(pdf.get(), reinterpret_cast<HPDF_BYTE*>(out.data()), &size);
  out.resize(size);
  check("writing");
  return out;
}

}  // namespace hallpass::server::documents
