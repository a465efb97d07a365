#include "hallpass/qr/render.hpp"
#include "test_images.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <regex>
#include <sstream>
#include <string>

namespace hallpass::qr {
namespace {

module_matrix sample()
{
    auto m = encode("https://hall.example.gov.cn/u/Vb7_Kq2LmXo9TzRcWp4YhN1sAe6D0fGu");
    EXPECT_TRUE(m.has_value());
    return *m;
}

// Every pixel of the quiet zone is light; every module is a uniform px x px block of the
// right colour.
void expect_exact_raster(const cv::Mat& img, const module_matrix& m, int px, int quiet)
{
    ASSERT_EQ(img.type(), CV_8UC1);
    const int side = (m.size() + 2 * quiet) * px;
    ASSERT_EQ(img.cols, side);
    ASSERT_EQ(img.rows, side);
    int wrong_quiet = 0;
    int wrong_module = 0;
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            const int mx = x / px - quiet;
            const int my = y / px - quiet;
            const std::uint8_t v = img.at<std::uint8_t>(y, x);
            if (mx < 0 || my < 0 || mx >= m.size() || my >= m.size())
                wrong_quiet += v != 255;
            else
                wrong_module += v != (m.dark(mx, my) ? 0 : 255);
        }
    }
    EXPECT_EQ(wrong_quiet, 0);
    EXPECT_EQ(wrong_module, 0);
}

TEST(RenderPng, QuietZoneAndWholePixelModules)
{
    const auto m = sample();
    for (int px : {1, 3, 8}) {
        const auto png = render_png(m, {.module_px = px});
        ASSERT_TRUE(png.has_value()) << png.error().detail;
        ASSERT_GE(png->size(), 8u);
        EXPECT_EQ((*png)[1], 'P'); // PNG signature
        const cv::Mat img = test::decode_png_gray(*png);
        expect_exact_raster(img, m, px, min_quiet_zone);
    }
}

TEST(RenderPng, WiderQuietZoneOnRequest)
{
    const auto m = sample();
    const auto png = render_png(m, {.module_px = 2, .quiet_zone = 6});
    ASSERT_TRUE(png.has_value());
    expect_exact_raster(test::decode_png_gray(*png), m, 2, 6);
}

TEST(Rasterise, WholeDotsPerModuleForPrinters)
{
    const auto m = sample();
    const auto img = rasterise(m, {.module_px = 5});
    ASSERT_TRUE(img.has_value());
    EXPECT_EQ(img->width, rendered_side(m, {.module_px = 5}));
    const cv::Mat mat(img->height, img->width, CV_8UC1, const_cast<std::uint8_t*>(img->pixels.data()));
    expect_exact_raster(mat, m, 5, min_quiet_zone);
}

TEST(Render, RejectsInvalidOptions)
{
    const auto m = sample();
    for (const raster_options& bad : {raster_options{.module_px = 0}, raster_options{.module_px = max_module_px + 1},
                                      raster_options{.module_px = 4, .quiet_zone = min_quiet_zone - 1}}) {
        const auto png = render_png(m, bad);
        ASSERT_FALSE(png.has_value());
        EXPECT_EQ(png.error().code, errc::invalid_options);
        EXPECT_FALSE(render_svg(m, bad).has_value());
        EXPECT_FALSE(rasterise(m, bad).has_value());
    }
    EXPECT_FALSE(render_png(module_matrix{}).has_value());
}

TEST(RenderSvg, WellFormedOneCrispPathInModuleUnits)
{
    const auto m = sample();
    const auto svg = render_svg(m, {.module_px = 10});
    ASSERT_TRUE(svg.has_value());

    boost::property_tree::ptree doc;
    std::istringstream in(*svg);
    ASSERT_NO_THROW(boost::property_tree::read_xml(in, doc)); // throws on malformed XML
    const auto& root = doc.get_child("svg");
    const int side = m.size() + 2 * min_quiet_zone;
    const std::string s = std::to_string(side);
    EXPECT_EQ(root.get<std::string>("<xmlattr>.viewBox"), "0 0 " + s + " " + s);
    EXPECT_EQ(root.get<int>("<xmlattr>.width"), side * 10);
    EXPECT_EQ(root.get<std::string>("<xmlattr>.shape-rendering"), "crispEdges");
    EXPECT_EQ(root.count("path"), 1u);

    // Replay the path's runs onto a grid: it must equal the module matrix exactly.
    const std::string d = root.get<std::string>("path.<xmlattr>.d");
    const std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
    std::vector<std::uint8_t> grid(static_cast<std::size_t>(m.size()) * m.size(), 0);
    std::size_t consumed = 0;
    int runs = 0;
    for (auto it = std::sregex_iterator(d.begin(), d.end(), run); it != std::sregex_iterator(); ++it) {
        const auto& g = *it;
        ASSERT_EQ(static_cast<std::size_t>(g.position()), consumed) << "unexpected path syntax";
        consumed += g.length();
        const int x = std::stoi(g[1]) - min_quiet_zone;
        const int y = std::stoi(g[2]) - min_quiet_zone;
        const int len = std::stoi(g[3]);
        ASSERT_EQ(len, std::stoi(g[4]));
        ASSERT_GE(x, 0);
        ASSERT_GE(y, 0);
        ASSERT_LE(x + len, m.size());
        ASSERT_LT(y, m.size());
        for (int i = 0; i < len; ++i)
            grid[static_cast<std::size_t>(y) * m.size() + x + i] += 1;
        ++runs;
    }
    EXPECT_EQ(consumed, d.size());
    EXPECT_GT(runs, 0);
    EXPECT_TRUE(std::equal(grid.begin(), grid.end(), m.modules().begin()));
}

} // namespace
} // namespace hallpass::qr
