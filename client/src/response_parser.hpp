#pragma once
// Private: a Beast parser that writes straight into a client::response (names lower-cased),
// or hands body pieces to a callback when streaming. No Beast message object in between.
#include <cstdint>
#include <functional>
#include <string_view>

#include <boost/beast/http/basic_parser.hpp>

#include "hallpass/client/http.hpp"

namespace hallpass::client::detail {

class response_parser : public boost::beast::http::basic_parser<false> {
 public:
  // Fills `into` (cleared first). With on_data set, body pieces go there and not into the body;
  // on_head runs once the head is complete, before the first body piece.
  explicit response_parser(response& into, std::function<void(std::string_view)> on_data = {},
                           std::function<void()> on_head = {});

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code& ec) override;
  void on_header_impl(error_code&) override {
    if (on_head_) on_head_();
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  response& into_;
  std::function<void(std::string_view)> on_data_;
  std::function<void()> on_head_;
};

}  // namespace hallpass::client::detail
