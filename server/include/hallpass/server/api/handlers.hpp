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

// sessions_api.cpp
response create_session(app&, request&);
response current_session(app&, request&);
response delete_session(app&, request&);
response my_units(app&, request&);

// grants_api.cpp
response list_unit_grants(app&, request&);
response create_unit_grant(app&, request&);
response change_unit_grant(app&, request&);
response revoke_unit_grant(app&, request&);

}  // namespace hallpass::server::api
