// hallpass-imaging-bench: per-stage time (median, p95) of the pipeline on 12 MP photos,
// next to the floor (decode + encode of the same photo alone), peak memory, and the decode
// time of a 12 MP photo saved as phones save HEIC (512 px tiles) against the same as JPEG.
#include "heic_encode.hpp"

#include <hallpass/imaging/imaging.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace im = hallpass::imaging;

namespace {

double pct(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, std::size_t(q * (v.size() - 1) + 0.5))];
}

long peak_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Stage times of process() on every photo, next to the floor (decode + encode of the photo alone).
void stage_times(const std::vector<std::string>& files, int rounds) {
  std::map<std::string, std::vector<double>> stages;
  std::vector<double> floor_ms, ratio;
  for (int round = 0; round < rounds; ++round)
    for (const std::string& path : files) {
      std::ifstream f(path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      auto t0 = std::chrono::steady_clock::now();
      cv::Mat img = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, bytes.data()), cv::IMREAD_COLOR);
      std::vector<std::uint8_t> out;
      cv::imencode(".jpg", img, out, {cv::IMWRITE_JPEG_QUALITY, 85});
      double fl = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      img.release();
      im::page_result r = im::process({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
      for (const auto& [name, ms] : r.timings_ms) stages[name].push_back(ms);
      floor_ms.push_back(fl);
      ratio.push_back(r.timings_ms["total"] / fl);
    }
  std::printf("%-10s %9s %9s\n", "stage", "median", "p95");
  for (const char* name : {"decode", "detect", "flatten", "checks", "enhance", "encode", "total"})
    std::printf("%-10s %7.1fms %7.1fms  (n=%zu)\n", name, pct(stages[name], 0.5), pct(stages[name], 0.95), stages[name].size());
  std::printf("%-10s %7.1fms %7.1fms  (decode + JPEG q85 encode of the photo alone)\n", "floor", pct(floor_ms, 0.5), pct(floor_ms, 0.95));
  std::printf("total / floor: median %.2fx, p95 %.2fx\n", pct(ratio, 0.5), pct(ratio, 0.95));
  std::printf("peak memory (VmHWM): %.1f MB\n", peak_kb() / 1024.0);
}

// HEIC as phones save it vs the same photo as JPEG: decode time inside process(). Two HEIC files:
// libheif's quality 80 (nearly lossless, larger than the JPEG) and quality 60, about half the
// JPEG's size as phones' HEIC photos are.
void heic_vs_jpeg(const std::string& path, int rounds) {
  cv::Mat photo = cv::imread(path, cv::IMREAD_COLOR);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", photo, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
  for (int quality : {80, 60}) {
    auto heic = hallpass::imaging::testing::encode_heic_grid(photo, 512, quality);
    if (!heic) {
      std::printf("HEIC: this libheif build has no HEVC encoder to make the test file\n");
      return;
    }
    im::options decode_only;
    decode_only.produce_output = false;
    std::vector<double> heic_ms, jpeg_ms, ratio;
    for (int round = 0; round < rounds; ++round) {  // taken in turns, so that both meet the same load
      im::page_result h = im::process({reinterpret_cast<const std::uint8_t*>(heic->data()), heic->size()}, decode_only);
      im::page_result j = im::process(jpeg, decode_only);
      heic_ms.push_back(h.timings_ms["decode"]);
      jpeg_ms.push_back(j.timings_ms["decode"]);
      ratio.push_back(heic_ms.back() / jpeg_ms.back());
    }
    // A shared machine's load swings between rounds: the ratio within each round (the two decodes
    // one after the other) is steadier, and the fastest decodes are the nearest to an idle machine.
    std::printf("decode %dx%d, %d rounds: HEIC quality %d (512 px tiles, %.1f MB) median %.1fms, JPEG q90 (%.1f MB) "
                "median %.1fms; HEIC / JPEG within a round median %.2fx; fastest HEIC %.1fms, JPEG %.1fms\n",
                photo.cols, photo.rows, rounds, quality, heic->size() / 1e6, pct(heic_ms, 0.5), jpeg.size() / 1e6,
                pct(jpeg_ms, 0.5), pct(ratio, 0.5), pct(heic_ms, 0), pct(jpeg_ms, 0));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = std::string(HALLPASS_TESTDATA_DIR) + "/photos/dynamsoft";
  int rounds = 3, heic_rounds = 7;
  bool heic_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--rounds" && i + 1 < argc) rounds = std::stoi(argv[++i]);
    else if (a == "--heic-rounds" && i + 1 < argc) heic_rounds = std::max(1, std::stoi(argv[++i]));
    else if (a == "--heic-only") heic_only = true;
    else if (a == "--threads" && i + 1 < argc) cv::setNumThreads(std::stoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: hallpass-imaging-bench [--dir DIR] [--rounds N] [--threads N] [--heic-rounds N] [--heic-only]\n");
      return 2;
    }
  }
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".jpg") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no .jpg photos in %s\n", dir.c_str());
    return 2;
  }
  std::printf("OpenCV threads: %d, photos: %zu, rounds: %d\n", cv::getNumThreads(), files.size(), rounds);
  if (!heic_only) stage_times(files, rounds);
  heic_vs_jpeg(files.front(), heic_rounds);
  return 0;
}
