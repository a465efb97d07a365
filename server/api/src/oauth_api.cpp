// The login tickets as an OAuth 2.0 Device Authorization Grant (RFC 8628), with RFC 8414
// metadata, so a standard OAuth client can sign in with a phone confirmation.
#include <boost/json.hpp>

#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>
#include <cctype>

#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/identity/tokens.hpp"
#include "hallpass/server/services/login_tickets.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

namespace {

constexpr const char* device_grant = "urn:ietf:params:oauth:grant-type:device_code";

response oauth_error(int status, const std::string& code, const std::string& description) {
  auto r = json_response({{"error", code}, {"error_description", description}}, status);
  r.set("Pragma", "no-cache");
  return r;
}

constexpr const char* unknown_client =
    "unknown or revoked client_id, or wrong client secret: the operator registers device clients and kiosks";

bool valid_client_id(const std::string& id) {  // [A-Za-z0-9_.-]{1,64}
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

// RFC 6749 §2.3.1: a kiosk authenticates with HTTP Basic (client_secret_basic: the id and the
// secret form-urlencoded, then base64) or in the form (client_secret_post); public clients send
// their client_id alone. Malformed Basic credentials leave the id empty (invalid_client).
struct client_credentials {
  std::string id;
  std::optional<std::string> secret;
};

client_credentials credentials_of(const request& req, std::map<std::string, std::string>& form) {
  auto auth = req.header_value("authorization");
  if (!auth || auth->size() < 6 || !boost::algorithm::iequals(auth->substr(0, 6), "Basic ")) {
    client_credentials out{form["client_id"], std::nullopt};
    if (auto it = form.find("client_secret"); it != form.end()) out.secret = it->second;
    return out;
  }
  auto text = std::string(auth->substr(6));
  while (!text.empty() && text.back() == '=') text.pop_back();
  auto plain = identity::base64_decode_unpadded(text);
  auto colon = plain ? plain->find(':') : std::string::npos;
  if (colon == std::string::npos) return {};
  // Each part is form-urlencoded: decoded the way a form field is.
  auto id = form_decode(std::string_view(*plain).substr(0, colon));
  auto secret = form_decode(std::string_view(*plain).substr(colon + 1));
  if (!id || !secret) return {};
  return {std::move(*id), std::move(*secret)};
}

}  // namespace

response oauth_metadata(context& ctx, request&) {
  auto& base = ctx.settings.public_url;
  return json_response({{"issuer", base},
                        {"device_authorization_endpoint", base + "/oauth/device_authorization"},
                        {"token_endpoint", base + "/oauth/token"},
                        {"grant_types_supported", json::array{device_grant}},
                        {"token_endpoint_auth_methods_supported", json::array{"none", "client_secret_basic", "client_secret_post"}},
                        {"response_types_supported", json::array{}}});
}

namespace {

services::ticket_origin device_origin(const request& req, const std::string& client_id, const std::string& name) {
  services::ticket_origin origin;
  origin.kind = "device";
  origin.client_id = client_id;
  origin.portal_name = name;  // what the phone shows as the site asking
  origin.user_agent = std::string(req.header_value("user-agent").value_or(""));
  origin.ip = req.remote_ip;
  return origin;
}

response too_many_devices(int retry_after) {
  auto r = oauth_error(429, "slow_down", "too many device authorization requests");
  r.set("Retry-After", std::to_string(retry_after));
  return r;
}

response device_answer(const std::string& public_url, const services::created_ticket& t) {
  return json_response({{"device_code", t.poll_secret},
                        {"user_code", *t.user_code},
                        {"verification_uri", public_url + "/device"},
                        {"verification_uri_complete", t.qr_url},
                        {"expires_in", t.ticket.expires_in},
                        {"interval", t.ticket.poll_interval}});
}

}  // namespace

response oauth_device_authorization(context& ctx, request& req) {
  auto form = form_body(req);
  auto client = credentials_of(req, form);
  if (!valid_client_id(client.id)) return oauth_error(400, "invalid_client", "client_id is missing or malformed");
  auto known = ctx.tickets.authenticate_client_for_start(client.id, client.secret);
  if (!known) return oauth_error(401, "invalid_client", unknown_client);
  auto created = ctx.tickets.create_ticket(device_origin(req, client.id, known->name));
  if (!created && created.err().code == services::errc::rate_limited) return too_many_devices(created.err().retry_after);
  return device_answer(ctx.settings.public_url, created.or_throw());
}

// A public client this node knows: the ticket is stored by the inserting threads, and the answer
// sent when it is, without holding a worker meanwhile.
std::optional<response> oauth_device_authorization_quick(context& ctx, request& req) {
  auto form = form_body(req);
  auto client = credentials_of(req, form);
  if (client.secret || !valid_client_id(client.id)) return std::nullopt;
  auto known = ctx.tickets.public_client_in_memory(client.id);
  if (!known) return std::nullopt;
  auto later = std::make_shared<response_later>();
  auto started = ctx.tickets.start_ticket(
      device_origin(req, client.id, known->name),
      [later, url = ctx.settings.public_url](services::result<services::created_ticket> t) {
        later->finish(t ? device_answer(url, *t) : error_json(t.err()));
      });
  if (!started) return too_many_devices(started.err().retry_after);
  static const response unavailable = error_json(errors::database_unavailable());  // built once
  auto r = unavailable;  // sent only if the ticket is not stored in time
  r.later = later;
  r.wait = std::chrono::seconds(10);
  return r;
}

namespace {

response token_answer(context& ctx, const services::device_token_outcome& out) {
  if (!out.session) {
    static const std::map<std::string, std::string> text = {
        {"authorization_pending", "the user has not confirmed on the phone yet"},
        {"slow_down", "polling too often; the interval grew by 5 seconds"},
        {"access_denied", "the user cancelled the login"},
        {"expired_token", "the device code has expired; start again"},
        {"invalid_grant", "unknown, already used, or not a device code"},
        {"invalid_client", unknown_client}};
    auto r = oauth_error(out.oauth_error == "invalid_client" ? 401 : 400, out.oauth_error, text.at(out.oauth_error));
    return r;
  }
  auto r = json_response({{"access_token", out.session->token},
                          {"token_type", "Bearer"},
                          {"expires_in", ctx.sessions.settings().absolute_hours * 3600}});
  r.set("Pragma", "no-cache");
  return r;
}

}  // namespace

response oauth_token(context& ctx, request& req) {
  auto form = form_body(req);
  if (form["grant_type"] != device_grant)
    return oauth_error(400, "unsupported_grant_type", "only the device_code grant is offered");
  auto client = credentials_of(req, form);
  if (!valid_client_id(client.id)) return oauth_error(400, "invalid_client", "client_id is missing or malformed");
  if (form["device_code"].empty()) return oauth_error(400, "invalid_request", "device_code is missing");
  return token_answer(ctx, ctx.tickets.poll_device_token(form["device_code"], client.id, client.secret, req.remote_ip));
}

std::optional<response> oauth_token_quick(context& ctx, request& req) {
  auto form = form_body(req);
  if (form["grant_type"] != device_grant || form["device_code"].empty()) return std::nullopt;
  auto client = credentials_of(req, form);
  if (!valid_client_id(client.id)) return std::nullopt;
  auto out = ctx.tickets.poll_device_token_in_memory(form["device_code"], client.id);
  if (!out) return std::nullopt;
  return token_answer(ctx, *out);
}

}  // namespace hallpass::server::api
