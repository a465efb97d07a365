#pragma once
// The route table and the request_handler the network layer calls.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hallpass/server/api/api_error.hpp"
#include "hallpass/server/api/context.hpp"
#include "hallpass/server/net/http.hpp"
#include "hallpass/server/net/http_server.hpp"

namespace hallpass::server::api {

using handler_fn = response (*)(context&, request&);
// Checks a request from its header alone, before its body is read; refuses by throwing.
using admit_fn = void (*)(context&, request&);
// Answers on the I/O thread from this node's memory alone, or nullopt for the handler to answer on
// a worker (also when it throws). Must never wait: no database.
using quick_fn = std::optional<response> (*)(context&, request&);

struct route {
  std::string_view method;
  std::string_view pattern;  // "/api/v1/units/{unit_id}/grants"; {name} matches one segment
  handler_fn handler;
  std::size_t body_limit = 0;  // bytes; checked before the body is read
  admit_fn admit = nullptr;    // routes that take large bodies authenticate before reading them
  quick_fn quick = nullptr;    // frequent requests that memory can often answer
};

// Every route of the server (routes.cpp).
std::vector<route> all_routes(const api_settings& settings);

class router final : public request_handler {
 public:
  router(context& ctx, std::vector<route> routes);
  request_plan plan(std::string_view method, std::string_view path) const override;
  std::optional<response> admit(request& req, const request_plan& plan) override;
  std::optional<response> quick(request& req, const request_plan& plan) override;
  response handle(request& req, const request_plan& plan) override;
  void observe(const request& req, const request_plan& plan, int status, double seconds) override;
  response error_response(int status, std::string_view code) override;
  const std::vector<route>& routes() const { return routes_; }

 private:
  const route* match(std::string_view method, std::string_view path, request* fill, bool* path_known) const;
  // Believes X-Forwarded-For / -Proto from trusted proxies, once per request.
  void resolve_client(request& req) const;
  // Runs f, turning what it throws into the error response the client sees.
  template <class F>
  response guarded(const request& req, const route& r, F&& f);
  context& ctx_;
  std::vector<route> routes_;
  std::vector<std::vector<std::string_view>> segments_;  // of each route's pattern, split once
};

// The JSON error response of PRODUCT.md §9.
response error_json(const api_error& e);
// A service error through the error table; materials_missing also lists error.items as `missing`.
response error_json(const services::error& e);

}  // namespace hallpass::server::api
