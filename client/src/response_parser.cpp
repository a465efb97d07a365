#include "response_parser.hpp"

#include <cctype>

namespace hallpass::client::detail {

response_parser::response_parser(response& into, std::function<void(std::string_view)> on_data,
                                 std::function<void()> on_head)
    : into_(into), on_data_(std::move(on_data)), on_head_(std::move(on_head)) {
  into_.status = 0;
  into_.headers.clear();
  into_.body.clear();  // keeps its capacity for the next response on the same object
}

void response_parser::on_response_impl(int code, string_view, int version, error_code& ec) {
  if (version != 10 && version != 11) ec = boost::beast::http::error::bad_version;
  into_.status = code;
}

void response_parser::on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) {
  auto& [n, v] = into_.headers.emplace_back(std::string(name), std::string(value));
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  (void)v;
}

void response_parser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length && !on_data_) into_.body.reserve(static_cast<std::size_t>(*length));
}

std::size_t response_parser::on_body_impl(string_view body, error_code&) {
  if (on_data_) on_data_(std::string_view(body.data(), body.size()));
  else into_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t response_parser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

}  // namespace hallpass::client::detail
