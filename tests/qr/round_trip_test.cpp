#include "hallpass/qr/decode.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/qr/render.hpp"
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <string>
#include <tuple>

namespace hallpass::qr {
namespace {

std::string long_payload()
{
    std::string s;
    for (int i = 0; s.size() < 1200; ++i)
        s += "hallpass-" + std::to_string(i * 7919 % 10007) + ";";
    return s;
}

const std::string texts[] = {
    "https://hall.example.gov.cn/l/q3Zk8Rw1XbT0yPq-ZpLc_A",
    "https://hall.example.gov.cn/u/Vb7_Kq2LmXo9TzRcWp4YhN1sAe6D0fGu",
    "人社网上服务大厅：请上传营业执照（副本）",
    "申请编号 2026-00017 · 材料 3/5 · 张*",
    "A",
    "中",
    "0123456789",
    long_payload(),
};

class RoundTrip : public ::testing::TestWithParam<std::tuple<std::string, ec_level>> {};

TEST_P(RoundTrip, PngBytesDecodeToTheSameText)
{
    const auto& [text, level] = GetParam();
    const auto m = encode(text, level);
    ASSERT_TRUE(m.has_value()) << m.error().detail;
    const auto png = render_png(*m, {.module_px = 3});
    ASSERT_TRUE(png.has_value());
    const auto d = decode_image_bytes(*png);
    ASSERT_TRUE(d.has_value()) << code_name(d.error().code);
    EXPECT_EQ(d->text, text);
    EXPECT_EQ(std::string(d->bytes.begin(), d->bytes.end()), text); // stored as UTF-8 bytes
    EXPECT_EQ(d->ec_level, ec_level_name(level));
    EXPECT_EQ(d->sequence_index, -1);
    // The symbol's top-left corner lies at the end of the quiet zone.
    EXPECT_NEAR(d->corners[0].x, min_quiet_zone * 3, 3);
    EXPECT_NEAR(d->corners[0].y, min_quiet_zone * 3, 3);
}

TEST_P(RoundTrip, RasterDecodesFromAViewInOnePass)
{
    const auto& [text, level] = GetParam();
    const auto m = encode(text, level);
    ASSERT_TRUE(m.has_value());
    const auto img = rasterise(*m, {.module_px = 2});
    ASSERT_TRUE(img.has_value());
    const gray_view view{img->pixels.data(), img->width, img->height, img->width};
    const auto d = decode(view, {.try_harder = false});
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->text, text);
}

INSTANTIATE_TEST_SUITE_P(TextsAndLevels, RoundTrip,
                         ::testing::Combine(::testing::ValuesIn(texts),
                                            ::testing::Values(ec_level::low, ec_level::medium, ec_level::high)));

TEST(RoundTripGeometry, CornersFollowTheSymbolWhenRotated)
{
    const auto m = encode("https://hall.example.gov.cn/l/q3Zk8Rw1XbT0yPq-ZpLc_A");
    ASSERT_TRUE(m.has_value());
    const auto png = render_png(*m, {.module_px = 4});
    ASSERT_TRUE(png.has_value());
    const cv::Mat upright = test::decode_png_gray(*png);
    const cv::Mat turned = test::rotated(upright, 90); // clockwise: symbol top-left -> image top-right
    const auto d = decode(test::view_of(turned));
    ASSERT_TRUE(d.has_value());
    const int w = turned.cols;
    EXPECT_NEAR(d->corners[0].x, w - min_quiet_zone * 4, 4);
    EXPECT_NEAR(d->corners[0].y, min_quiet_zone * 4, 4);
    EXPECT_GT(d->corners[0].x, d->corners[2].x); // bottom-right now lies to the left
}

TEST(RoundTripMulti, TwoSymbolsInOneImage)
{
    const std::string a = "https://hall.example.gov.cn/u/AAAAAAAAAAAAAAAAAAAAAA";
    const std::string b = "https://hall.example.gov.cn/u/BBBBBBBBBBBBBBBBBBBBBB";
    auto ia = rasterise(*encode(a), {.module_px = 4});
    auto ib = rasterise(*encode(b), {.module_px = 4});
    ASSERT_TRUE(ia.has_value() && ib.has_value());
    cv::Mat canvas(ia->height + 40, ia->width + ib->width + 40, CV_8UC1, cv::Scalar(255));
    cv::Mat(ia->height, ia->width, CV_8UC1, ia->pixels.data()).copyTo(canvas(cv::Rect(10, 20, ia->width, ia->height)));
    cv::Mat(ib->height, ib->width, CV_8UC1, ib->pixels.data())
        .copyTo(canvas(cv::Rect(30 + ia->width, 20, ib->width, ib->height)));

    const auto all = decode_all(test::view_of(canvas));
    ASSERT_TRUE(all.has_value());
    ASSERT_EQ(all->size(), 2u);
    std::vector<std::string> got{(*all)[0].text, (*all)[1].text};
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{a, b}));

    const auto one = decode_all(test::view_of(canvas), {.max_symbols = 1});
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(one->size(), 1u);
}

TEST(RoundTripSequence, OrdinarySymbolIsNotASequence)
{
    const auto img = rasterise(*encode("HALLPASS"), {.module_px = 4});
    ASSERT_TRUE(img.has_value());
    const gray_view views[] = {{img->pixels.data(), img->width, img->height, 0}};
    const auto d = decode_sequence(views);
    ASSERT_FALSE(d.has_value());
    EXPECT_EQ(d.error().code, errc::sequence_incomplete);
}

} // namespace
} // namespace hallpass::qr
