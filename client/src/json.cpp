#include "hallpass/client/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace hallpass::client {

request json_request(std::string method, std::string target, const boost::json::value& body, header_list headers) {
  headers.emplace_back("Content-Type", "application/json");
  return {.method = std::move(method), .target = std::move(target), .headers = std::move(headers),
          .body = boost::json::serialize(body)};
}

boost::json::value json_body(const response& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  return ec ? boost::json::value() : v;
}

}  // namespace hallpass::client
