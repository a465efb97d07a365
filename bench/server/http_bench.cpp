// http_bench: the real server in-process on a scratch database, driven by keep-alive HTTP/1.1
// clients from the same process (hallpass_client connections, one thread each, N connections,
// fixed duration; the hot loop reuses its request and response objects). Prints
// requests/s and p50/p99 latency for GET /healthz (no database) and GET
// /api/v1/sessions/current with a bearer token (one PostgreSQL lookup per request), then the
// same two URLs measured by wrk when it is installed.
//
// Needs HALLPASS_TEST_DATABASE_URL (see README.md). Options: --connections N (64),
// --seconds S (5), --workers N (server worker threads, 4), --no-wrk.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <thread>

#include <boost/json.hpp>

#include "hallpass/client/connection.hpp"
#include "support/test_env.hpp"

namespace client = hallpass::client;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  int connections = 64;
  int seconds = 5;
  int workers = 4;
  bool wrk = true;
};

struct figures {
  long requests = 0;
  long failures = 0;  // non-200 answers and broken connections
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
};

// One keep-alive connection sending the same request until the deadline.
void drive_one(unsigned short port, const client::request& req, clock_type::time_point until,
               std::vector<double>& latencies_ms, long& failures) {
  client::options opts;
  opts.timeout = std::chrono::seconds(10);
  client::connection c(client::loopback(port), opts);
  client::response res;  // reused: its strings keep their capacity
  while (clock_type::now() < until) {
    auto started = clock_type::now();
    try {
      c.send(req, res);
    } catch (const client::error&) {
      ++failures;
      return;
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - started).count());
    if (res.status != 200) ++failures;
  }
}

figures drive(unsigned short port, const std::string& target, const std::string& token, const options& o) {
  client::request req{.target = target};
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  std::vector<std::vector<double>> latencies(o.connections);
  std::vector<long> failures(o.connections, 0);
  auto started = clock_type::now();
  auto until = started + std::chrono::seconds(o.seconds);
  std::vector<std::thread> clients;
  for (int i = 0; i < o.connections; ++i) {
    latencies[i].reserve(1 << 16);
    clients.emplace_back(drive_one, port, std::cref(req), until, std::ref(latencies[i]), std::ref(failures[i]));
  }
  for (auto& t : clients) t.join();
  figures f;
  f.seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  std::vector<double> all;
  for (int i = 0; i < o.connections; ++i) {
    all.insert(all.end(), latencies[i].begin(), latencies[i].end());
    f.failures += failures[i];
  }
  f.requests = static_cast<long>(all.size());
  if (!all.empty()) {
    std::sort(all.begin(), all.end());
    f.p50_ms = all[all.size() / 2];
    f.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return f;
}

void print(const std::string& label, const figures& f) {
  std::printf("  %-38s %9.0f req/s   p50 %7.3f ms   p99 %7.3f ms   (%ld requests, %ld failed, %.1f s)\n",
              label.c_str(), f.requests / f.seconds, f.p50_ms, f.p99_ms, f.requests, f.failures, f.seconds);
}

// Runs wrk and prints its throughput and latency lines.
void run_wrk(unsigned short port, const std::string& target, const std::string& token, const options& o) {
  std::string cmd = "wrk -t1 -c" + std::to_string(o.connections) + " -d" + std::to_string(o.seconds) + "s --latency";
  if (!token.empty()) cmd += " -H 'Authorization: Bearer " + token + "'";
  cmd += " http://127.0.0.1:" + std::to_string(port) + target + " 2>&1";
  std::printf("  wrk %s\n", target.c_str());
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    std::printf("    (could not run wrk)\n");
    return;
  }
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    std::string s(line);
    if (s.find("Requests/sec") != std::string::npos || s.find("Latency") != std::string::npos ||
        s.find(" 50%") != std::string::npos || s.find(" 99%") != std::string::npos ||
        s.find("requests in") != std::string::npos || s.find("Non-2xx") != std::string::npos ||
        s.find("Socket errors") != std::string::npos)
      std::printf("    %s", line);
  }
  pclose(p);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](int& field) {
      if (i + 1 < argc) field = std::max(1, std::atoi(argv[++i]));
    };
    if (a == "--connections") next(o.connections);
    else if (a == "--seconds") next(o.seconds);
    else if (a == "--workers") next(o.workers);
    else if (a == "--no-wrk") o.wrk = false;
    else {
      std::cerr << "usage: http_bench [--connections N] [--seconds S] [--workers N] [--no-wrk]\n";
      std::exit(2);
    }
  }
  o.seconds = std::min(o.seconds, 60);  // bounded
  o.connections = std::min(o.connections, 1000);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  try {
    auto cfg = hallpass::test::test_config();
    cfg.net.worker_threads = o.workers;
    cfg.db_pool_size = o.workers * 2;
    hallpass::test::running_server s(cfg);
    auto login = s.call("POST", "/api/v1/sessions",
                        boost::json::serialize(boost::json::object{
                            {"account", hallpass::test::demo::agent_all}, {"password", "Demo@2026"}, {"channel", "app"}}));
    if (login.status != 201) {
      std::cerr << "http_bench: demo login failed: " << login.status << " " << login.body << "\n";
      return 1;
    }
    std::string token(login.json().at("token").as_string());

    std::printf("HallPass HTTP benchmark: %d keep-alive connections, %d s per URL, %d worker threads, %ld cores\n",
                o.connections, o.seconds, o.workers, sysconf(_SC_NPROCESSORS_ONLN));
    std::printf("in-process hallpass_client connections (one thread each):\n");
    print("GET /healthz", drive(s.port(), "/healthz", "", o));
    print("GET /api/v1/sessions/current (bearer)", drive(s.port(), "/api/v1/sessions/current", token, o));

    if (o.wrk && access("/usr/bin/wrk", X_OK) == 0) {
      std::printf("wrk -t1 -c%d -d%ds --latency:\n", o.connections, o.seconds);
      run_wrk(s.port(), "/healthz", "", o);
      run_wrk(s.port(), "/api/v1/sessions/current", token, o);
    } else if (o.wrk) {
      std::printf("wrk is not installed (/usr/bin/wrk); skipped\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "http_bench: " << e.what() << "\n";
    return 1;
  }
}
