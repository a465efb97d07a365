// overload_bench: does the server keep answering while it holds many useless connections?
// Starts hallpass-server as a child process (its own descriptors; scratch database, demo data),
// measures GET /healthz and password logins on an idle server, then opens 10,000 idle
// connections (connected, nothing sent) and 1,000 slow-loris clients (a header that never ends,
// one more line every few seconds) and measures the same requests again while they are held.
// Prints p50/p99 for each, the server's open connections and its resident memory.
// Loopback only; every connection comes from 127.0.0.1, so the per-address cap is raised.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "hallpass/client/connection.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

namespace client = hallpass::client;
namespace json = boost::json;
namespace test = hallpass::test;
using clock_type = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

long rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  return -1;
}

int connect_raw(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Requests of one kind back to back on a keep-alive connection for `seconds`: latencies in ms
// and how many got another status than `expect`.
void probe(const char* name, unsigned short port, const client::request& req, int expect, int seconds) {
  client::connection c("http://127.0.0.1:" + std::to_string(port));
  std::vector<double> ms;
  int wrong = 0;
  auto end = clock_type::now() + std::chrono::seconds(seconds);
  while (clock_type::now() < end) {
    auto t = clock_type::now();
    int status = 0;
    try {
      status = c.send(req).status;
    } catch (const std::exception&) {
      c = client::connection("http://127.0.0.1:" + std::to_string(port));
    }
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t).count());
    if (status != expect) ++wrong;
  }
  std::printf("  %-16s %6zu requests  p50 %7.2f ms  p99 %7.2f ms  not %d: %d\n", name, ms.size(), percentile(ms, 0.5),
              percentile(ms, 0.99), expect, wrong);
}

void measure(unsigned short port, int seconds) {
  std::string login = json::serialize(json::object{{"account", test::demo::person_only}, {"password", "Demo@2026"},
                                                    {"channel", "app"}});
  probe("GET /healthz", port, {.method = "GET", .target = "/healthz"}, 200, seconds);
  probe("password login", port,
        {.method = "POST", .target = "/api/v1/sessions", .headers = {{"Content-Type", "application/json"}}, .body = login},
        201, seconds);
}

}  // namespace

int main(int argc, char** argv) {
  int idle_count = 10000, loris_count = 1000, seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--idle") idle_count = std::stoi(argv[i + 1]);
    else if (a == "--slow") loris_count = std::stoi(argv[i + 1]);
    else if (a == "--seconds") seconds = std::stoi(argv[i + 1]);
  }
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);

  test::scratch_database db;
  test::server_process server(HALLPASS_SERVER_BINARY, db.conninfo(), true,
                              {"--log-requests=false", "--read-timeout=120", "--idle-timeout=120",
                               "--max-connections-per-ip=20000", "--login-attempts-per-ip=100000000"});
  if (!server.healthy()) {
    std::fprintf(stderr, "the server did not start:\n%s\n", server.log().c_str());
    return 1;
  }
  auto port = server.port();
  std::printf("idle server (RSS %ld MiB):\n", rss_mib(server.pid()));
  measure(port, seconds);

  std::vector<int> idle, loris;
  auto t = clock_type::now();
  for (int i = 0; i < idle_count; ++i)
    if (int fd = connect_raw(port); fd >= 0) idle.push_back(fd);
  for (int i = 0; i < loris_count; ++i)
    if (int fd = connect_raw(port); fd >= 0) {
      static const std::string start = "GET /healthz HTTP/1.1\r\nHost: loris\r\n";
      if (::write(fd, start.data(), start.size()) > 0) loris.push_back(fd);
      else ::close(fd);
    }
  double opened = std::chrono::duration<double>(clock_type::now() - t).count();
  std::atomic<bool> dripping{true};
  std::thread drip([&] {  // one more header line per slow client every 3 s
    while (dripping) {
      for (int fd : loris) {
        static const std::string line = "X-Loris: 1\r\n";
        if (::write(fd, line.data(), line.size()) < 0) continue;
      }
      for (int i = 0; i < 30 && dripping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  test::wait_until([&] { return test::metric_value(port, "hallpass_open_connections") >= static_cast<double>(idle.size() + loris.size()); },
                   std::chrono::seconds(30));
  std::printf("holding %zu idle and %zu slow-loris connections (opened in %.1f s; server counts %.0f open, RSS %ld MiB):\n",
              idle.size(), loris.size(), opened, test::metric_value(port, "hallpass_open_connections"),
              rss_mib(server.pid()));
  measure(port, seconds);
  dripping = false;
  drip.join();
  for (int fd : idle) ::close(fd);
  for (int fd : loris) ::close(fd);
  test::wait_until([&] { return test::metric_value(port, "hallpass_open_connections") <= 2; }, std::chrono::seconds(30));
  std::printf("after closing them (server counts %.0f open, RSS %ld MiB)\n",
              test::metric_value(port, "hallpass_open_connections"), rss_mib(server.pid()));
  return 0;
}
