// QR scan-to-login: the portal's ticket (create, state by long-poll or Server-Sent Events,
// redeem, cancel) and the phone's scan, confirmation and cancellation.
#include <boost/json.hpp>

#include "hallpass/qr/qr.hpp"
#include "hallpass/server/api/handlers.hpp"
#include "hallpass/server/api/views.hpp"
#include "hallpass/server/api/json_io.hpp"
#include "hallpass/server/api/request_bodies.hpp"
#include "hallpass/server/services/login_tickets.hpp"
#include "hallpass/server/api/request_auth.hpp"
#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/log.hpp"

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


}  // namespace

response create_login_ticket(context& ctx, request& req) {
  refuse_cross_site(ctx, req);
  empty_body(req);
  services::ticket_origin origin;
  origin.user_agent = std::string(req.header_value("user-agent").value_or(""));
  origin.ip = req.remote_ip;
  auto t = ctx.tickets.create_ticket(origin).or_throw();
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

response get_login_ticket(context& ctx, request& req) {
  auto id = path_id(req, "ticket_id");
  auto secret = poll_secret_of(req);
  // The secret is checked first, so requests without it cannot use up the portal's budget.
  auto current = ctx.tickets.ticket_for_portal(id, secret).or_throw();
  ctx.tickets.count_poll(id).or_throw();
  int wait = 0;
  if (auto w = req.query_param("wait")) wait = std::clamp(std::atoi(w->c_str()), 0, 30);
  auto known = req.query_param("known");
  if (wait == 0 || !known) return json_response(state_json(current));

  // Long-poll: subscribe first, then read, so no change can fall in between.
  auto later = std::make_shared<response_later>();
  auto gate = std::make_shared<forward_only>();
  gate->advance(*known);
  auto* events = &ctx.tickets.events();
  auto sub = events->subscribe(id, [later, gate, id](const std::string& state) {
    if (gate->advance(state)) later->finish(json_response({{"ticket_id", std::to_string(id)}, {"state", state}}));
  });
  later->on_done([events, sub] { events->unsubscribe(sub); });
  auto now = ctx.tickets.ticket_for_portal(id, secret);
  if (!now) {
    later->detach();
    return error_json(now.err());
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

std::optional<response> get_login_ticket_quick(context& ctx, request& req) {
  if (req.query_param("wait")) return std::nullopt;  // a long-poll is answered later, from a worker
  auto id = path_id(req, "ticket_id");
  auto t = ctx.tickets.pending_ticket_in_memory(id, poll_secret_of(req));
  if (!t) return std::nullopt;
  if (auto counted = ctx.tickets.count_poll(id); !counted) return error_json(counted.err());
  return json_response(state_json(*t));
}

response login_ticket_events(context& ctx, request& req) {
  auto id = path_id(req, "ticket_id");
  auto secret = poll_secret_of(req);
  ctx.tickets.ticket_for_portal(id, secret).or_throw();  // before counting, as for polls
  ctx.tickets.count_poll(id).or_throw();
  auto slot = take_stream_slot(ctx, "ticket:" + std::to_string(id));
  auto later = std::make_shared<response_later>();
  auto gate = std::make_shared<forward_only>();
  auto* events = &ctx.tickets.events();
  auto sub = events->subscribe(id, [later, gate](const std::string& state) {
    if (!gate->advance(state)) return;
    later->push(sse_event(state));
    if (is_final(state)) later->end();
  });
  later->on_done([events, sub, slot] { events->unsubscribe(sub); });
  auto now = ctx.tickets.ticket_for_portal(id, secret);
  if (!now) {
    later->detach();
    return error_json(now.err());
  }
  if (gate->advance(now->state)) {
    later->push(sse_event(now->state));
    if (is_final(now->state)) later->end();
  }
  return event_stream_response(later);
}

response redeem_login_ticket(context& ctx, request& req) {
  refuse_cross_site(ctx, req);
  auto id = path_id(req, "ticket_id");
  empty_body(req);
  auto s = ctx.tickets.redeem_ticket(id, poll_secret_of(req), "web", req.remote_ip,
                                     services::device_of(std::string(req.header_value("user-agent").value_or(""))))
               .or_throw();
  return session_response(req, s, 201);
}

response cancel_login_ticket(context& ctx, request& req) {
  ctx.tickets.cancel_ticket_by_portal(path_id(req, "ticket_id"), poll_secret_of(req)).or_throw();
  response r;
  r.status = 204;
  return r;
}

response scan_login_ticket(context& ctx, request& req) {
  auto phone = require_phone(ctx, req);
  auto body = ticket_scan_body(req);
  auto scan = ctx.tickets.claim_ticket(phone, body.scan_token, body.user_code, req.remote_ip).or_throw();
  json::array units;
  for (auto& u : scan.units) units.push_back(unit_role_json(u));
  json::array numbers;
  for (int n : scan.numbers) numbers.push_back(n);
  // The cross-device proximity signal: the portal and the phone on different networks is what a
  // login relayed by someone else looks like. The phone says so; the log keeps it.
  bool same_network = services::same_network(scan.ticket.portal_ip, req.remote_ip);
  if (!same_network)
    log_line("info", "login_scan_other_network",
             {{"ticket_id", std::to_string(scan.ticket.id)}, {"portal_ip", json_str(identity::mask_ip(scan.ticket.portal_ip))},
              {"phone_ip", json_str(identity::mask_ip(req.remote_ip))}});
  return json_response({{"ticket_id", std::to_string(scan.ticket.id)},
                        {"same_network", same_network},
                        {"portal", {{"name", scan.ticket.portal_name},
                                    {"browser", scan.browser},
                                    {"os", scan.os},
                                    {"ip", scan.ticket.portal_ip},
                                    {"place", services::place_of(scan.ticket.portal_ip)},
                                    {"requested_at", scan.ticket.created_at}}},
                        {"numbers", numbers},
                        // A device login: the code the device shows, for the person to compare.
                        {"user_code", scan.ticket.user_code ? json::value(*scan.ticket.user_code) : json::value(nullptr)},
                        {"units", units},
                        {"confirm_expires_in", scan.ticket.expires_in}});
}

response confirm_login_ticket(context& ctx, request& req) {
  auto phone = require_phone(ctx, req);
  auto body = ticket_confirmation_body(req);
  ctx.tickets.confirm_ticket(phone, path_id(req, "ticket_id"), body.match_number, body.unit_id, req.remote_ip,
                             body.office)
      .or_throw();
  return json_response({{"state", "confirmed"}});
}

response cancel_login_ticket_by_phone(context& ctx, request& req) {
  auto phone = require_phone(ctx, req);
  empty_body(req);
  ctx.tickets.cancel_ticket_by_phone(phone, path_id(req, "ticket_id")).or_throw();
  return json_response({{"state", "cancelled"}});
}

}  // namespace hallpass::server::api
