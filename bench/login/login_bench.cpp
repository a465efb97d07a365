// login_bench: QR and device login under load, against a real hallpass-server process on this
// machine, in one run:
//
// 1. One table: RFC 8628 device authorizations and pending device-token polls per second, for
//    HallPass, oidc-provider 8.8.1 (features.deviceFlow) and nginx answering a static 200, all
//    driven by wrk with the same connections on the same cores; 3 rounds in alternating order,
//    medians, and HallPass's ratio to each peer. The peers are children of the bench, started and
//    stopped by it (install them with bench/login/setup.sh; a missing one is reported, not measured).
// 2. Portals waiting on Server-Sent Events and the server's memory per waiting connection.
// 3. Confirm-to-portal latency under that load.
//
// With --soak: device authorizations at --rate per second for --soak-seconds, then
// --settle-seconds without load; every 30 s the server's RSS and the size of login_tickets.
//
// Needs HALLPASS_TEST_DATABASE_URL (scripts/test-postgres.sh start) and wrk.
//
//   login_bench [--seconds 5] [--rounds 3] [--portals 10000] [--confirms 200]
//   login_bench --soak [--soak-seconds 600] [--rate 3000] [--settle-seconds 240]
//   login_bench --portals-only [--portals 10000] [--confirms 200]   (parts 2 and 3 alone)
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "hallpass/client/connection.hpp"
#include "hallpass/client/json.hpp"
#include "hallpass/client/stream_group.hpp"
#include "hallpass/server/db/database.hpp"
#include "peers.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

namespace client = hallpass::client;
namespace json = boost::json;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using namespace hallpass::test;
using hallpass::bench::peer;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  return out;
}

double wrk_rps(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) return std::stod(m[1]);
  return 0;
}

long wrk_non_2xx(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))"))) return std::stol(m[1]);
  return 0;
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// The server's RSS once the pages freed by a burst just past are back with the system: jemalloc's
// background thread returns pages left unused for about 10 s (its dirty_decay_ms).
long settled_rss_kb(pid_t pid) {
  std::this_thread::sleep_for(std::chrono::seconds(15));
  return rss_kb(pid);
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
}

const int connections = 64;

const int wrk_threads = 2;

// A wrk Lua script POSTing form bodies in turn. With rate > 0 (requests per second for the whole
// run) each wrk thread keeps a schedule: a request is sent at its slot, or at once when it is late.
// A fixed delay per request would lose the time each answer takes and fall short of the rate.
fs::path post_script(const std::string& name, const std::vector<std::string>& bodies, int rate = 0) {
  auto file = fs::temp_directory_path() / ("login_bench_" + std::to_string(getpid()) + "_" + name + ".lua");
  std::ofstream out(file);
  out << "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n"
      << "local bodies = {";
  for (auto& b : bodies) out << "[[" << b << "]],";
  out << "}\nlocal n = 0\nrequest = function()\n  n = n + 1\n"
         "  return wrk.format(nil, nil, nil, bodies[n % #bodies + 1])\nend\n";
  if (rate > 0)
    out << "local ffi = require(\"ffi\")\n"
           "ffi.cdef[[ typedef struct { long s; long ns; } bench_time; int clock_gettime(int, bench_time*); ]]\n"
           "local t = ffi.new(\"bench_time\")\n"
           "local function now_ms() ffi.C.clock_gettime(1, t) return tonumber(t.s) * 1000 + tonumber(t.ns) / 1e6 end\n"
           "local interval = "
        << 1000.0 * wrk_threads / rate
        << "\nlocal next_at = nil\n"
           "delay = function()\n"
           "  local now = now_ms()\n"
           "  if next_at == nil or next_at < now - 1000 then next_at = now end\n"
           "  local wait = next_at - now\n"
           "  next_at = next_at + interval\n"
           "  if wait > 0 then return math.floor(wait) end\n"
           "  return 0\n"
           "end\n";
  return file;
}

