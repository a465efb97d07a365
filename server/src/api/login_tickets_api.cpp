// QR scan-to-login: the portal's ticket (create, state by long-poll or Server-Sent Events,
// redeem, cancel) and the phone's scan, confirmation and cancellation.
#include <boost/json.hpp>

#include "hallpass/qr/qr.hpp"
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/json_io.hpp"
#include "hallpass/server/services/login_tickets.hpp"
#include "hallpass/server/services/event_hub.hpp"

namespace hallpass::server::api {

namespace json = boost::json;

namespace {

constexpr const char* poll_cookie = "hp_ticket";

// States only move forward; the number orders them (and is the SSE event id).
int ordinal(const std::string& s) {
  static const char* order[] = {"pending", "scanned", "confirmed", "consumed", "cancelled", "expired"};
  for (int i = 0; i < 6; ++i)
    if (s == order[i]) return i + 1;
  return 0;
}
bool is_final(const std::string& s) { return ordinal(s) >= 3; }

std::string poll_secret_of(const request& req) {
  if (auto h = req.header_value("x-poll-secret")) return std::string(*h);
  if (auto c = req.cookie(poll_cookie)) return *c;
  throw api_exception{{401, "poll_secret_required", "缺少登录凭据", "The poll secret is missing"}};
}

json::object state_json(const db::ticket_row& t) {
  return {{"ticket_id", std::to_string(t.id)}, {"state", t.state}, {"expires_in", t.expires_in}, {"expires_at", t.expires_at}};
}

std::string sse_event(const std::string& state) {
  return "id: " + std::to_string(ordinal(state)) + "\nevent: state\ndata: " +
         json::serialize(json::object{{"state", state}}) + "\n\n";
}

// Delivers only forward moves, whatever order the database read and the notifications arrive in.
struct forward_only {
  std::mutex m;
  int last = 0;
  bool advance(const std::string& state) {
    std::lock_guard lock(m);
    int o = ordinal(state);
    if (o <= last) return false;
    last = o;
    return true;
  }
};

void limit_polls(app& a, std::int64_t id) {
  if (int wait = a.limits.hit("ticket-poll:" + std::to_string(id), a.cfg.ticket_polls_per_minute, 60))
    throw api_exception{errors::rate_limited(wait)};
}

}  // namespace

response create_login_ticket(app& a, request& req) {
  read_json(req, {});
  if (int wait = a.limits.hit("ticket-create:" + req.remote_ip, a.cfg.tickets_per_ip_per_minute, 60))
    return error_json(errors::rate_limited(wait));
  services::ticket_origin origin;
  origin.user_agent = std::string(req.header_value("user-agent").value_or(""));
  origin.ip = req.remote_ip;
  auto t = services::create_ticket(a, origin).or_throw();
  json::object body = state_json(t.ticket);
  body["qr_url"] = t.qr_url;
  body["poll_secret"] = t.poll_secret;
  body["match_number"] = t.ticket.match_number;
  if (req.query_param("qr").value_or("svg") == "svg") {
    auto m = qr::encode(t.qr_url);
    if (m) {
      auto svg = qr::render_svg(*m, {4, 4});
      if (svg) body["qr_svg"] = *svg;
    }
  }
  auto r = json_response(body, 201);
  r.set("Set-Cookie", std::string(poll_cookie) + "=" + t.poll_secret +
                          "; Path=/api/v1/login-tickets; HttpOnly; SameSite=Strict" + (req.secure ? "; Secure" : ""));
  return r;
}

response get_login_ticket(app& a, request& req) {
  auto id = path_id(req, "ticket_id");
  auto secret = poll_secret_of(req);
  // The secret is checked first, so requests without it cannot use up the portal's budget.
  auto current = services::ticket_for_portal(a, id, secret).or_throw();
  limit_polls(a, id);
  int wait = 0;
  if (auto w = req.query_param("wait")) wait = std::clamp(std::atoi(w->c_str()), 0, 30);
  auto known = req.query_param("known");
  if (wait == 0 || !known) return json_response(state_json(current));

  // Long-poll: subscribe first, then read, so no change can fall in between.
  auto later = std::make_shared<response_later>();
  auto gate = std::make_shared<forward_only>();
  gate->advance(*known);
  auto* events = a.ticket_events.get();
  auto sub = events->subscribe(id, [later, gate, id](const std::string& state) {
    if (gate->advance(state)) later->finish(json_response({{"ticket_id", std::to_string(id)}, {"state", state}}));
  });
  later->on_done([events, sub] { events->unsubscribe(sub); });
  auto now = services::ticket_for_portal(a, id, secret);
  if (!now) {
    later->detach();
    return error_json(now.error());
  }
  if (ordinal(now->state) > ordinal(*known)) {
    later->detach();
    return json_response(state_json(*now));
  }
  auto r = json_response(state_json(*now));  // sent as it is if nothing changes in time
  r.later = later;
  r.wait = std::chrono::seconds(wait);
  return r;
}

response login_ticket_events(app& a, request& req) {
  auto id = path_id(req, "ticket_id");
  auto secret = poll_secret_of(req);
  services::ticket_for_portal(a, id, secret).or_throw();  // before counting, as for polls
  limit_polls(a, id);
  auto later = std::make_shared<response_later>();
  auto gate = std::make_shared<forward_only>();
  auto* events = a.ticket_events.get();
  auto sub = events->subscribe(id, [later, gate](const std::string& state) {
    if (!gate->advance(state)) return;
    later->push(sse_event(state));
    if (is_final(state)) later->end();
  });
  later->on_done([events, sub] { events->unsubscribe(sub); });
  auto now = services::ticket_for_portal(a, id, secret);
  if (!now) {
    later->detach();
    return error_json(now.error());
  }
  if (gate->advance(now->state)) {
    later->push(sse_event(now->state));
    if (is_final(now->state)) later->end();
  }
  return event_stream_response(later);
}

response redeem_login_ticket(app& a, request& req) {
  auto id = path_id(req, "ticket_id");
  read_json(req, {});
  auto s = services::redeem_ticket(a, id, poll_secret_of(req), "web", req.remote_ip).or_throw();
  return session_response(req, s, 201);
}

response cancel_login_ticket(app& a, request& req) {
  services::cancel_ticket_by_portal(a, path_id(req, "ticket_id"), poll_secret_of(req)).or_throw();
  response r;
  r.status = 204;
  return r;
}

response scan_login_ticket(app& a, request& req) {
  auto phone = services::require_caller(a, req);
  auto body = read_json(req, {"scan_token", "qr_url", "user_code"});
  auto token = opt_string(body, "scan_token");
  if (auto url = opt_string(body, "qr_url")) {  // the whole QR text: take the token after /l/
    auto pos = url->rfind("/l/");
    if (pos != std::string::npos) token = url->substr(pos + 3);
  }
  auto ctx = services::claim_ticket(a, phone, token, opt_string(body, "user_code"), req.remote_ip).or_throw();
  json::array units;
  for (auto& u : ctx.units) units.push_back(unit_role_json(u));
  json::array numbers;
  for (int n : ctx.numbers) numbers.push_back(n);
  return json_response({{"ticket_id", std::to_string(ctx.ticket.id)},
                        {"portal", {{"name", ctx.ticket.portal_name},
                                    {"browser", ctx.browser},
                                    {"os", ctx.os},
                                    {"ip", ctx.ticket.portal_ip},
                                    {"place", services::place_of(ctx.ticket.portal_ip)},
                                    {"requested_at", ctx.ticket.created_at}}},
                        {"numbers", numbers},
                        {"units", units},
                        {"confirm_expires_in", ctx.ticket.expires_in}});
}

response confirm_login_ticket(app& a, request& req) {
  auto phone = services::require_caller(a, req);
  auto body = read_json(req, {"match_number", "unit_id"});
  auto* n = body.if_contains("match_number");
  if (!n || !n->is_int64()) throw api_exception{errors::missing_field("match_number")};
  std::optional<std::int64_t> unit;
  if (auto u = opt_string(body, "unit_id")) {
    try {
      unit = std::stoll(*u);
    } catch (...) {
      throw api_exception{errors::missing_field("unit_id")};
    }
  }
  services::confirm_ticket(a, phone, path_id(req, "ticket_id"), static_cast<int>(n->as_int64()), unit, req.remote_ip)
      .or_throw();
  return json_response({{"state", "confirmed"}});
}

response cancel_login_ticket_by_phone(app& a, request& req) {
  auto phone = services::require_caller(a, req);
  read_json(req, {});
  services::cancel_ticket_by_phone(a, phone, path_id(req, "ticket_id")).or_throw();
  return json_response({{"state", "cancelled"}});
}

}  // namespace hallpass::server::api
