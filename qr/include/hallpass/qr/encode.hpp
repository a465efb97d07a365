#pragma once
// Text -> QR symbol (module matrix). No image types here: rendering lives in render.hpp.

#include "hallpass/qr/error.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hallpass::qr {

// Error-correction level: share of codewords that may be lost (L 7 %, M 15 %, Q 25 %, H 30 %).
enum class ec_level { low, medium, quartile, high };

// "L", "M", "Q" or "H".
std::string_view ec_level_name(ec_level level) noexcept;

// A square QR symbol without quiet zone: size() x size() modules, row-major.
// Value type; cheap to move, copies the modules on copy.
class module_matrix {
public:
    module_matrix() = default;

    int size() const noexcept { return size_; }          // modules per side, 21..177 (0 if empty)
    int version() const noexcept { return (size_ - 17) / 4; } // 1..40
    ec_level level() const noexcept { return level_; }

    // True for a dark module. Precondition: 0 <= x, y < size().
    bool dark(int x, int y) const noexcept { return modules_[static_cast<std::size_t>(y) * size_ + x] != 0; }

    // All modules, row-major, 1 = dark, 0 = light; size() * size() entries.
    std::span<const std::uint8_t> modules() const noexcept { return modules_; }

private:
    friend result<module_matrix> encode(std::string_view text, ec_level level);
    module_matrix(int size, ec_level level, std::vector<std::uint8_t> modules)
        : size_(size), level_(level), modules_(std::move(modules)) {}

    int size_ = 0;
    ec_level level_ = ec_level::medium;
    std::vector<std::uint8_t> modules_;
};

// Encodes UTF-8 `text` as one QR symbol at `level`, choosing the smallest version that fits.
// ASCII-only text is written in byte mode (or alphanumeric/numeric when the whole text allows
// it) without an ECI header; any other text is written as UTF-8 bytes behind an ECI 26
// (UTF-8) header so that every reader decodes it the same way.
// Errors: empty_text, invalid_text (not UTF-8), text_too_long, internal.
result<module_matrix> encode(std::string_view text, ec_level level = ec_level::medium);

} // namespace hallpass::qr