std::string wrk(int seconds, const fs::path& script, unsigned short port, const std::string& path) {
  return run("wrk -t" + std::to_string(wrk_threads) + " -c" + std::to_string(connections) + " -d" + std::to_string(seconds) + "s -s " + script.string() +
             " 'http://127.0.0.1:" + std::to_string(port) + path + "' 2>&1");
}

const std::string device_grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code";

// One server under comparison: where its device authorization and token endpoints are.
struct contender {
  std::string name;
  unsigned short port = 0;
  std::string authorize_path, token_path, client_id;
  std::vector<std::string> poll_bodies;  // token requests for pending device codes
  fs::path authorize_script, poll_script;
};

// Device codes, pending, to poll.
std::vector<std::string> pending_polls(contender& c, int count) {
  std::vector<std::string> out;
  client::connection api(client::loopback(c.port));
  for (int i = 0; i < count; ++i) {
    auto r = api.send({.method = "POST", .target = c.authorize_path,
                       .headers = {{"Content-Type", "application/x-www-form-urlencoded"}}, .body = "client_id=" + c.client_id});
    if (r.status != 200) throw std::runtime_error(c.name + ": device authorization answered " + std::to_string(r.status));
    auto code = std::string(client::json_body(r).as_object().at("device_code").as_string());
    out.push_back(device_grant + "&device_code=" + code + "&client_id=" + c.client_id);
  }
  return out;
}

struct figures {
  std::vector<double> rounds;
  long non_2xx = 0;
  double median() const { return pct(rounds, 0.5); }
};

void print_row(const std::string& what, const std::string& name, const figures& f, double hallpass) {
  std::printf("%-24s %-20s", what.c_str(), name.c_str());
  for (double r : f.rounds) std::printf(" %9.0f", r);
  std::printf(" %9.0f", f.median());
  if (f.median() > 0 && hallpass > 0) std::printf("   %6.2f", hallpass / f.median());
  else std::printf("   %6s", "-");
  if (f.non_2xx > 0) std::printf("   (%ld answers not 2xx)", f.non_2xx);
  std::printf("\n");
}

// The comparison table: every contender measured in every round, the order reversed each round.
void compare(unsigned short hallpass_port, int seconds, int rounds) {
  auto nginx = hallpass::bench::start_nginx();
  auto oidc = hallpass::bench::start_oidc_provider();
  std::vector<contender> cs;
  cs.push_back({"HallPass", hallpass_port, "/oauth/device_authorization", "/oauth/token", "hallpass-demo-tv"});
  for (auto* p : {oidc.get(), nginx.get()}) {
    if (!p->ready()) {
      std::printf("%s: not measured: %s\n", p->name.c_str(), p->why_not.c_str());
      continue;
    }
    if (p == oidc.get()) cs.push_back({p->name, p->port, "/device/auth", "/token", "bench-tv"});
    else cs.push_back({p->name, p->port, "/", "/", "x"});
  }
  for (auto& c : cs) {
    c.authorize_script = post_script(c.name.substr(0, 4) + "_authorize", {"client_id=" + c.client_id});
    c.poll_bodies = c.authorize_path == "/" ? std::vector<std::string>{"device_code=x"} : pending_polls(c, 64);
    c.poll_script = post_script(c.name.substr(0, 4) + "_poll", c.poll_bodies);
  }
  std::map<std::string, figures> authorize, poll;
  for (int r = 0; r < rounds; ++r) {
    auto order = cs;
    if (r % 2) std::reverse(order.begin(), order.end());
    for (auto& c : order) {
      auto out = wrk(seconds, c.authorize_script, c.port, c.authorize_path);
      authorize[c.name].rounds.push_back(wrk_rps(out));
      authorize[c.name].non_2xx += wrk_non_2xx(out);
      out = wrk(seconds, c.poll_script, c.port, c.token_path);
      poll[c.name].rounds.push_back(wrk_rps(out));
    }
  }
  std::printf("\nrequests per second, one run: %d rounds (order reversed each round), wrk -t2 -c%d -d%ds, "
              "%u cores shared by all\n",
              rounds, connections, seconds, std::thread::hardware_concurrency());
  std::printf("%-24s %-20s", "", "");
  for (int r = 0; r < rounds; ++r) std::printf("   round %d", r + 1);
  std::printf("    median   HallPass ÷\n");
  for (auto& c : cs) print_row(&c == &cs[0] ? "device authorization" : "", c.name, authorize[c.name], authorize["HallPass"].median());
  for (auto& c : cs) print_row(&c == &cs[0] ? "pending device poll" : "", c.name, poll[c.name], poll["HallPass"].median());
  std::printf("(a pending poll is answered authorization_pending or slow_down by HallPass and oidc-provider: "
              "400 by RFC 8628; nginx answers 200)\n\n");
  for (auto& c : cs) {
    fs::remove(c.authorize_script);
    fs::remove(c.poll_script);
  }
}

