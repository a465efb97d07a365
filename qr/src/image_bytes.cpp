// Encoded image bytes -> 8-bit grey pixels (OpenCV, kept out of the public headers) -> decode.
#include "hallpass/qr/decode.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <exception>

namespace hallpass::qr {
namespace {

// Alpha is composed over white: a transparent background must read as light, not black.
cv::Mat over_white(const cv::Mat& bgra)
{
    cv::Mat gray;
    cv::cvtColor(bgra, gray, cv::COLOR_BGRA2GRAY);
    for (int y = 0; y < gray.rows; ++y) {
        std::uint8_t* g = gray.ptr<std::uint8_t>(y);
        const cv::Vec4b* p = bgra.ptr<cv::Vec4b>(y);
        for (int x = 0; x < gray.cols; ++x) {
            const int a = p[x][3];
            g[x] = static_cast<std::uint8_t>((g[x] * a + 255 * (255 - a) + 127) / 255);
        }
    }
    return gray;
}

// Any decoded image -> CV_8UC1, or an empty Mat if the layout is not one OpenCV produces.
cv::Mat to_gray8(cv::Mat img)
{
    if (img.depth() == CV_16U)
        img.convertTo(img, CV_8U, 1.0 / 257.0);
    else if (img.depth() != CV_8U)
        img.convertTo(img, CV_8U); // float images (EXR/HDR) saturate; they do not carry QR codes in practice
    switch (img.channels()) {
    case 1: return img;
    case 3: {
        cv::Mat gray;
        cv::cvtColor(img, gray, cv::COLOR_BGR2GRAY);
        return gray;
    }
    case 4: return over_white(img);
    default: return {};
    }
}

result<cv::Mat> load(std::span<const std::uint8_t> bytes)
{
    if (bytes.empty())
        return make_error(errc::image_unreadable, "no bytes");
    if (bytes.size() > max_image_bytes)
        return make_error(errc::image_too_large, std::to_string(bytes.size()) + " bytes");
    // imdecode only reads the buffer; the Mat header needs a non-const pointer.
    const cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<std::uint8_t*>(bytes.data()));
    cv::Mat img = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
    if (img.empty())
        return make_error(errc::image_unreadable);
    if (static_cast<long long>(img.cols) * img.rows > max_image_pixels)
        return make_error(errc::image_too_large, std::to_string(img.cols) + "x" + std::to_string(img.rows));
    cv::Mat gray = to_gray8(std::move(img));
    if (gray.empty())
        return make_error(errc::image_unreadable, "unsupported channel layout");
    return gray;
}

gray_view view_of(const cv::Mat& m)
{
    return {m.data, m.cols, m.rows, static_cast<int>(m.step)};
}

} // namespace

result<decoded> decode_image_bytes(std::span<const std::uint8_t> bytes, const decode_options& opt)
{
    try {
        auto img = load(bytes);
        if (!img)
            return img.error();
        return decode(view_of(*img), opt);
    } catch (const cv::Exception& e) {
        // OpenCV reports corrupt files it half-read by throwing.
        return make_error(errc::image_unreadable, e.what());
    } catch (const std::exception& e) {
        return make_error(errc::internal, e.what());
    }
}

result<std::vector<decoded>> decode_all_image_bytes(std::span<const std::uint8_t> bytes, const decode_options& opt)
{
    try {
        auto img = load(bytes);
        if (!img)
            return img.error();
        return decode_all(view_of(*img), opt);
    } catch (const cv::Exception& e) {
        return make_error(errc::image_unreadable, e.what());
    } catch (const std::exception& e) {
        return make_error(errc::internal, e.what());
    }
}

} // namespace hallpass::qr
