#pragma once
// Plain request/response values exchanged between the network layer and the API handlers.
// No Asio or Beast types here, so handlers and services compile without them.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hallpass::server {

struct header {
  std::string name;  // lower case for requests
  std::string value;
};

struct request {
  std::string method;                              // "GET", "POST", ...
  std::string target;                              // path and query as sent
  std::string path;                                // percent-decoded path without the query
  std::string query;                               // raw query string without '?'
  std::vector<header> headers;                     // names in lower case
  std::string body;
  std::string remote_ip;
  std::string request_id;
  bool secure = false;                             // arrived over TLS
  std::map<std::string, std::string> path_params;  // filled by the router

  // First header of that (lower-case) name.
  std::optional<std::string_view> header_value(std::string_view lower_name) const;
  // Decoded value of a query parameter.
  std::optional<std::string> query_param(std::string_view name) const;
  // Value of a cookie sent in the Cookie header.
  std::optional<std::string> cookie(std::string_view name) const;
};

struct response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<header> headers;
  std::string body;
  bool close = false;  // close the connection after this response

  response& set(std::string name, std::string value);
};

}  // namespace hallpass::server
