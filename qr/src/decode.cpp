// Decoder: ZXing-cpp over our gray_view (the adapter is ImageView over the same pixels),
// with a cascade of cheap image variants when the first pass finds nothing.
#define ZX_USE_UTF8 1

#include "hallpass/qr/decode.hpp"

#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>
#include <ZXing/Result.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>

namespace hallpass::qr {
namespace {

int row_stride(const gray_view& v) noexcept { return v.stride == 0 ? v.width : v.stride; }

bool valid(const gray_view& v) noexcept
{
    return v.data != nullptr && v.width > 0 && v.height > 0 && row_stride(v) >= v.width
        && static_cast<long long>(v.width) * v.height <= max_image_pixels;
}

// One retry: how to derive the image, which binarizer to use, and up to which image side
// (pixels) it is worth its cost.
enum class transform { none, invert, blur, equalise, resize };

struct step {
    transform how = transform::none;
    double scale = 1.0;
    int interpolation = cv::INTER_LINEAR;
    ZXing::Binarizer binarizer = ZXing::Binarizer::LocalAverage;
    int max_side = 1 << 30;
    int min_side = 0;
};

// Roughly cheapest first. Each step reads photos of the zxing-cpp black-box set (at some
// rotation) that no other step reads: light-on-dark symbols (inverted), screen moire and
// halftone (half size), soft low-contrast prints (blur + global histogram), small soft
// symbols (enlarged; 3x only for thumbnails), unevenly lit prints (equalised).
constexpr step retries[] = {
    {transform::invert, 1.0, cv::INTER_LINEAR, ZXing::Binarizer::LocalAverage},
    {transform::resize, 0.5, cv::INTER_AREA, ZXing::Binarizer::LocalAverage, 1 << 30, 128},
    {transform::blur, 1.0, cv::INTER_LINEAR, ZXing::Binarizer::GlobalHistogram},
    {transform::resize, 1.5, cv::INTER_LINEAR, ZXing::Binarizer::LocalAverage, 1024},
    {transform::resize, 3.0, cv::INTER_CUBIC, ZXing::Binarizer::FixedThreshold, 400},
    {transform::equalise, 1.0, cv::INTER_LINEAR, ZXing::Binarizer::GlobalHistogram},
};

cv::Mat apply(const step& s, const cv::Mat& src)
{
    cv::Mat out;
    switch (s.how) {
    case transform::none: return src;
    case transform::invert: cv::bitwise_not(src, out); return out;
    case transform::blur: cv::GaussianBlur(src, out, {3, 3}, 0); return out;
    case transform::equalise: cv::createCLAHE(2.0, {8, 8})->apply(src, out); return out;
    case transform::resize: cv::resize(src, out, {}, s.scale, s.scale, s.interpolation); return out;
    }
    return src;
}

struct found {
    ZXing::Results results;
    double scale = 1.0;
};

// One decoder pass; only valid (error-free) results are kept.
ZXing::Results read_one(const cv::Mat& img, ZXing::Binarizer binarizer, int max_symbols)
{
    const ZXing::ImageView view(img.data, img.cols, img.rows, ZXing::ImageFormat::Lum, static_cast<int>(img.step));
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode)
        .setTryHarder(true)
        .setTryRotate(false) // QR detection is rotation invariant; rotation only helps linear codes
        // Never the "pure" mode: Debian's ZXing 1.4 is built with assertions on, and its pure
        // detector aborts the process (assert in EstimateModuleSize) on some images.
        .setIsPure(false)
        .setBinarizer(binarizer)
        .setMaxNumberOfSymbols(static_cast<std::uint8_t>(max_symbols));
    ZXing::Results all = ZXing::ReadBarcodes(view, hints);
    std::erase_if(all, [](const ZXing::Result& r) { return !r.isValid(); });
    return all;
}

// Runs the first pass and, if allowed and needed, the retries; returns the valid results
// of the first pass that has any.
found read(const gray_view& v, const decode_options& opt, int max_symbols)
{
    // cv::Mat needs a non-const pointer; the pixels are only read.
    const cv::Mat src(v.height, v.width, CV_8UC1, const_cast<std::uint8_t*>(v.data),
                      static_cast<std::size_t>(row_stride(v)));
    if (auto first = read_one(src, ZXing::Binarizer::LocalAverage, max_symbols); !first.empty() || !opt.try_harder)
        return {std::move(first), 1.0};
    const int longest = std::max(src.cols, src.rows);
    const int shortest = std::min(src.cols, src.rows);
    for (const auto& s : retries) {
        if (longest > s.max_side || shortest < s.min_side)
            continue;
        if (auto got = read_one(apply(s, src), s.binarizer, max_symbols); !got.empty())
            return {std::move(got), s.scale};
    }
    return {};
}

point to_point(const ZXing::PointI& p, double scale)
{
    return {static_cast<int>(std::lround(p.x / scale)), static_cast<int>(std::lround(p.y / scale))};
}

decoded to_decoded(const ZXing::Result& r, double scale)
{
    decoded d;
    d.text = r.text();
    d.bytes.assign(r.bytes().begin(), r.bytes().end());
    const auto& pos = r.position();
    for (std::size_t i = 0; i < 4; ++i)
        d.corners[i] = to_point(pos[i], scale);
    d.ec_level = r.ecLevel();
    d.sequence_index = r.sequenceIndex();
    d.sequence_size = r.sequenceSize();
    d.sequence_id = r.sequenceId();
    return d;
}

int clamp_symbols(int n) noexcept { return std::clamp(n, 1, 255); }

} // namespace

