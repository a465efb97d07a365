// upload_bench: N phones upload a 12 MP photo through upload codes to the real server
// (in-process, real PostgreSQL). Prints, per N, the latency from request to verdict (median,
// p95) and pages per second, beside the imaging time of the same photo measured in this run by
// calling hallpass::imaging::process directly, so that the targets can be read off:
//   latency ≤ imaging time + 50 ms                       (the server adds little to one photo)
//   throughput ≥ 90 % of cores ÷ single-thread imaging time (the cores are kept busy)
// and then the p50/p99 of /healthz, logins and ticket polls, idle and while photos keep every
// core busy.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <opencv2/core.hpp>

#include "hallpass/client/connection.hpp"
#include "hallpass/imaging/imaging.hpp"
#include "support/test_env.hpp"

namespace client = hallpass::client;
namespace json = boost::json;
namespace test = hallpass::test;
using clock_type = std::chrono::steady_clock;

namespace {

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string str_at(const json::value& v, const char* key) {
  if (!v.is_object()) return "";
  auto* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : "";
}

// Median wall time of imaging::process on the photo, `runs` times.
double imaging_ms(const std::string& photo, int runs, bool* accepted) {
  std::vector<double> t;
  auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(photo.data()), photo.size());
  for (int i = 0; i < runs; ++i) {
    auto start = clock_type::now();
    auto r = hallpass::imaging::process(bytes);
    t.push_back(ms_since(start));
    *accepted = r.accepted;
  }
  return percentile(t, 0.5);
}

// Pages per second of imaging::process alone on `threads` threads (one OpenCV thread each):
// what this machine delivers right now, with whatever else is running on it.
double direct_rate(const std::string& photo, int threads, int per_thread) {
  int saved = cv::getNumThreads();
  cv::setNumThreads(1);
  auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(photo.data()), photo.size());
  auto start = clock_type::now();
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&] {
      for (int k = 0; k < per_thread; ++k) hallpass::imaging::process(bytes);
    });
  for (auto& t : pool) t.join();
  double rate = threads * per_thread / (ms_since(start) / 1000);
  cv::setNumThreads(saved);
  return rate;
}

struct phone {
  std::string session, application, token;
};

phone new_phone(const test::running_server& s) {
  phone p;
  auto login = s.call("POST", "/api/v1/sessions",
                      json::serialize(json::object{{"unit", test::demo::unit_a}, {"account", test::demo::agent_all},
                                                   {"password", "Demo@2026"}, {"channel", "app"}}));
  p.session = str_at(login.json(), "token");
  auto app = s.call_as(p.session, "POST", "/api/v1/applications", R"({"service_code":"labour_dispatch"})");
  p.application = str_at(app.json(), "id");
  auto code = s.call_as(p.session, "POST", "/api/v1/applications/" + p.application + "/materials/licence/upload-codes", "{}");
  auto url = str_at(code.json(), "url");
  p.token = url.substr(url.rfind('/') + 1);
  if (p.token.empty()) throw std::runtime_error("could not create an upload code: " + code.body);
  return p;
}

// p50/p99 of one kind of request, sent back to back on a keep-alive connection for `seconds`.
struct probe_figures {
  double p50 = 0, p99 = 0;
  std::size_t count = 0;
  int failed = 0;
};

probe_figures probe(unsigned short port, const client::request& req, int expect, double seconds) {
  client::connection link(client::loopback(port));
  client::response r;
  std::vector<double> t;
  probe_figures out;
  auto end = clock_type::now() + std::chrono::duration<double>(seconds);
  while (clock_type::now() < end) {
    auto start = clock_type::now();
    try {
      link.send(req, r);
      if (r.status != expect) ++out.failed;
    } catch (const client::error&) {
      ++out.failed;
    }
    t.push_back(ms_since(start));
  }
  out.count = t.size();
  out.p50 = percentile(t, 0.5);
  out.p99 = percentile(t, 0.99);
  return out;
}

