// Multi-page PDF assembly with libharu; each image keeps its physical size.
#include <hallpass/imaging/imaging.hpp>

#include <hpdf.h>

#include <memory>

namespace hallpass::imaging {

namespace {

struct pdf_errors {
  HPDF_STATUS code = HPDF_OK;
  HPDF_STATUS detail = 0;
};

void on_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) {
  auto* e = static_cast<pdf_errors*>(user);
  if (e->code == HPDF_OK) e->code = code, e->detail = detail;  // first error is the cause
}

struct doc_deleter {
  void operator()(HPDF_Doc d) const { HPDF_Free(d); }
};

}  // namespace

pdf_result make_pdf(const std::vector<page_for_pdf>& pages, const std::string& title) {
  if (pages.empty()) return {std::nullopt, "no pages"};
  try {
    pdf_errors errors;
    std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, doc_deleter> doc(HPDF_New(on_error, &errors));
    if (!doc) return {std::nullopt, "cannot create PDF document"};
    HPDF_SetCompressionMode(doc.get(), HPDF_COMP_ALL);
    if (!title.empty()) HPDF_SetInfoAttr(doc.get(), HPDF_INFO_TITLE, title.c_str());
    HPDF_SetInfoAttr(doc.get(), HPDF_INFO_CREATOR, "HallPass");
    for (std::size_t i = 0; i < pages.size(); ++i) {
      const page_for_pdf& p = pages[i];
      if (p.bytes.empty() || p.dpi <= 0) return {std::nullopt, "page " + std::to_string(i + 1) + " is empty"};
      auto data = reinterpret_cast<const HPDF_BYTE*>(p.bytes.data());
      HPDF_Image image = p.format == "png" ? HPDF_LoadPngImageFromMem(doc.get(), data, HPDF_UINT(p.bytes.size()))
                                           : HPDF_LoadJpegImageFromMem(doc.get(), data, HPDF_UINT(p.bytes.size()));
      if (!image || errors.code != HPDF_OK)
        return {std::nullopt, "page " + std::to_string(i + 1) + " image rejected (libharu error " +
                                  std::to_string(errors.code) + ")"};
      double w = HPDF_Image_GetWidth(image) * 72.0 / p.dpi, h = HPDF_Image_GetHeight(image) * 72.0 / p.dpi;
      HPDF_Page page = HPDF_AddPage(doc.get());
      HPDF_Page_SetWidth(page, HPDF_REAL(w));
      HPDF_Page_SetHeight(page, HPDF_REAL(h));
      HPDF_Page_DrawImage(page, image, 0, 0, HPDF_REAL(w), HPDF_REAL(h));
    }
    if (HPDF_SaveToStream(doc.get()) != HPDF_OK || errors.code != HPDF_OK)
      return {std::nullopt, "cannot write PDF (libharu error " + std::to_string(errors.code) + ")"};
    HPDF_UINT32 size = HPDF_GetStreamSize(doc.get());
    std::string out(size, '\0');
    HPDF_UINT32 got = size;
    HPDF_ResetStream(doc.get());
    HPDF_ReadFromStream(doc.get(), reinterpret_cast<HPDF_BYTE*>(out.data()), &got);
    out.resize(got);
    return {std::move(out), {}};
  } catch (const std::exception& e) {
    return {std::nullopt, e.what()};
  }
}

}  // namespace hallpass::imaging
