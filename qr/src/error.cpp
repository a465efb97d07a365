#include "hallpass/qr/error.hpp"

namespace hallpass::qr {
namespace {

struct error_text {
    std::string_view code;
    std::string_view zh;
    std::string_view en;
};

error_text text_of(errc e) noexcept
{
    switch (e) {
    case errc::empty_text:
        return {"qr_empty_text", "二维码内容为空", "The QR code content is empty"};
    case errc::invalid_text:
        return {"qr_invalid_text", "二维码内容不是有效的 UTF-8 文本", "The QR code content is not valid UTF-8 text"};
    case errc::text_too_long:
        return {"qr_text_too_long", "内容过长，无法生成二维码", "The content is too long for a QR code"};
    case errc::invalid_options:
        return {"qr_invalid_options", "二维码绘制参数无效", "Invalid QR code rendering options"};
    case errc::invalid_image:
        return {"qr_invalid_image", "图像数据无效", "Invalid image data"};
    case errc::image_unreadable:
        return {"qr_image_unreadable", "无法读取图片，请上传 PNG 或 JPEG 图片",
                "The image cannot be read; use a PNG or JPEG image"};
    case errc::image_too_large:
        return {"qr_image_too_large", "图片过大", "The image is too large"};
    case errc::not_found:
        return {"qr_not_found", "未识别到二维码，请对准二维码后重试",
                "No QR code found; aim at the QR code and try again"};
    case errc::sequence_incomplete:
        return {"qr_sequence_incomplete", "组合二维码不完整，请扫描全部二维码",
                "The QR code sequence is incomplete; scan all of its codes"};
    case errc::internal:
        break;
    }
    return {"qr_internal", "二维码处理出现内部错误", "Internal error while processing the QR code"};
}

} // namespace

std::string_view code_name(errc e) noexcept { return text_of(e).code; }

error make_error(errc e, std::string detail)
{
    const auto t = text_of(e);
    return {e, std::string(t.zh), std::string(t.en), std::move(detail)};
}

} // namespace hallpass::qr
