// Prints the QR version (and modules per side) our URLs reach with each available encoder,
// at every error-correction level. Usage: qr_versions
#include "hallpass/qr/encode.hpp"

#ifdef HALLPASS_HAVE_QRENCODE
#include <qrencode.h>
#endif

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

using hallpass::qr::ec_level;

const std::string base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const std::string base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string random_chars(std::mt19937_64& rng, const std::string& alphabet, std::size_t n)
{
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s += alphabet[rng() % alphabet.size()];
    return s;
}

struct sample {
    std::string name;
    std::function<std::string(std::mt19937_64&)> make;
};

// base64url without padding: 128 bits -> 22 chars, 192 -> 32; a signed receipt payload of
// 127 bytes (key id, type, serial, times, office, masked fields, SHA-256, ECDSA P-256 r||s)
// -> 170 chars, 200 with the prefix; the same bytes in upper-case base32 -> 204 chars.
const std::vector<sample> samples = {
    {"login 128-bit", [](auto& r) { return "https://hall.example.gov.cn/l/" + random_chars(r, base64url, 22); }},
    {"upload 128-bit", [](auto& r) { return "https://hall.example.gov.cn/u/" + random_chars(r, base64url, 22); }},
    {"login 192-bit", [](auto& r) { return "https://hall.example.gov.cn/l/" + random_chars(r, base64url, 32); }},
    {"upload 192-bit", [](auto& r) { return "https://hall.example.gov.cn/u/" + random_chars(r, base64url, 32); }},
    {"signed receipt", [](auto& r) { return "https://hall.example.gov.cn/v/" + random_chars(r, base64url, 170); }},
    {"signed, base32 upper", [](auto& r) { return "HTTPS://HALL.EXAMPLE.GOV.CN/V/" + random_chars(r, base32, 204); }},
};

using encoder = std::function<int(const std::string&, ec_level)>; // version, or 0 on failure

int zxing_version(const std::string& text, ec_level level)
{
    const auto m = hallpass::qr::encode(text, level);
    return m ? m->version() : 0;
}

#ifdef HALLPASS_HAVE_QRENCODE
QRecLevel qrencode_level(ec_level level)
{
    switch (level) {
    case ec_level::low: return QR_ECLEVEL_L;
    case ec_level::medium: return QR_ECLEVEL_M;
    case ec_level::quartile: return QR_ECLEVEL_Q;
    case ec_level::high: return QR_ECLEVEL_H;
    }
    return QR_ECLEVEL_M;
}

int qrencode_version(QRcode* code)
{
    const int v = code ? code->version : 0;
    QRcode_free(code);
    return v;
}

int qrencode_mixed(const std::string& text, ec_level level)
{
    return qrencode_version(QRcode_encodeString(text.c_str(), 0, qrencode_level(level), QR_MODE_8, 1));
}

int qrencode_8bit(const std::string& text, ec_level level)
{
    return qrencode_version(QRcode_encodeString8bit(text.c_str(), 0, qrencode_level(level)));
}
#endif

} // namespace

int main()
{
    std::vector<std::pair<std::string, encoder>> encoders = {{"zxing-cpp 1.4 (hallpass::qr)", zxing_version}};
#ifdef HALLPASS_HAVE_QRENCODE
    encoders.emplace_back(std::string("libqrencode ") + QRcode_APIVersionString() + " mixed", qrencode_mixed);
    encoders.emplace_back(std::string("libqrencode ") + QRcode_APIVersionString() + " 8-bit", qrencode_8bit);
#else
    std::printf("libqrencode: not installed, not measured\n");
#endif
    constexpr int trials = 1000; // random tokens per sample: the version may depend on the characters
    const ec_level levels[] = {ec_level::low, ec_level::medium, ec_level::quartile, ec_level::high};
    std::printf("%-30s %-21s %5s  %s\n", "encoder", "sample", "chars", "version min-max (modules) at L / M / Q / H");
    for (const auto& [ename, enc] : encoders) {
        for (const auto& s : samples) {
            std::mt19937_64 rng(42); // same texts for every encoder
            std::vector<std::string> texts;
            for (int i = 0; i < trials; ++i)
                texts.push_back(s.make(rng));
            std::printf("%-30s %-21s %5zu ", ename.c_str(), s.name.c_str(), texts.front().size());
            for (auto level : levels) {
                int lo = 99, hi = 0;
                for (const auto& t : texts) {
                    const int v = enc(t, level);
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
                if (lo == hi)
                    std::printf(" | %2d (%3d)    ", hi, 17 + 4 * hi);
                else
                    std::printf(" | %2d-%2d (%3d) ", lo, hi, 17 + 4 * hi);
            }
            std::printf("\n");
        }
    }
    std::mt19937_64 rng(42);
    for (const auto& s : samples)
        std::printf("example %-21s %s\n", s.name.c_str(), s.make(rng).c_str());
    return 0;
}
