#pragma once
// Helpers shared by the QR tests: file access, OpenCV <-> gray_view, test data location.

#include "hallpass/qr/decode.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hallpass::qr::test {

// Root of the shared test photos (HALLPASS_TESTDATA_DIR).
std::filesystem::path testdata_dir();

// Whole file as bytes / as text (binary, no newline conversion). Empty if unreadable.
std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p);
std::string read_text(const std::filesystem::path& p);

// Borrowing view of a CV_8UC1 Mat.
gray_view view_of(const cv::Mat& gray);

// Clockwise rotation by 0, 90, 180 or 270 degrees.
cv::Mat rotated(const cv::Mat& gray, int degrees);

// Encoded image bytes -> CV_8UC1 exactly as stored (no conversion); empty on failure.
cv::Mat decode_png_gray(const std::vector<std::uint8_t>& png);

} // namespace hallpass::qr::test
