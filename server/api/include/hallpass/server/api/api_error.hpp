#pragma once
// The one error shape every client sees: an HTTP status, a stable machine code, and a message
// in Chinese and English (PRODUCT.md §9, API.md). Service errors become this through one table.
#include <cstddef>
#include <string>

#include "hallpass/server/services/error.hpp"

namespace hallpass::server::api {

struct api_error {
  int status = 500;
  std::string code;
  std::string message;     // Chinese
  std::string message_en;  // English
  int retry_after = 0;     // seconds; sent as Retry-After when > 0 (429, 503)
};

// Thrown by handlers to end a request with that error; caught by the router.
struct api_exception {
  api_error error;
};

// The status, code and messages of a service error (error_table.cpp).
api_error to_api_error(const services::error& e);
std::size_t error_table_size();

// Errors of the HTTP layer itself, shared by every route.
namespace errors {
api_error bad_request(std::string code, std::string message, std::string message_en);
api_error malformed_json();
api_error unknown_field(const std::string& field);
api_error missing_field(const std::string& field);
api_error json_required();  // 415 unsupported_media_type
api_error not_found();
api_error route_not_found();
api_error method_not_allowed();
api_error payload_too_large();
api_error request_timeout();
api_error server_busy();
api_error rate_limited(int retry_after);
api_error database_unavailable();
// PostgreSQL's disk is full (SQLSTATE 53100): the statement was rolled back.
api_error storage_full();
api_error internal();
}  // namespace errors

}  // namespace hallpass::server::api