// login_tickets: rows, bytes of every partition with its indexes, tickets ever created.
struct table_size {
  long rows = 0, bytes = 0, created = 0;
};

table_size measure_table(const std::string& conninfo) {
  hallpass::server::db::connection c(conninfo);
  auto r = c.exec(
      "SELECT (SELECT count(*) FROM login_tickets), (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) "
      "FROM pg_inherits WHERE inhparent = 'login_tickets'::regclass), (SELECT last_value FROM login_tickets_id_seq)");
  return {static_cast<long>(r.int64(0, 0)), static_cast<long>(r.int64(0, 1)), static_cast<long>(r.int64(0, 2))};
}

// Device authorizations at a steady rate, then none; the node's memory and the table every 30 s.
int soak(pid_t server, unsigned short port, const std::string& conninfo, int seconds, int rate, int settle) {
  auto script = post_script("soak", {"client_id=hallpass-demo-tv"}, rate);
  long baseline = rss_kb(server);
  auto start_table = measure_table(conninfo);
  std::printf("soak: %d device authorizations/s for %d s, then %d s without load; wrk -t2 -c%d on a schedule "
              "per wrk thread\n  baseline: RSS %.1f MB, login_tickets %ld rows, %.1f MB\n",
              rate, seconds, settle, connections, baseline / 1024.0, start_table.rows, start_table.bytes / 1048576.0);
  std::printf("  %6s  %-6s  %12s  %10s  %14s  %9s\n", "time", "load", "created/s", "rows", "table MB", "RSS MB");
  std::thread load([&] { wrk(seconds, script, port, "/oauth/device_authorization"); });
  auto t0 = clock_type::now();
  long peak = baseline, last_created = start_table.created;
  for (int t = 30; t <= seconds + settle; t += 30) {
    std::this_thread::sleep_until(t0 + std::chrono::seconds(t));
    auto tb = measure_table(conninfo);
    long rss = rss_kb(server);
    peak = std::max(peak, rss);
    std::printf("  %5ds  %-6s  %12.0f  %10ld  %14.1f  %9.1f\n", t, t <= seconds ? "on" : "off",
                (tb.created - last_created) / 30.0, tb.rows, tb.bytes / 1048576.0, rss / 1024.0);
    std::fflush(stdout);
    last_created = tb.created;
  }
  load.join();
  auto end = measure_table(conninfo);
  std::printf("  %ld tickets created; RSS baseline %.1f MB, peak %.1f MB, at the end %.1f MB; login_tickets at the end "
              "%ld rows, %.1f MB\n",
              end.created - start_table.created, baseline / 1024.0, peak / 1024.0, rss_kb(server) / 1024.0, end.rows,
              end.bytes / 1048576.0);
  fs::remove(script);
  return 0;
}

struct ticket {
  std::string id, secret, url;
  int match = 0;
};

