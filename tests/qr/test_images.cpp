#include "test_images.hpp"

#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <iterator>

namespace hallpass::qr::test {

std::filesystem::path testdata_dir() { return HALLPASS_TESTDATA_DIR; }

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

gray_view view_of(const cv::Mat& gray)
{
    return {gray.data, gray.cols, gray.rows, static_cast<int>(gray.step)};
}

cv::Mat rotated(const cv::Mat& gray, int degrees)
{
    cv::Mat out;
    switch (degrees) {
    case 90: cv::rotate(gray, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 180: cv::rotate(gray, out, cv::ROTATE_180); return out;
    case 270: cv::rotate(gray, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return gray.clone();
    }
}

cv::Mat decode_png_gray(const std::vector<std::uint8_t>& png)
{
    if (png.empty())
        return {};
    return cv::imdecode(png, cv::IMREAD_UNCHANGED);
}

} // namespace hallpass::qr::test
