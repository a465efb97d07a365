#pragma once
// Errors of the QR module as values: every expected failure is an `error`, never an exception.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hallpass::qr {

// Stable failure kinds; `code_name()` gives the matching machine code (e.g. "qr_not_found").
enum class errc {
    empty_text,          // encode: nothing to encode
    invalid_text,        // encode: the text is not valid UTF-8
    text_too_long,       // encode: does not fit a version-40 symbol at the requested level
    invalid_options,     // render: module size or quiet zone out of range
    invalid_image,       // decode: null data, non-positive size or stride shorter than a row
    image_unreadable,    // decode_image_bytes: the bytes are not a readable PNG/JPEG/WebP/BMP/TIFF image
    image_too_large,     // decode_image_bytes: more bytes or pixels than the decoder accepts
    not_found,           // decode: no readable QR symbol in the image
    sequence_incomplete, // decode_sequence: structured-append symbols missing or of different sequences
    internal,            // an unexpected failure inside a third-party library (detail says which)
};

// Machine code, stable across releases: "qr_empty_text", "qr_not_found", ...
std::string_view code_name(errc e) noexcept;

struct error {
    errc code;
    std::string message;    // zh-CN, for people
    std::string message_en; // en, for people
    std::string detail;     // diagnostics for logs (English, may be empty); never shown to users
};

// Builds the error for `e` with its standard zh/en messages.
error make_error(errc e, std::string detail = {});

// A value or an error. Accessing value() without a value (or error() with one) is a
// programming error: asserted in debug builds.
template <class T>
class result {
public:
    result(T value) : v_(std::move(value)) {}
    result(qr::error e) : v_(std::move(e)) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(v_); }
    const T& value() const& { assert(has_value()); return std::get<0>(v_); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const qr::error& error() const { assert(!has_value()); return std::get<1>(v_); }

private:
    std::variant<T, qr::error> v_;
};

} // namespace hallpass::qr