ticket create_ticket(client::connection& server) {
  auto r = server.send({.method = "POST", .target = "/api/v1/login-tickets?qr=none"});
  auto o = client::json_body(r).as_object();
  return {std::string(o.at("ticket_id").as_string()), std::string(o.at("poll_secret").as_string()),
          std::string(o.at("qr_url").as_string()), static_cast<int>(o.at("match_number").as_int64())};
}

// One waiting portal: an SSE stream that records when "confirmed" arrives. Written on the
// stream group's thread.
struct portal {
  std::string buffer;
  bool opened = false;
  std::atomic<clock_type::time_point> confirmed_at{};
};

client::stream_callbacks watch(portal& p, std::atomic<int>& opened) {
  return {.on_data = [&p, &opened](std::string_view piece) {
    p.buffer.append(piece);
    if (!p.opened && p.buffer.find("\"pending\"") != std::string::npos) {
      p.opened = true;
      ++opened;
    }
    if (p.confirmed_at.load() == clock_type::time_point{} && p.buffer.find("\"confirmed\"") != std::string::npos)
      p.confirmed_at = clock_type::now();
    if (p.buffer.size() > 8192) p.buffer.erase(0, 4096);
  }};
}

}  // namespace

int main(int argc, char** argv) {
  int portals = 10000, seconds = 5, confirms = 200, rounds = 3, soak_seconds = 600, rate = 3000, settle = 240;
  bool soaking = false, portals_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--soak" || k == "--portals-only") {
      (k == "--soak" ? soaking : portals_only) = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "login_bench: " << k << " needs a value\n";
      return 2;
    }
    int v = std::atoi(argv[++i]);
    if (k == "--portals") portals = v;
    else if (k == "--seconds") seconds = v;
    else if (k == "--confirms") confirms = v;
    else if (k == "--rounds") rounds = v;
    else if (k == "--soak-seconds") soak_seconds = v;
    else if (k == "--rate") rate = v;
    else if (k == "--settle-seconds") settle = v;
    else {
      std::cerr << "login_bench: unknown option " << k << "\n";
      return 2;
    }
    if (v <= 0 && k != "--settle-seconds") {
      std::cerr << "login_bench: " << k << " must be positive\n";
      return 2;
    }
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 200000);
  setrlimit(RLIMIT_NOFILE, &nofile);
  signal(SIGPIPE, SIG_IGN);

  long max_connections = std::min<long>(60000, static_cast<long>(nofile.rlim_cur) - 300);  // all from loopback
  scratch_database db;
  server_process node(HALLPASS_SERVER_BIN, db.conninfo(), true,
                      {"--io-threads=2", "--workers=32", "--db-pool-size=16", "--tickets-per-ip-per-minute=1000000000",
                       "--ticket-polls-per-minute=1000000000", "--login-attempts-per-ip=1000000",
                       "--max-connections=" + std::to_string(max_connections),
                       "--max-connections-per-ip=" + std::to_string(max_connections)});
  if (!node.healthy()) {
    std::cerr << "login_bench: hallpass-server did not start:\n" << node.log();
    return 1;
  }
  int port = node.port();
  pid_t server = node.pid();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::cout << "login_bench: hallpass-server pid " << server << " on " << base << ", " << std::thread::hardware_concurrency()
            << " cores, 2 network threads, 32 server workers\n";
  if (soaking) {
    int rc = soak(server, static_cast<unsigned short>(port), db.conninfo(), soak_seconds, rate, settle);
    node.stop();
    return rc;
  }

  if (!portals_only) compare(static_cast<unsigned short>(port), seconds, rounds);

  client::connection api(client::loopback(static_cast<unsigned short>(port)));  // keep-alive
  // 2. Waiting portals on SSE, the server's memory per waiting connection.
  std::vector<ticket> tickets;
  tickets.reserve(portals);
  auto phase = clock_type::now();
  for (int i = 0; i < portals; ++i) tickets.push_back(create_ticket(api));
  std::printf("%d login tickets made in %.1f s\n", portals, std::chrono::duration<double>(clock_type::now() - phase).count());
  long rss_before = settled_rss_kb(server);
  phase = clock_type::now();
  std::vector<std::unique_ptr<portal>> ps;
  std::atomic<int> opened{0};
  client::options stream_opts;
  stream_opts.timeout = std::chrono::hours(1);
  client::stream_group streams(stream_opts);  // every portal on one client thread
  for (int i = 0; i < portals; ++i) {
    ps.push_back(std::make_unique<portal>());
    streams.add(client::loopback(static_cast<unsigned short>(port)),
                {.target = "/api/v1/login-tickets/" + tickets[i].id + "/events",
                 .headers = {{"Accept", "text/event-stream"}, {"X-Poll-Secret", tickets[i].secret}}},
                watch(*ps.back(), opened));
  }
  auto deadline = clock_type::now() + std::chrono::seconds(120);
  while (opened < portals && clock_type::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::printf("portals opened in %.1f s\n", std::chrono::duration<double>(clock_type::now() - phase).count());
  // Right after the opening burst, and once its freed pages are back with the system: what each
  // portal costs while it waits.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long rss_burst = rss_kb(server);
  long rss_after = settled_rss_kb(server);
  auto per = [&](long rss) { return opened ? double(rss - rss_before) / opened : 0.0; };
  std::printf("waiting portals: %d of %d open; server RSS %ld KB -> %ld KB 0.5 s after opening (%.1f KB per "
              "connection) -> %ld KB 15 s later: %.1f KB per waiting connection\n",
              opened.load(), portals, rss_before, rss_burst, per(rss_burst), rss_after, per(rss_after));

  // 3. Confirm-to-portal latency with all of them waiting.
  auto token = [&] {
    auto r = api.send(client::json_request("POST", "/api/v1/sessions",
                                           {{"account", "13812340003"}, {"password", "Demo@2026"}, {"channel", "app"}}));
    return std::string(client::json_body(r).as_object().at("token").as_string());
  }();
  std::vector<double> lat;
  for (int i = 0; i < std::min(confirms, portals); ++i) {
    auto& tk = tickets[static_cast<std::size_t>(i) * portals / std::max(1, confirms)];
    client::header_list auth{{"Authorization", "Bearer " + token}};
    auto sc = api.send(client::json_request("POST", "/api/v1/login-tickets/scans", {{"qr_url", tk.url}}, auth));
    if (sc.status != 200) {
      std::fprintf(stderr, "scan %d: %s\n", sc.status, sc.body.c_str());
      continue;
    }
    auto start = clock_type::now();
    auto c = api.send(client::json_request("POST", "/api/v1/login-tickets/" + tk.id + "/confirmation",
                                           {{"match_number", tk.match}}, auth));
    if (c.status != 200) {
      std::fprintf(stderr, "confirm %d: %s\n", c.status, c.body.c_str());
      continue;
    }
    auto& p = *ps[static_cast<std::size_t>(i) * portals / std::max(1, confirms)];
    auto wait_until = clock_type::now() + std::chrono::seconds(5);
    while (p.confirmed_at.load() == clock_type::time_point{} && clock_type::now() < wait_until)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (auto at = p.confirmed_at.load(); at != clock_type::time_point{})
      lat.push_back(std::chrono::duration<double, std::milli>(at - start).count());
    else
      std::fprintf(stderr, "portal %d saw no confirmation: [%s]\n", i, p.buffer.c_str());
  }
  std::printf("confirm-to-portal latency (%zu confirms, %d portals waiting): p50 %.2f ms, p99 %.2f ms "
              "(from sending the confirm to the portal's event)\n",
              lat.size(), opened.load(), pct(lat, 0.5), pct(lat, 0.99));

  streams.stop();
  node.stop();
  return 0;
}
