// login_bench: QR login under load, against a real hallpass-server process on this machine.
// Prints tickets created per second (persisted), pending polls per second next to nginx serving
// a static 200 in the same run (both driven by wrk), the number of portals waiting on Server-Sent
// Events with the server's memory per waiting connection, and confirm-to-portal latency under
// that load. Needs HALLPASS_TEST_DATABASE_URL (scripts/test-postgres.sh start), wrk and nginx.
//
//   login_bench [--portals 10000] [--seconds 5] [--confirms 200]
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "hallpass/client/connection.hpp"
#include "hallpass/client/json.hpp"
#include "hallpass/client/stream_group.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

namespace client = hallpass::client;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;
using namespace hallpass::test;

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

std::string wrk_line(const std::string& out, const std::string& key) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex(key + R"(\s+([0-9.]+[a-z]*))"))) return m[1];
  return "?";
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
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
  int portals = 10000, seconds = 5, confirms = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--portals") portals = std::atoi(argv[i + 1]);
    if (k == "--seconds") seconds = std::atoi(argv[i + 1]);
    if (k == "--confirms") confirms = std::atoi(argv[i + 1]);
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 200000);
  setrlimit(RLIMIT_NOFILE, &nofile);
  signal(SIGPIPE, SIG_IGN);

  scratch_database db;
  server_process node(HALLPASS_SERVER_BIN, db.conninfo(), true,
                      {"--io-threads=1", "--workers=32", "--db-pool-size=16", "--tickets-per-ip-per-minute=1000000000",
                       "--ticket-polls-per-minute=1000000000", "--login-attempts-per-ip=1000000",
                       "--max-connections=60000"});
  if (!node.healthy()) {
    std::cerr << "login_bench: hallpass-server did not start:\n" << node.log();
    return 1;
  }
  int port = node.port();
  pid_t server = node.pid();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::cout << "login_bench: hallpass-server pid " << server << " on " << base << ", " << std::thread::hardware_concurrency()
            << " cores, 32 server workers, wrk -t2 -c64 -d" << seconds << "s\n";

  // 1. Tickets created per second (each one an INSERT committed in PostgreSQL).
  std::string lua = "/tmp/login_bench_post.lua";
  std::ofstream(lua) << "wrk.method = \"POST\"\n";
  auto wrk = [&](const std::string& args) {
    return run("wrk -t2 -c64 -d" + std::to_string(seconds) + "s --latency " + args + " 2>&1");
  };
  long before_tickets = 0;
  {
    hallpass::server::db::connection c(db.conninfo());
    before_tickets = c.exec("SELECT count(*) FROM login_tickets").int64(0, 0);
  }
  auto out = wrk("-s " + lua + " '" + base + "/api/v1/login-tickets?qr=none'");
  long after_tickets = 0;
  {
    hallpass::server::db::connection c(db.conninfo());
    after_tickets = c.exec("SELECT count(*) FROM login_tickets").int64(0, 0);
  }
  std::printf("tickets created: %.0f/s (wrk), %ld rows persisted in %d s (%.0f/s), p50 %s p99 %s\n", wrk_rps(out),
              after_tickets - before_tickets, seconds, double(after_tickets - before_tickets) / seconds,
              wrk_line(out, "50%").c_str(), wrk_line(out, "99%").c_str());

  // 2. Pending polls against nginx serving a static 200, same client, same run.
  client::connection api(client::loopback(static_cast<unsigned short>(port)));  // keep-alive
  auto t = create_ticket(api);
  out = wrk("-H 'X-Poll-Secret: " + t.secret + "' '" + base + "/api/v1/login-tickets/" + t.id + "'");
  double polls = wrk_rps(out);
  std::printf("pending polls: %.0f/s, p50 %s p99 %s\n", polls, wrk_line(out, "50%").c_str(), wrk_line(out, "99%").c_str());
  if (std::filesystem::exists("/usr/sbin/nginx")) {
    auto dir = std::filesystem::temp_directory_path() / ("login_bench_nginx_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir / "html");
    std::ofstream(dir / "html" / "ok.txt") << "ok\n";
    int nport = free_port();
    std::ofstream(dir / "nginx.conf") << "worker_processes auto; pid " << (dir / "nginx.pid").string()
                                      << "; error_log " << (dir / "error.log").string()
                                      << "; events { worker_connections 4096; }\n"
                                         "http { access_log off; server { listen 127.0.0.1:"
                                      << nport << "; root " << (dir / "html").string() << "; } }\n";
    run("/usr/sbin/nginx -c " + (dir / "nginx.conf").string() + " -p " + dir.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto nout = wrk("'http://127.0.0.1:" + std::to_string(nport) + "/ok.txt'");
    double statics = wrk_rps(nout);
    run("/usr/sbin/nginx -c " + (dir / "nginx.conf").string() + " -p " + dir.string() + " -s stop");
    std::printf("nginx static 200: %.0f/s -> pending polls at %.1f %% of nginx\n", statics,
                statics > 0 ? 100.0 * polls / statics : 0.0);
  } else {
    std::printf("nginx static 200: not measured (nginx is not installed)\n");
  }

  // 3. Waiting portals on SSE, the server's memory per waiting connection.
  std::vector<ticket> tickets;
  tickets.reserve(portals);
  for (int i = 0; i < portals; ++i) tickets.push_back(create_ticket(api));
  long rss_before = rss_kb(server);
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
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long rss_after = rss_kb(server);
  std::printf("waiting portals: %d of %d open; server RSS %ld KB -> %ld KB: %.1f KB per waiting connection\n",
              opened.load(), portals, rss_before, rss_after, opened ? double(rss_after - rss_before) / opened : 0.0);

  // 4. Confirm-to-portal latency with all of them waiting.
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
    if (sc.status != 200) continue;
    auto start = clock_type::now();
    auto c = api.send(client::json_request("POST", "/api/v1/login-tickets/" + tk.id + "/confirmation",
                                           {{"match_number", tk.match}}, auth));
    if (c.status != 200) continue;
    auto& p = *ps[static_cast<std::size_t>(i) * portals / std::max(1, confirms)];
    auto wait_until = clock_type::now() + std::chrono::seconds(5);
    while (p.confirmed_at.load() == clock_type::time_point{} && clock_type::now() < wait_until)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (auto at = p.confirmed_at.load(); at != clock_type::time_point{})
      lat.push_back(std::chrono::duration<double, std::milli>(at - start).count());
  }
  std::printf("confirm-to-portal latency (%zu confirms, %d portals waiting): p50 %.2f ms, p99 %.2f ms "
              "(from sending the confirm to the portal's event)\n",
              lat.size(), opened.load(), pct(lat, 0.5), pct(lat, 0.99));

  streams.stop();
  node.stop();
  return 0;
}
