#pragma once
// Who sent a request: the session token from `Authorization: Bearer …` or a session cookie
// (which then needs X-CSRF-Token on anything but GET/HEAD), checked by the sessions service;
// and whether a browser sent it from another site. A browser holds the portal's session in the
// session cookie, and the phone web app's (an app-channel session) in the phone cookie.
#include <string>

#include "hallpass/server/api/context.hpp"
#include "hallpass/server/net/http.hpp"
#include "hallpass/server/services/auth.hpp"

namespace hallpass::server::api {

// Any session's caller (the bearer token, else the session cookie, else the phone cookie), or
// throw (401 unauthenticated / session_invalid, 403 csrf_token_invalid, …).
services::caller require_session(context& ctx, const request& req);
// The phone's caller for confirming logins: the bearer token or the phone cookie, never the
// portal's session cookie; a person's session (a staff session gets 403).
services::caller require_phone(context& ctx, const request& req);
// An applicant's caller (a person, or a person acting for a unit); a staff session gets 403
// applicant_session_required.
services::caller require_caller(context& ctx, const request& req);
// A staff caller of an office; any other session gets 403 staff_session_required.
services::caller require_staff(context& ctx, const request& req);
// For endpoints that set cookies (login CSRF): throws 403 cross_site_request when the browser
// says the request comes from another site — an Origin other than the public URL's, or
// Sec-Fetch-Site other than same-origin/none. Requests with neither header (the phone app,
// command-line clients) pass.
void refuse_cross_site(const context& ctx, const request& req);
// The names of the session cookie and of the phone web app's: __Host- prefixed over TLS.
std::string session_cookie_name(const request& req);
std::string phone_cookie_name(const request& req);
// The Set-Cookie value that holds `token` in cookie `name` (empty: removes it).
std::string cookie_header(const request& req, const std::string& name, const std::string& token);

}  // namespace hallpass::server::api
