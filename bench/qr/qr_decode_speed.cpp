// Decode timings: the black-box photo set (fast vs try-harder) and 1080p camera-sized frames
// with and without a symbol. Usage: qr_decode_speed [repetitions]
#include "hallpass/qr/decode.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/qr/render.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace hallpass::qr;

namespace {

gray_view view_of(const cv::Mat& m) { return {m.data, m.cols, m.rows, static_cast<int>(m.step)}; }

template <class F>
double median_ms(int reps, F&& f)
{
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

std::string read_text(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

int main(int argc, char** argv)
{
    const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    const fs::path corpus = fs::path(HALLPASS_TESTDATA_DIR) / "qr" / "zxing-blackbox";

    struct photo {
        cv::Mat gray;
        std::string expected;
    };
    std::vector<photo> photos;
    for (int f = 1; f <= 6; ++f)
        for (const auto& e : fs::directory_iterator(corpus / ("qrcode-" + std::to_string(f))))
            if (e.path().extension() == ".png" || e.path().extension() == ".jpg")
                photos.push_back({cv::imread(e.path().string(), cv::IMREAD_GRAYSCALE),
                                  read_text(fs::path(e.path()).replace_extension(".txt"))});

    for (bool harder : {false, true}) {
        int passed = 0;
        const double ms = median_ms(reps, [&] {
            passed = 0;
            for (const auto& p : photos) {
                const auto d = decode(view_of(p.gray), {.try_harder = harder});
                passed += d && d->text == p.expected;
            }
        });
        std::printf("black-box photos, try_harder=%d: %d/%zu read, %.1f ms for all (%.2f ms/photo)\n", harder, passed,
                    photos.size(), ms, ms / photos.size());
    }

    // A 1080p frame: mid-grey desk with noise, optionally a login code shown on a phone.
    cv::Mat frame(1080, 1920, CV_8UC1);
    cv::randn(frame, 120, 25);
    cv::GaussianBlur(frame, frame, {5, 5}, 0);
    cv::Mat with_code = frame.clone();
    const auto img = rasterise(*encode("https://hall.example.gov.cn/l/q3Zk8Rw1XbT0yPq-ZpLc_A"), {.module_px = 6});
    cv::Mat(img->height, img->width, CV_8UC1, const_cast<std::uint8_t*>(img->pixels.data()))
        .copyTo(with_code(cv::Rect(800, 300, img->width, img->height)));
    for (bool harder : {false, true}) {
        bool found = false;
        const double with_ms = median_ms(reps, [&] { found = decode(view_of(with_code), {.try_harder = harder}).has_value(); });
        const double without_ms = median_ms(reps, [&] { (void)decode(view_of(frame), {.try_harder = harder}); });
        std::printf("1920x1080 frame, try_harder=%d: with code %.1f ms (%s), without code %.1f ms\n", harder, with_ms,
                    found ? "read" : "NOT read", without_ms);
    }

    // The phone path: a portal PNG screenshot decoded from bytes.
    const auto png = render_png(*encode("https://hall.example.gov.cn/u/Vb7_Kq2LmXo9TzRcWp4YhN1sAe6D0fGu"));
    const double png_ms = median_ms(reps, [&] { (void)decode_image_bytes(*png); });
    std::printf("portal PNG (%zu bytes, module 8 px) decode_image_bytes: %.2f ms\n", png->size(), png_ms);
    return 0;
}