result<decoded> decode(gray_view image, const decode_options& opt)
{
    if (!valid(image))
        return make_error(errc::invalid_image);
    try {
        found f = read(image, opt, 1);
        if (f.results.empty())
            return make_error(errc::not_found);
        return to_decoded(f.results.front(), f.scale);
    } catch (const std::exception& e) {
        return make_error(errc::internal, e.what());
    }
}

result<std::vector<decoded>> decode_all(gray_view image, const decode_options& opt)
{
    if (!valid(image))
        return make_error(errc::invalid_image);
    try {
        found f = read(image, opt, clamp_symbols(opt.max_symbols));
        std::vector<decoded> out;
        out.reserve(f.results.size());
        for (const auto& r : f.results)
            out.push_back(to_decoded(r, f.scale));
        return out;
    } catch (const std::exception& e) {
        return make_error(errc::internal, e.what());
    }
}

result<decoded> decode_sequence(std::span<const gray_view> images, const decode_options& opt)
{
    if (images.empty() || !std::all_of(images.begin(), images.end(), valid))
        return make_error(errc::invalid_image);
    try {
        // Per sequence id: its declared size and one result per index (duplicates dropped).
        std::map<std::string, std::map<int, std::pair<ZXing::Result, double>>> by_id;
        std::map<std::string, int> size_of;
        bool any = false;
        for (const auto& v : images) {
            found f = read(v, opt, clamp_symbols(opt.max_symbols));
            for (auto& r : f.results) {
                any = true;
                if (!r.isPartOfSequence() || r.sequenceSize() <= 0)
                    continue;
                size_of[r.sequenceId()] = r.sequenceSize();
                by_id[r.sequenceId()].try_emplace(r.sequenceIndex(), r, f.scale);
            }
        }
        if (!any)
            return make_error(errc::not_found);
        for (const auto& [id, parts] : by_id) {
            const int n = size_of[id];
            if (static_cast<int>(parts.size()) != n || parts.begin()->first != 0 || parts.rbegin()->first != n - 1)
                continue;
            ZXing::Results ordered;
            for (const auto& [index, part] : parts)
                ordered.push_back(part.first);
            const ZXing::Result merged = ZXing::MergeStructuredAppendSequence(ordered);
            if (!merged.isValid())
                continue;
            decoded d = to_decoded(merged, 1.0);
            const auto& first = parts.begin()->second;
            d.corners = to_decoded(first.first, first.second).corners;
            d.sequence_index = -1;
            d.sequence_size = n;
            d.sequence_id = id;
            d.ec_level.clear();
            return d;
        }
        return make_error(errc::sequence_incomplete);
    } catch (const std::exception& e) {
        return make_error(errc::internal, e.what());
    }
}

} // namespace hallpass::qr
