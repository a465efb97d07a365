// body_memory_bench: what large request bodies cost the server's memory. Starts the real server
// in-process (scratch database, demo data), then sends bursts of 60 concurrent 19 MB uploads:
//   1. with a made-up upload code (no credentials): refused from the header, body never read;
//   2. with a real upload code: bodies read up to the in-flight budget (--body-memory-mb), the
//      rest refused with 503 + Retry-After; the bytes are not a photo, so each is rejected fast.
// For each burst it prints the process's resident memory before, at its peak (sampled every
// 5 ms) and 2 s after, and how the requests were answered. The client holds one shared body.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include "support/test_env.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace json = boost::json;
namespace test = hallpass::test;

namespace {

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string str_at(const json::value& v, const char* key) {
  if (!v.is_object()) return "";
  auto* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : "";
}

std::string real_upload_code(const test::running_server& s) {
  auto login = s.call("POST", "/api/v1/sessions",
                      json::serialize(json::object{{"unit", test::demo::unit_a}, {"account", test::demo::agent_all},
                                                   {"password", "Demo@2026"}, {"channel", "app"}}));
  auto session = str_at(login.json(), "token");
  auto app = s.call_as(session, "POST", "/api/v1/applications", R"({"service_code":"labour_dispatch"})");
  auto code = s.call_as(session, "POST", "/api/v1/applications/" + str_at(app.json(), "id") +
                                             "/materials/licence/upload-codes", "{}");
  auto url = str_at(code.json(), "url");
  return url.substr(url.rfind('/') + 1);
}

void burst(const char* name, unsigned short port, const std::string& code, const std::string& body, int clients) {
  long before = rss_kib();
  std::atomic<bool> sampling{true};
  std::atomic<long> peak{before};
  std::thread sampler([&] {
    while (sampling) {
      peak = std::max(peak.load(), rss_kib());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::mutex m;
  std::map<int, int> statuses;
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> senders;
  for (int i = 0; i < clients; ++i)
    senders.emplace_back([&] {
      int status = 0;
      try {  // raw socket, so that every sender writes from the one shared body
        asio::io_context ioc;
        tcp::socket sock(ioc);
        sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        std::string head = "POST /api/v1/upload-codes/current/pages HTTP/1.1\r\nHost: bench\r\n"
                           "Content-Type: image/jpeg\r\nX-Upload-Code: " + code +
                           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
        boost::system::error_code ec;
        asio::write(sock, std::array<asio::const_buffer, 2>{asio::buffer(head), asio::buffer(body)}, ec);
        std::string reply;
        asio::read_until(sock, asio::dynamic_buffer(reply), "\r\n", ec);
        if (reply.rfind("HTTP/1.1 ", 0) == 0 && reply.size() >= 12) status = std::stoi(reply.substr(9, 3));
        else status = -1;  // connection ended before an answer
      } catch (const std::exception&) {
        status = -1;
      }
      std::lock_guard lock(m);
      ++statuses[status];
    });
  for (auto& t : senders) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  long after = rss_kib();
  sampling = false;
  sampler.join();
  std::printf("%-34s RSS before %6.0f MB  peak %6.0f MB  after %6.0f MB   %.1f s  answers:", name, before / 1024.0,
              peak / 1024.0, after / 1024.0, seconds);
  for (auto& [status, n] : statuses) std::printf(" %d×%d", n, status);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 60;
  int body_mb = 19;
  int budget_mb = 256;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--clients") clients = std::stoi(argv[i + 1]);
    else if (a == "--body-mb") body_mb = std::stoi(argv[i + 1]);
    else if (a == "--body-memory-mb") budget_mb = std::stoi(argv[i + 1]);
  }
  auto cfg = test::test_config();
  cfg.net.body_memory_limit = static_cast<std::size_t>(budget_mb) * 1024 * 1024;
  cfg.net.worker_threads = 8;
  test::running_server server(cfg, true);
  std::string body(static_cast<std::size_t>(body_mb) * 1024 * 1024, '\x5a');
  std::string code = real_upload_code(server);
  std::printf("%d concurrent uploads of %d MB; bodies in flight limited to %d MB\n", clients, body_mb, budget_mb);
  burst("made-up upload code", server.port(), "made-up-code-0000000000", body, clients);
  burst("real upload code (not a photo)", server.port(), code, body, clients);
  burst("made-up upload code, again", server.port(), "made-up-code-0000000000", body, clients);
  return 0;
}