// /healthz, password logins and login-ticket polls, first on an idle server, then while
// 2 × cores phones keep every imaging thread busy: the HTTP workers must not wait on photos.
void responsiveness(const test::running_server& server, const std::string& photo, unsigned cores) {
  auto ticket = test::http_call(server.port(), "POST", "/api/v1/login-tickets", "{}", {{"Content-Type", "application/json"}});
  auto tv = ticket.json();
  std::string poll = "/api/v1/login-tickets/" + str_at(tv, "ticket_id");
  client::header_list poll_headers{{"X-Poll-Secret", str_at(tv, "poll_secret")}};
  std::string login = json::serialize(json::object{{"account", test::demo::person_only}, {"password", "Demo@2026"},
                                                   {"channel", "app"}});
  struct kind {
    const char* name;
    client::request req;
    int expect;
  } kinds[] = {
      {"GET /healthz", {.method = "GET", .target = "/healthz"}, 200},
      {"POST /api/v1/sessions (scrypt)", {.method = "POST", .target = "/api/v1/sessions",
                                          .headers = {{"Content-Type", "application/json"}}, .body = login}, 201},
      {"GET login ticket (poll)", {.method = "GET", .target = poll, .headers = poll_headers}, 200},
  };
  const double seconds = 3;
  std::vector<probe_figures> idle;
  for (auto& k : kinds) idle.push_back(probe(server.port(), k.req, k.expect, seconds));

  std::atomic<bool> stop{false};
  std::atomic<int> pages{0};
  std::vector<std::thread> phones;
  for (unsigned i = 0; i < 2 * cores; ++i) {
    auto p = new_phone(server);
    phones.emplace_back([&, p, i] {
      client::options opts;
      opts.timeout = std::chrono::seconds(120);
      client::connection link(client::loopback(server.port()), opts);
      client::response r;
      for (int k = 0; !stop; ++k) {
        client::request req{.method = "POST", .target = "/api/v1/upload-codes/current/pages",
                            .headers = {{"X-Upload-Code", p.token}, {"Content-Type", "image/jpeg"},
                                        {"Idempotency-Key", "busy" + std::to_string(i) + "-" + std::to_string(k)}},
                            .body = photo};
        try {
          link.send(req, r);
          if (r.status == 201) ++pages;
        } catch (const client::error&) {
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let the imaging threads fill up
  auto busy_start = clock_type::now();
  int pages_before = pages;
  std::vector<probe_figures> busy;
  for (auto& k : kinds) busy.push_back(probe(server.port(), k.req, k.expect, seconds));
  double busy_seconds = ms_since(busy_start) / 1000;
  int busy_pages = pages - pages_before;
  stop = true;
  for (auto& t : phones) t.join();

  std::printf("\nresponsiveness while every core images photos (%u phones uploading, %.2f pages/s meanwhile):\n",
              2 * cores, busy_pages / busy_seconds);
  std::printf("%-32s %10s %10s %10s %10s %8s\n", "request", "idle p50", "idle p99", "busy p50", "busy p99", "failed");
  for (std::size_t i = 0; i < std::size(kinds); ++i) {
    std::printf("%-32s %8.2f ms %8.2f ms %8.2f ms %8.2f ms %8d\n", kinds[i].name, idle[i].p50, idle[i].p99, busy[i].p50,
                busy[i].p99, idle[i].failed + busy[i].failed);
  }
}

int usage() {
  std::cerr << "usage: upload_bench [--photo FILE] [--uploads K] [--phones 1,2,4] [--imaging-runs R] [--opencv-threads T]\n"
               "  K uploads per phone (default 6), R direct imaging runs (default 5),\n"
               "  T OpenCV threads while the server images (default: OpenCV's own choice, as hallpass-server).\n"
               "  Needs HALLPASS_TEST_DATABASE_URL (scripts/test-postgres.sh start).\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string photo_path = std::string(HALLPASS_TESTDATA_DIR) + "/photos/dynamsoft/a4-on-dark-background.jpg";
  int per_phone = 6, imaging_runs = 5, server_opencv_threads = -1;
  std::vector<int> phone_counts = {1, 2, 4};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--photo") photo_path = v;
    else if (a == "--uploads") per_phone = std::max(1, std::atoi(v.c_str()));
    else if (a == "--imaging-runs") imaging_runs = std::max(1, std::atoi(v.c_str()));
    else if (a == "--opencv-threads") server_opencv_threads = std::atoi(v.c_str());
    else if (a == "--phones") {
      phone_counts.clear();
      for (std::size_t at = 0; at < v.size();) {
        auto comma = v.find(',', at);
        phone_counts.push_back(std::max(1, std::atoi(v.substr(at, comma - at).c_str())));
        at = comma == std::string::npos ? v.size() : comma + 1;
      }
    } else return usage();
  }
  std::ifstream in(photo_path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << photo_path << "\n";
    return 2;
  }
  const std::string photo{std::istreambuf_iterator<char>(in), {}};
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  auto cfg = test::test_config();
  cfg.net.worker_threads = 8;
  cfg.db_pool_size = 8;
  cfg.upload_code_max_pages = 30;
  cfg.login_attempts_per_ip = 1000000;     // the responsiveness probe logs in back to back
  cfg.ticket_polls_per_minute = 1000000;
  cfg.upload_photos_per_code_per_minute = 1000000;  // phones upload back to back from one address
  cfg.upload_photos_per_ip_per_minute = 1000000;
  test::running_server server(cfg);

  // Imaging alone, in this process: with OpenCV's default threading (as the server runs it) and
  // on one thread (what one core delivers when every core has its own photo).
  bool accepted = false;
  imaging_ms(photo, 1, &accepted);  // warm-up
  double imaging_default = imaging_ms(photo, imaging_runs, &accepted);
  int opencv_threads = cv::getNumThreads();
  cv::setNumThreads(1);
  double imaging_single = imaging_ms(photo, imaging_runs, &accepted);
  cv::setNumThreads(opencv_threads);
  if (!accepted) {
    std::cerr << "the photo is not accepted by the pipeline: choose another\n";
    return 1;
  }

  std::printf("photo %s, %zu bytes; %u cores; %d uploads per phone\n", photo_path.c_str(), photo.size(), cores, per_phone);
  std::printf("imaging::process median of %d: %.0f ms (OpenCV threads %d, as in the server), %.0f ms (1 thread)\n\n",
              imaging_runs, imaging_default, opencv_threads, imaging_single);
  std::printf("%6s %8s %10s %8s %8s %20s %10s %20s %12s %14s\n", "phones", "uploads", "median ms", "p95 ms", "pages/s",
              "median − imaging ms", "predicted", "pages/s ÷ predicted", "direct p/s", "pages/s ÷ direct");

  // The server's threading of OpenCV is this process's: by default left as it is.
  if (server_opencv_threads >= 0) cv::setNumThreads(server_opencv_threads);
  std::printf("OpenCV threads while the server images: %d\n", cv::getNumThreads());
  {  // warm the server (pool, first upload)
    auto p = new_phone(server);
    test::http_call(server.port(), "POST", "/api/v1/upload-codes/current/pages", photo,
                    {{"X-Upload-Code", p.token}, {"Content-Type", "image/jpeg"}, {"Idempotency-Key", "warm"}});
  }
  int failures = 0;
  for (int n : phone_counts) {
    std::vector<phone> phones;
    for (int i = 0; i < n; ++i) phones.push_back(new_phone(server));
    std::mutex m;
    std::vector<double> latencies;
    auto start = clock_type::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        client::options opts;
        opts.timeout = std::chrono::seconds(120);
        client::connection phone_link(client::loopback(server.port()), opts);  // keep-alive, as a phone's app
        client::request req{.method = "POST", .target = "/api/v1/upload-codes/current/pages",
                            .headers = {{"X-Upload-Code", phones[i].token}, {"Content-Type", "image/jpeg"}, {}},
                            .body = photo};
        client::response r;
        for (int k = 0; k < per_phone; ++k) {
          req.headers.back() = {"Idempotency-Key", "p" + std::to_string(i) + "-" + std::to_string(k)};
          auto t = clock_type::now();
          int status = 0;
          try {
            phone_link.send(req, r);
            status = r.status;
          } catch (const client::error& e) {
            std::fprintf(stderr, "upload failed: %s\n", e.what());
          }
          double ms = ms_since(t);
          std::lock_guard lock(m);
          if (status != 201) ++failures;
          latencies.push_back(ms);
        }
      });
    }
    for (auto& t : threads) t.join();
    double seconds = ms_since(start) / 1000;
    double rate = static_cast<double>(latencies.size()) / seconds;
    double predicted = cores * 1000.0 / imaging_single;
    double median = percentile(latencies, 0.5);
    // The same work without the server, on as many threads as the server may image at once.
    double direct = direct_rate(photo, static_cast<int>(std::min<unsigned>(n, cores)), per_phone);
    std::printf("%6d %8zu %10.0f %8.0f %8.2f %20.0f %10.2f %19.0f%% %12.2f %13.0f%%\n", n, latencies.size(), median,
                percentile(latencies, 0.95), rate, median - imaging_default, predicted, 100 * rate / predicted, direct,
                100 * rate / direct);
    std::fflush(stdout);
  }
  responsiveness(server, photo, cores);
  std::printf("\npredicted = cores ÷ single-thread imaging time. Targets: median − imaging ≤ 50 ms at 1 phone; "
              "pages/s ÷ predicted ≥ 90 %% once phones ≥ cores.\n");
  if (failures) std::printf("%d uploads were not answered 201\n", failures);
  return failures ? 1 : 0;
}
