#pragma once
// JSON for pages and upload verdicts, shared by the portal and phone upload handlers.
#include <functional>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "hallpass/server/api/context.hpp"

#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/net/http.hpp"
#include "hallpass/server/services/applications.hpp"

namespace hallpass::server::api {

boost::json::object page_json(const db::page_row& p);
// 201 with the page when accepted (200 for a replay), 422 photo_rejected with the reasons otherwise.
response upload_response(const services::upload_outcome& out);

// Starts an upload whose answer comes when the imaging executor is done with the photo: the
// worker thread returns at once and the network layer waits for the answer without a thread
// (503 imaging_busy if it takes longer than settings.upload_wait).
response upload_later(context& ctx, const std::function<services::status(services::upload_done)>& start);
// The Idempotency-Key header, if sent.
std::optional<std::string> idempotency_key(const request& req);

}  // namespace hallpass::server::api
