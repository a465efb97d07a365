#pragma once
// Reading JSON request bodies strictly (unknown fields refused) and writing JSON responses.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "hallpass/server/api/api_error.hpp"
#include "hallpass/server/net/http.hpp"

namespace hallpass::server::api {

// Parses the body as a JSON object whose keys are all in `allowed`; throws api_exception
// (400 malformed_json / unknown_field) otherwise. An empty body reads as {}. A body must come
// with Content-Type application/json, and a Content-Type given must be that (else 415).
boost::json::object read_json(const request& req, std::initializer_list<std::string_view> allowed);

// Field accessors: throw api_exception(400 missing_field) on a missing or mistyped required field.
std::string need_string(const boost::json::object& o, std::string_view key);
std::optional<std::string> opt_string(const boost::json::object& o, std::string_view key);
std::optional<std::vector<std::string>> opt_string_list(const boost::json::object& o, std::string_view key);

response json_response(const boost::json::value& v, int status = 200);
// 204 No Content.
response no_content();
// A positive integer query parameter; 400 invalid_query when present but not one.
std::optional<std::int64_t> positive_query_param(const request& req, const char* name);

}  // namespace hallpass::server::api
