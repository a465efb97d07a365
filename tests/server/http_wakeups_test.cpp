// Streams and long-polls are woken by their producer's thread, with more than one I/O thread:
// no wake-up may be lost. A lost one leaves an event unsent until the next heartbeat (15 s) or a
// long-poll unanswered until its time is up.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hallpass/client/connection.hpp"
#include "hallpass/client/stream_group.hpp"
#include "hallpass/server/net/http_server.hpp"

namespace server = hallpass::server;
namespace client = hallpass::client;
using clock_type = std::chrono::steady_clock;

namespace {

// The producer runs on its own thread and is handed each response_later as it is made.
class producer_handler final : public server::request_handler {
 public:
  std::mutex mutex;
  std::condition_variable cv;
  std::shared_ptr<server::response_later> latest;

  server::request_plan plan(std::string_view, std::string_view path) const override { return {0, std::string(path)}; }
  std::optional<server::response> admit(server::request&, const server::request_plan&) override { return std::nullopt; }
  server::response handle(server::request& req, const server::request_plan&) override {
    server::response r;
    r.later = std::make_shared<server::response_later>();
    if (req.path == "/stream") {
      r.content_type = "text/event-stream";
      r.stream = true;
    } else {
      r.body = "timed out";
      r.wait = std::chrono::seconds(10);
    }
    {
      std::lock_guard lock(mutex);
      latest = r.later;
    }
    cv.notify_all();
    return r;
  }
  void observe(const server::request&, const server::request_plan&, int, double) override {}
  server::response error_response(int status, std::string_view code) override {
    server::response r;
    r.status = status;
    r.body = std::string(code);
    return r;
  }

  std::shared_ptr<server::response_later> take() {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, std::chrono::seconds(5), [this] { return latest != nullptr; });
    return std::exchange(latest, nullptr);
  }
};

struct two_thread_server {
  producer_handler handler;
  server::http_server http;
  two_thread_server() : http(options(), handler) { http.start(); }
  ~two_thread_server() { http.stop(); }
  static server::net_options options() {
    server::net_options o;
    o.port = 0;
    o.io_threads = 2;
    o.worker_threads = 2;
    o.max_connections = 64;
    return o;
  }
};

// A pause of 0 to 300 µs, so that wake-ups land at every point of the server's loop.
void jitter(std::mt19937& rng) {
  std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 300)(rng)));
}

}  // namespace

TEST(HttpWakeups, EveryStreamEventArrivesAtOnce) {
  two_thread_server s;
  std::mutex mutex;
  std::condition_variable cv;
  std::string received;
  client::stream_group streams;
  streams.add(client::loopback(s.http.port()), {.target = "/stream"},
              {.on_data = [&](std::string_view piece) {
                {
                  std::lock_guard lock(mutex);
                  received.append(piece);
                }
                cv.notify_all();
              }});
  auto later = s.handler.take();
  ASSERT_TRUE(later);
  std::mt19937 rng(7);
  int late = -1;
  const int events = 400;
  for (int i = 0; i < events; ++i) {
    jitter(rng);
    std::string event = "data: " + std::to_string(i) + "\n\n";
    later->push(event);
    if (i % 3 == 0) later->push(": a second piece at once\n\n");
    std::unique_lock lock(mutex);
    if (!cv.wait_for(lock, std::chrono::seconds(2), [&] { return received.find(event) != std::string::npos; })) {
      late = i;
      break;
    }
  }
  later->end();
  EXPECT_EQ(late, -1) << "event " << late << " of " << events << " was not sent within 2 s";
}

TEST(HttpWakeups, EveryLongPollIsAnsweredAtOnce) {
  two_thread_server s;
  std::mt19937 rng(11);
  int late = -1;
  const int polls = 300;
  client::connection c(client::loopback(s.http.port()));
  for (int i = 0; i < polls; ++i) {
    std::thread answer([&] {
      auto later = s.handler.take();
      if (!later) return;
      jitter(rng);
      server::response r;
      r.body = "answer " + std::to_string(i);
      later->finish(std::move(r));
    });
    auto start = clock_type::now();
    auto r = c.send({.target = "/wait"});
    answer.join();
    EXPECT_EQ(r.body, "answer " + std::to_string(i));
    if (clock_type::now() - start > std::chrono::seconds(2)) {
      late = i;
      break;
    }
  }
  EXPECT_EQ(late, -1) << "long-poll " << late << " of " << polls << " was answered only at its timeout";
}
