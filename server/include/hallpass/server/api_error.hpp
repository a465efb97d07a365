#pragma once
// The one error shape every client sees: an HTTP status, a stable machine code, and a message
// in Chinese and English (PRODUCT.md §9, API.md).
#include <string>
#include <utility>
#include <variant>

namespace hallpass::server {

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

// The outcome of a service call: a value, or an api_error for an expected failure.
template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(api_error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  const api_error& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // The value, or throw api_exception to end the request.
  T& or_throw() & {
    if (!ok()) throw api_exception{error()};
    return value();
  }
  T or_throw() && {  // by value: `for (auto& x : f().or_throw())` must not dangle
    if (!ok()) throw api_exception{error()};
    return std::move(*this).value();
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, api_error> v_;
};

struct none {};
using status = result<none>;
inline status ok() { return none{}; }

// Common errors, shared by every route.
namespace errors {
api_error bad_request(std::string code, std::string message, std::string message_en);
api_error malformed_json();
api_error unknown_field(const std::string& field);
api_error missing_field(const std::string& field);
api_error not_found();
api_error route_not_found();
api_error method_not_allowed();
api_error unauthenticated();
api_error forbidden();
api_error payload_too_large(std::size_t limit);
api_error rate_limited(int retry_after);
api_error database_unavailable();
api_error internal();
}  // namespace errors

}  // namespace hallpass::server
