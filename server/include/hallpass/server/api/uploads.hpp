#pragma once
// JSON for pages and upload verdicts, shared by the portal and phone upload handlers.
#include <boost/json/object.hpp>

#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/http.hpp"
#include "hallpass/server/services/applications.hpp"

namespace hallpass::server::api {

boost::json::object page_json(const db::page_row& p);
// 201 with the page when accepted (200 for a replay), 422 photo_rejected with the reasons otherwise.
response upload_response(const services::upload_outcome& out);

}  // namespace hallpass::server::api
