#pragma once
// Every HTTP handler, grouped by resource. Each parses and validates, calls a service, and
// maps the outcome to a response; the rules live in services/.
#include "hallpass/server/app.hpp"
#include "hallpass/server/http.hpp"
#include "hallpass/server/router.hpp"

namespace hallpass::server::api {

// health_api.cpp
response healthz(app&, request&);
response readyz(app&, request&);
response metrics_text(app&, request&);

}  // namespace hallpass::server::api
