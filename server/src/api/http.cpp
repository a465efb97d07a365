#include "hallpass/server/http.hpp"

#include <boost/url/decode_view.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

namespace hallpass::server {

std::optional<std::string_view> request::header_value(std::string_view lower_name) const {
  for (auto& h : headers)
    if (h.name == lower_name) return std::string_view(h.value);
  return std::nullopt;
}

std::optional<std::string> request::query_param(std::string_view name) const {
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return std::nullopt;
  for (auto p : *parsed) {
    if (p.key == name) return std::string(p.value);
  }
  return std::nullopt;
}

std::optional<std::string> request::cookie(std::string_view name) const {
  auto h = header_value("cookie");
  if (!h) return std::nullopt;
  std::string_view s = *h;
  while (!s.empty()) {
    auto semi = s.find(';');
    auto part = s.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    s.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

response& response::set(std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

}  // namespace hallpass::server
