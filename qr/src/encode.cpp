// Encoder: ZXing-cpp's MultiFormatWriter, chosen over libqrencode by measurement
// (bench/qr/qr_versions, 1000 random tokens per sample). ZXing never needs a larger version
// than libqrencode: at L/M/Q/H it gives 3/4/5/6 for our 52-character URLs (128-bit token),
// 4/4/6/7 for 62 characters (192-bit) and 9/10/12/15 for a 200-character signed URL, while
// libqrencode's mixed mode needs one version more for some texts (62 chars: 5 at M; 200:
// 13 at Q) and its 8-bit mode loses on upper-case alphanumeric text. ZXing also decodes.
#define ZX_USE_UTF8 1

#include "hallpass/qr/encode.hpp"

#include <ZXing/BitMatrix.h>
#include <ZXing/CharacterSet.h>
#include <ZXing/MultiFormatWriter.h>

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>

namespace hallpass::qr {
namespace {

// MultiFormatWriter maps its 0..8 scale onto QR levels as (n - 1) / 2.
int zxing_ecc(ec_level level) noexcept
{
    switch (level) {
    case ec_level::low: return 2;
    case ec_level::medium: return 4;
    case ec_level::quartile: return 6;
    case ec_level::high: return 8;
    }
    return 4;
}

bool is_ascii(std::string_view text) noexcept
{
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::string_view text) noexcept
{
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
        const unsigned c = *p;
        int extra = 0;
        unsigned min = 0;
        unsigned cp = 0;
        if (c < 0x80) {
            ++p;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += extra + 1;
    }
    return true;
}

} // namespace

std::string_view ec_level_name(ec_level level) noexcept
{
    switch (level) {
    case ec_level::low: return "L";
    case ec_level::medium: return "M";
    case ec_level::quartile: return "Q";
    case ec_level::high: return "H";
    }
    return "M";
}

result<module_matrix> encode(std::string_view text, ec_level level)
{
    if (text.empty())
        return make_error(errc::empty_text);
    if (!is_utf8(text))
        return make_error(errc::invalid_text);
    try {
        ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
        writer.setMargin(0).setEccLevel(zxing_ecc(level));
        // ASCII is the same in the default ISO-8859-1, which needs no ECI header (smaller symbol).
        if (!is_ascii(text))
            writer.setEncoding(ZXing::CharacterSet::UTF8);
        // Size 0 x 0 with margin 0 yields exactly one pixel per module.
        const ZXing::BitMatrix bits = writer.encode(std::string(text), 0, 0);
        const int size = bits.width();
        if (size < 21 || size > 177 || (size - 17) % 4 != 0 || bits.height() != size)
            return make_error(errc::internal, "unexpected symbol size " + std::to_string(size));
        std::vector<std::uint8_t> modules(static_cast<std::size_t>(size) * size);
        for (int y = 0; y < size; ++y)
            for (int x = 0; x < size; ++x)
                modules[static_cast<std::size_t>(y) * size + x] = bits.get(x, y) ? 1 : 0;
        return module_matrix(size, level, std::move(modules));
    } catch (const std::invalid_argument& e) {
        // ZXing reports both capacity overflow and bad input this way; only the former is expected.
        const std::string what = e.what();
        if (what.find("too big") != std::string::npos || what.find("too long") != std::string::npos)
            return make_error(errc::text_too_long, what);
        return make_error(errc::internal, what);
    } catch (const std::exception& e) {
        return make_error(errc::internal, e.what());
    }
}

} // namespace hallpass::qr
