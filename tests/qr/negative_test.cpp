// Bad input: nothing found is a value, never a crash or an exception.
#include "hallpass/qr/decode.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/qr/render.hpp"
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <random>

namespace hallpass::qr {
namespace {

void expect_nothing_found(const cv::Mat& img)
{
    const auto d = decode(test::view_of(img));
    ASSERT_FALSE(d.has_value()) << "unexpected text: " << d->text;
    EXPECT_EQ(d.error().code, errc::not_found);
    EXPECT_EQ(code_name(d.error().code), "qr_not_found");
    const auto all = decode_all(test::view_of(img));
    ASSERT_TRUE(all.has_value());
    EXPECT_TRUE(all->empty());
}

TEST(DecodeNegative, BlankImages)
{
    expect_nothing_found(cv::Mat(480, 640, CV_8UC1, cv::Scalar(255)));
    expect_nothing_found(cv::Mat(480, 640, CV_8UC1, cv::Scalar(0)));
    expect_nothing_found(cv::Mat(1, 1, CV_8UC1, cv::Scalar(128)));
}

TEST(DecodeNegative, RandomNoise)
{
    std::mt19937 rng(20261125);
    for (int size : {64, 480, 1000}) {
        cv::Mat noise(size, size, CV_8UC1);
        for (int y = 0; y < noise.rows; ++y)
            for (int x = 0; x < noise.cols; ++x)
                noise.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(rng() & 0xff);
        expect_nothing_found(noise);
        cv::Mat blocks; // coarse black/white noise looks much more like modules
        cv::resize(noise(cv::Rect(0, 0, size / 8, size / 8)), blocks, {size, size}, 0, 0, cv::INTER_NEAREST);
        cv::threshold(blocks, blocks, 127, 255, cv::THRESH_BINARY);
        expect_nothing_found(blocks);
    }
}

TEST(DecodeNegative, SceneWithoutQrCode)
{
    cv::Mat scene(600, 800, CV_8UC1, cv::Scalar(235));
    cv::rectangle(scene, {40, 40}, {300, 200}, cv::Scalar(20), cv::FILLED);
    cv::rectangle(scene, {60, 60}, {120, 120}, cv::Scalar(240), cv::FILLED);
    cv::circle(scene, {500, 300}, 120, cv::Scalar(60), 8);
    for (int i = 0; i < 12; ++i)
        cv::putText(scene, "HallPass receipt line " + std::to_string(i), {350, 60 + i * 40},
                    cv::FONT_HERSHEY_SIMPLEX, 0.8, cv::Scalar(10), 2);
    for (int y = 0; y < 8; ++y) // a checkerboard: finder-like contrast, no symbol
        for (int x = 0; x < 8; ++x)
            if ((x + y) % 2)
                cv::rectangle(scene, {40 + x * 30, 300 + y * 30}, {69 + x * 30, 329 + y * 30}, cv::Scalar(0), cv::FILLED);
    expect_nothing_found(scene);
}

TEST(DecodeNegative, RealDocumentPhotoWithoutQrCode)
{
    const auto path = test::testdata_dir() / "photos" / "dynamsoft" / "inner-table.jpg";
    const auto bytes = test::read_bytes(path);
    ASSERT_FALSE(bytes.empty()) << path;
    const auto d = decode_image_bytes(bytes);
    ASSERT_FALSE(d.has_value());
    EXPECT_EQ(d.error().code, errc::not_found);
}

TEST(DecodeNegative, InvalidViews)
{
    const std::uint8_t px[16] = {};
    for (const gray_view& bad : {gray_view{nullptr, 4, 4, 4}, gray_view{px, 0, 4, 4}, gray_view{px, 4, -1, 4},
                                 gray_view{px, 4, 4, 3}}) {
        const auto d = decode(bad);
        ASSERT_FALSE(d.has_value());
        EXPECT_EQ(d.error().code, errc::invalid_image);
        EXPECT_FALSE(decode_all(bad).has_value());
    }
    const auto none = decode_sequence({});
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, errc::invalid_image);
}

TEST(DecodeNegative, BytesThatAreNotAnImage)
{
    const std::vector<std::uint8_t> empty;
    EXPECT_EQ(decode_image_bytes(empty).error().code, errc::image_unreadable);
    const std::string text = "%PDF-1.7 this is not an image";
    const std::vector<std::uint8_t> pdf(text.begin(), text.end());
    EXPECT_EQ(decode_image_bytes(pdf).error().code, errc::image_unreadable);
    EXPECT_EQ(decode_all_image_bytes(pdf).error().code, errc::image_unreadable);
}

TEST(DecodeNegative, TruncatedPngNeverCrashes)
{
    const auto png = render_png(*encode("https://hall.example.gov.cn/l/q3Zk8Rw1XbT0yPq-ZpLc_A"), {.module_px = 4});
    ASSERT_TRUE(png.has_value());
    for (std::size_t keep : {std::size_t{8}, std::size_t{40}, png->size() / 2, png->size() - 12}) {
        const std::vector<std::uint8_t> cut(png->begin(), png->begin() + static_cast<std::ptrdiff_t>(keep));
        const auto d = decode_image_bytes(cut);
        // A decoder may recover a partial image; it must not return a wrong text.
        if (d.has_value())
            EXPECT_EQ(d->text, "https://hall.example.gov.cn/l/q3Zk8Rw1XbT0yPq-ZpLc_A");
        else
            EXPECT_TRUE(d.error().code == errc::image_unreadable || d.error().code == errc::not_found)
                << code_name(d.error().code);
    }
}

TEST(DecodeBytes, TransparentBackgroundReadsAsLight)
{
    const std::string text = "https://hall.example.gov.cn/u/Vb7_Kq2LmXo9TzRcWp4YhN1sAe6D0fGu";
    const auto img = rasterise(*encode(text), {.module_px = 4});
    ASSERT_TRUE(img.has_value());
    // Black modules, fully transparent black background: grey conversion alone gives all black.
    cv::Mat bgra(img->height, img->width, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    for (int y = 0; y < img->height; ++y)
        for (int x = 0; x < img->width; ++x)
            if (img->pixels[static_cast<std::size_t>(y) * img->width + x] == 0)
                bgra.at<cv::Vec4b>(y, x) = {0, 0, 0, 255};
    std::vector<std::uint8_t> png;
    ASSERT_TRUE(cv::imencode(".png", bgra, png));
    const auto d = decode_image_bytes(png);
    ASSERT_TRUE(d.has_value()) << code_name(d.error().code);
    EXPECT_EQ(d->text, text);
}

TEST(DecodeBytes, ColourJpegScreenshot)
{
    const std::string text = "https://hall.example.gov.cn/l/q3Zk8Rw1XbT0yPq-ZpLc_A";
    const auto img = rasterise(*encode(text), {.module_px = 5});
    ASSERT_TRUE(img.has_value());
    const cv::Mat gray(img->height, img->width, CV_8UC1, const_cast<std::uint8_t*>(img->pixels.data()));
    cv::Mat page(gray.rows + 200, gray.cols + 300, CV_8UC3, cv::Scalar(250, 240, 230));
    cv::Mat colour;
    cv::cvtColor(gray, colour, cv::COLOR_GRAY2BGR);
    colour.copyTo(page(cv::Rect(150, 100, gray.cols, gray.rows)));
    std::vector<std::uint8_t> jpeg;
    ASSERT_TRUE(cv::imencode(".jpg", page, jpeg, {cv::IMWRITE_JPEG_QUALITY, 70}));
    const auto d = decode_image_bytes(jpeg);
    ASSERT_TRUE(d.has_value()) << code_name(d.error().code);
    EXPECT_EQ(d->text, text);
    EXPECT_NEAR(d->corners[0].x, 150 + min_quiet_zone * 5, 5);
}

} // namespace
} // namespace hallpass::qr
