// Helpers shared by the imaging tests.
#pragma once

#include <hallpass/imaging/imaging.hpp>

#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

namespace hallpass::imaging::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string encode(const cv::Mat& img, const std::string& ext = ".jpg", std::vector<int> params = {}) {
  std::vector<std::uint8_t> buf;
  cv::imencode(ext, img, buf, params);
  return std::string(buf.begin(), buf.end());
}

inline bool has_reason(const page_result& r, const std::string& code) {
  for (const reason& x : r.reasons)
    if (x.code == code) return true;
  return false;
}

inline std::string codes(const page_result& r) {
  std::string s;
  for (const reason& x : r.reasons) s += x.code + " ";
  return s;
}

inline std::string testdata(const std::string& rel) { return std::string(HALLPASS_TESTDATA_DIR) + "/" + rel; }

}  // namespace hallpass::imaging::testing
