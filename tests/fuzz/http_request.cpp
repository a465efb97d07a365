// Fuzz target: bytes from a client socket. They go through Beast's request parser with the
// server's settings (header limit, body limit from the route's plan, as in http_server.cpp),
// become the request the server builds, and are answered by the real router with the real route
// table and handlers. The database points at a socket that does not exist, so every handler that
// gets as far as the database fails cleanly (503) and everything before it (paths, query
// strings, cookies, headers, bodies) runs for real. The answer must serialise as valid HTTP.
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/pct_string_view.hpp>

#include "hallpass/server/api/router.hpp"
#include "hallpass/server/db/login_tickets_store.hpp"
#include "hallpass/server/services/clock.hpp"
#include "hallpass/server/services/event_hub.hpp"
#include "hallpass/server/services/imaging_executor.hpp"
#include "hallpass/server/services/pending_tickets.hpp"
#include "hallpass/server/services/rate_limiter.hpp"
#include "hallpass/server/services/working_calendar.hpp"

namespace beast = boost::beast;
namespace http = beast::http;
using namespace hallpass::server;

namespace {

// Every service of the server, over a database that cannot be reached.
struct no_database_server {
  services::manual_clock clock;
  db::pool db{"host='" HALLPASS_FUZZ_NO_DB_SOCKET_DIR "' port=1 connect_timeout=1", 1};
  services::personal_data_hasher personal_data{"fuzz-data-key"};
  services::rate_limiter limits{clock};
  services::imaging_executor imaging{1};
  services::pending_tickets pending;
  db::ticket_batcher ticket_inserts{db};
  services::event_hub ticket_events{db, "login_tickets", [](db::connection&, std::int64_t) { return std::nullopt; }};
  services::event_hub page_events{db, "application_pages", [](db::connection&, std::int64_t) { return std::nullopt; }};
  services::event_hub office_events{db, "office_queue", [](db::connection&, std::int64_t) { return std::nullopt; }};
  services::event_hub message_events{db, "messages", [](db::connection&, std::int64_t) { return std::nullopt; }};
  services::accounts accounts{db, personal_data, clock};
  services::sessions sessions{db, personal_data, limits, accounts, {}};
  services::login_tickets tickets{db, ticket_inserts, pending, ticket_events, sessions, accounts, limits, clock,
                                  {"https://hallpass.example"}};
  services::working_calendar calendar = services::working_calendar::load(HALLPASS_FUZZ_CALENDAR);
  services::applications applications{db, personal_data, imaging, limits, clock, page_events,
                                      {"https://hallpass.example"}, calendar};
  services::review review{db, clock, calendar, office_events};
  services::messages messages{db, clock, calendar, message_events};
  services::application_documents documents{db, applications, review, std::nullopt};
  services::mobile_codes mobile_codes{db, personal_data, limits, sessions};
  services::real_name_service real_name{{}, ""};
  services::registration registration{db, personal_data, limits, clock, accounts, mobile_codes, real_name};
  api::context ctx{accounts,  sessions,     tickets, applications, review, messages, documents,
                   mobile_codes, registration, db,   settings()};
  api::router router{ctx, api::all_routes(ctx.settings)};

  static api::api_settings settings() {
    api::api_settings s;
    s.public_url = "https://hallpass.example";
    s.web_dir = HALLPASS_FUZZ_WEB_DIR;
    s.log_requests = false;
    return s;
  }
};

// http_server.cpp's decode_path.
std::string decode_path(std::string_view raw) {
  auto pct = boost::urls::make_pct_string_view(raw);
  if (!pct) return std::string(raw);
  return pct->decode();
}

// Feeds what is left of the input to the parser; false when it fails or needs more than there is.
bool feed(http::request_parser<http::string_body>& parser, std::string_view& in) {
  beast::error_code ec;
  while (!in.empty() && !(parser.is_header_done() && !parser.eager()) && !parser.is_done()) {
    auto n = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
    if (ec) return false;
    in.remove_prefix(n);
    if (n == 0) return false;
  }
  return parser.is_header_done();
}

// An answer header must not carry a line break: it would split the response.
void check_headers(const response& r) {
  auto bad = [](std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; };
  if (bad(r.content_type)) std::abort();
  for (auto& h : r.headers)
    if (bad(h.name) || bad(h.value)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static no_database_server server;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(net_options{}.header_limit));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (!feed(parser, in)) return 0;

  auto& head = parser.get();
  request req;
  req.method = std::string(head.method_string());
  req.target = std::string(head.target());
  auto qpos = req.target.find('?');
  req.path = decode_path(std::string_view(req.target).substr(0, qpos));
  if (qpos != std::string::npos) req.query = req.target.substr(qpos + 1);
  req.remote_ip = "192.0.2.1";
  req.request_id = "fuzz";
  switch (head.method()) {
    case http::verb::get: case http::verb::head: case http::verb::post: case http::verb::put:
    case http::verb::patch: case http::verb::delete_: case http::verb::options: break;
    default: return 0;  // answered 501 before the route is planned
  }
  request_plan plan = server.router.plan(req.method, req.path);
  auto declared = parser.content_length();
  if (declared && *declared > plan.body_limit) return 0;  // 413 before the body
  parser.body_limit(plan.body_limit);
  parser.eager(true);
  if (!parser.is_done() && (!feed(parser, in) || !parser.is_done())) return 0;

  auto msg = parser.release();
  for (auto const& f : msg) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.push_back({std::move(name), std::string(f.value())});
  }
  req.body = std::move(msg.body());

  response res = server.router.handle(req, plan);
  if (res.later) res.later->detach();
  check_headers(res);
  server.router.observe(req, plan, res.status, 0);
  return 0;
}
