// outage_bench: password logins against a hallpass-server process whose PostgreSQL goes silent
// for a while (a proxy in front of it stops answering without closing, as a vanished database
// host would), then answers again. Prints, before / during / after the outage, how many logins
// got 201, 503 database_unavailable, another answer or no answer, how long answers took, and the
// recovery time: from the database answering again to the first successful login.
// Needs HALLPASS_TEST_DATABASE_URL (scripts/test-postgres.sh start).
//
//   outage_bench [--clients 8] [--outage 20] [--connect-timeout 5] [--statement-timeout 15]
//                [--acquire-timeout 5]     (timeouts: the server's --db-* options, in seconds)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "support/stalling_proxy.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
using clock_type = std::chrono::steady_clock;

namespace {

struct attempt {
  clock_type::time_point started, ended;
  int status = 0;  // 0: no answer
  std::string code;
};

double ms(clock_type::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void report(const char* phase, const std::vector<attempt>& all) {
  std::map<std::string, int> counts;
  std::vector<double> took;
  for (auto& a : all) {
    std::string kind = a.status == 201                                                 ? "201"
                       : a.status == 503 && a.code == "database_unavailable"         ? "503 database_unavailable"
                       : a.status == 0                                                ? "no answer"
                                                                                      : "other (" + std::to_string(a.status) + " " + a.code + ")";
    ++counts[kind];
    took.push_back(ms(a.ended - a.started));
  }
  std::sort(took.begin(), took.end());
  std::printf("%-7s %6zu logins:", phase, all.size());
  for (auto& [k, n] : counts) std::printf("  %s %d;", k.c_str(), n);
  if (!took.empty())
    std::printf("  answer time median %.0f ms, max %.0f ms", took[took.size() / 2], took.back());
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 8, outage = 20, connect_timeout = 5, statement_timeout = 15, acquire_timeout = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (k == "--clients") clients = v;
    else if (k == "--outage") outage = v;
    else if (k == "--connect-timeout") connect_timeout = v;
    else if (k == "--statement-timeout") statement_timeout = v;
    else if (k == "--acquire-timeout") acquire_timeout = v;
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  scratch_database db;
  stalling_proxy proxy(admin_conninfo());
  server_process server(HALLPASS_SERVER_BIN, proxy.through(db.conninfo()), true,
                        {"--login-attempts-per-ip=100000000", "--db-connect-timeout=" + std::to_string(connect_timeout),
                         "--db-statement-timeout=" + std::to_string(statement_timeout),
                         "--db-acquire-timeout=" + std::to_string(acquire_timeout)});
  if (!server.healthy()) {
    std::cerr << "the server did not start:\n" << server.log();
    return 1;
  }
  auto body = boost::json::serialize(
      boost::json::object{{"account", demo::agent_all}, {"password", "Demo@2026"}, {"channel", "app"}});

  std::mutex m;
  std::vector<attempt> done;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      while (!stop) {
        attempt a;
        a.started = clock_type::now();
        try {
          auto r = http_call(server.port(), "POST", "/api/v1/sessions", body);
          a.status = r.status;
          a.code = r.error_code();
        } catch (const std::exception&) {
          a.status = 0;
        }
        a.ended = clock_type::now();
        bool failed_fast = a.status != 201;
        {
          std::lock_guard lock(m);
          done.push_back(a);
        }
        if (failed_fast) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // as a client retrying
      }
    });
  }
  auto first_success_after = [&](clock_type::time_point t) -> std::optional<clock_type::time_point> {
    std::lock_guard lock(m);
    std::optional<clock_type::time_point> best;
    for (auto& a : done)
      if (a.status == 201 && a.started >= t && (!best || a.ended < *best)) best = a.ended;
    return best;
  };

  std::this_thread::sleep_for(std::chrono::seconds(5));
  auto stalled_at = clock_type::now();
  proxy.stall();
  std::this_thread::sleep_for(std::chrono::seconds(outage));
  auto resumed_at = clock_type::now();
  proxy.resume();
  std::optional<clock_type::time_point> recovered;
  while (!(recovered = first_success_after(resumed_at)) && clock_type::now() - resumed_at < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::seconds(5));
  stop = true;
  for (auto& t : threads) t.join();

  std::vector<attempt> before, during, after;
  for (auto& a : done) {
    if (a.started < stalled_at) before.push_back(a);
    else if (a.started < resumed_at) during.push_back(a);
    else after.push_back(a);
  }
  std::printf("outage_bench: %d clients logging in (password), PostgreSQL silent for %d s; server timeouts: "
              "connect %d s, statement %d s, pool wait %d s\n",
              clients, outage, connect_timeout, statement_timeout, acquire_timeout);
  report("before", before);
  report("during", during);
  report("after", after);
  if (recovered) std::printf("recovery: first successful login %.0f ms after PostgreSQL answered again\n",
                             ms(*recovered - resumed_at));
  else std::printf("recovery: no successful login within 120 s after PostgreSQL answered again\n");
  std::printf("during the outage a login's answer took at most %.0f ms (requests still in flight when it began: ",
              [&] {
                double worst = 0;
                for (auto& a : during) worst = std::max(worst, ms(a.ended - a.started));
                return worst;
              }());
  int spanning = 0;
  for (auto& a : before)
    if (a.ended > stalled_at) ++spanning;
  std::printf("%d)\n", spanning);
  return 0;
}
