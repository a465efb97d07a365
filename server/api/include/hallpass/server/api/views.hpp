#pragma once
// JSON shapes shared by several handlers. Personal data leaves only masked.
#include <boost/json/object.hpp>

#include "hallpass/server/api/context.hpp"
#include "hallpass/server/db/accounts_store.hpp"
#include "hallpass/server/db/review_store.hpp"
#include "hallpass/server/net/http.hpp"
#include "hallpass/server/services/applications.hpp"
#include "hallpass/server/services/auth.hpp"

namespace hallpass::server::api {

boost::json::object caller_json(const services::caller& who);
// An application's state and dates, as the applicant's list and the staff queue show them.
boost::json::object application_summary(const db::application_row& r);
// A catalogue entry, with its materials when asked.
boost::json::object service_json(const db::service_def& s, bool with_materials);
// An application with its form (contact mobile hash removed), materials and their pages.
boost::json::object application_json(const services::application_view& v);
// One entry of an application's timeline.
boost::json::object event_json(const db::event_row& e);
boost::json::object unit_role_json(const db::unit_role& u);
boost::json::object grant_json(const db::grant_row& g);
boost::json::value scope_json(const std::optional<std::vector<std::string>>& scope);
// 201/200 with the token, CSRF token and caller; sets the session cookie for the web channel,
// and with phone_cookie the phone cookie for an app-channel session (no token in the body then).
response session_response(const request& req, const services::issued_session& s, int status,
                          bool phone_cookie = false);
// One of the few event streams `key` (a session, a login ticket) may hold open, kept while the
// handle lives (give it to the stream's on_done); 429 too_many_streams beyond the limit.
std::shared_ptr<void> take_stream_slot(context& ctx, const std::string& key);
// A Server-Sent Events response whose events the producer pushes into `later`.
response event_stream_response(std::shared_ptr<response_later> later);
// Path parameter as a positive id, or throw 404.
std::int64_t path_id(const request& req, const std::string& name);

}  // namespace hallpass::server::api
