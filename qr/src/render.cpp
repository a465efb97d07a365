#include "hallpass/qr/render.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <exception>
#include <string>

namespace hallpass::qr {
namespace {

constexpr int max_quiet_zone = 40;

bool valid(const module_matrix& m, const raster_options& opt) noexcept
{
    return m.size() > 0 && opt.module_px >= 1 && opt.module_px <= max_module_px
        && opt.quiet_zone >= min_quiet_zone && opt.quiet_zone <= max_quiet_zone;
}

} // namespace

int rendered_side(const module_matrix& m, const raster_options& opt) noexcept
{
    return (m.size() + 2 * opt.quiet_zone) * opt.module_px;
}

result<gray_image> rasterise(const module_matrix& m, const raster_options& opt)
{
    if (!valid(m, opt))
        return make_error(errc::invalid_options);
    gray_image img;
    img.width = img.height = rendered_side(m, opt);
    img.pixels.assign(static_cast<std::size_t>(img.width) * img.height, 255);
    const int px = opt.module_px;
    const int offset = opt.quiet_zone * px;
    for (int my = 0; my < m.size(); ++my) {
        // Paint one pixel row of this module row, then copy it px - 1 times.
        std::uint8_t* first = img.pixels.data() + static_cast<std::size_t>(offset + my * px) * img.width;
        for (int mx = 0; mx < m.size(); ++mx)
            if (m.dark(mx, my))
                std::fill_n(first + offset + mx * px, px, std::uint8_t{0});
        for (int r = 1; r < px; ++r)
            std::copy_n(first, img.width, first + static_cast<std::size_t>(r) * img.width);
    }
    return img;
}

result<std::vector<std::uint8_t>> render_png(const module_matrix& m, const raster_options& opt)
{
    auto img = rasterise(m, opt);
    if (!img)
        return img.error();
    try {
        const cv::Mat mat(img->height, img->width, CV_8UC1, img->pixels.data());
        std::vector<std::uint8_t> png;
        // Level 9: QR images compress extremely well and are generated once per code.
        if (!cv::imencode(".png", mat, png, {cv::IMWRITE_PNG_COMPRESSION, 9, cv::IMWRITE_PNG_BILEVEL, 0}))
            return make_error(errc::internal, "PNG encoder refused the image");
        return png;
    } catch (const std::exception& e) {
        return make_error(errc::internal, e.what());
    }
}

result<std::string> render_svg(const module_matrix& m, const raster_options& opt)
{
    if (!valid(m, opt))
        return make_error(errc::invalid_options);
    const int side = m.size() + 2 * opt.quiet_zone;
    const std::string s = std::to_string(side);
    const std::string px = std::to_string(side * opt.module_px);
    std::string svg;
    svg.reserve(static_cast<std::size_t>(m.size()) * m.size() * 4 + 400);
    svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " + s + " " + s
        + "\" width=\"" + px + "\" height=\"" + px + "\" shape-rendering=\"crispEdges\">\n";
    svg += "<rect x=\"0\" y=\"0\" width=\"" + s + "\" height=\"" + s + "\" fill=\"#ffffff\"/>\n";
    svg += "<path fill=\"#000000\" d=\"";
    // One closed rectangle per horizontal run keeps the path short and free of seams.
    for (int y = 0; y < m.size(); ++y) {
        int x = 0;
        while (x < m.size()) {
            if (!m.dark(x, y)) {
                ++x;
                continue;
            }
            int end = x;
            while (end < m.size() && m.dark(end, y))
                ++end;
            const std::string len = std::to_string(end - x);
            svg += 'M';
            svg += std::to_string(x + opt.quiet_zone);
            svg += ' ';
            svg += std::to_string(y + opt.quiet_zone);
            svg += 'h';
            svg += len;
            svg += "v1h-";
            svg += len;
            svg += 'z';
            x = end;
        }
    }
    svg += "\"/>\n</svg>\n";
    return svg;
}

} // namespace hallpass::qr
