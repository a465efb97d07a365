#pragma once
// JSON helpers over Boost.JSON, kept apart from the core headers so that only their users pull
// Boost.JSON in.
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "hallpass/client/http.hpp"

namespace hallpass::client {

// A request with a JSON body and Content-Type: application/json.
request json_request(std::string method, std::string target, const boost::json::value& body,
                     header_list headers = {});

// The response body parsed as JSON; null when it is empty or not JSON.
boost::json::value json_body(const response& r);

}  // namespace hallpass::client
