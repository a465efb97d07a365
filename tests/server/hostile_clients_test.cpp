// Clients that try to exhaust the server (issue: hardening): large bodies without credentials,
// many bodies at once, slow senders, many connections from one address, and a process out of
// file descriptors. Hand-made bytes go through raw sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

int status_of(const std::string& bytes) {
  if (bytes.rfind("HTTP/1.1 ", 0) != 0 || bytes.size() < 12) return 0;
  return std::stoi(bytes.substr(9, 3));
}

std::string error_code_of(const std::string& bytes) {
  auto at = bytes.find("\r\n\r\n");
  if (at == std::string::npos) return "";
  boost::system::error_code ec;
  auto v = json::parse(bytes.substr(at + 4), ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").at("code").as_string());
}

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

std::unique_ptr<tcp::socket> connect_to(asio::io_context& ioc, unsigned short port) {
  auto s = std::make_unique<tcp::socket>(ioc);
  s->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  return s;
}

const std::string upload_head =
    "POST /api/v1/upload-codes/current/pages HTTP/1.1\r\nHost: t\r\nContent-Type: image/jpeg\r\n";
const std::string login_head = "POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";

}  // namespace

// 60 strangers posting 19 MB each used to be read whole before the made-up code was looked at.
TEST(HostileClients, UploadWithAMadeUpCodeIsRefusedFromTheHeaderAlone) {
  running_server s(test_config(), false);
  auto started = clock_type::now();
  auto out = raw_exchange(s.port(), upload_head + "X-Upload-Code: made-up-code\r\nContent-Length: 19000000\r\n\r\n",
                          std::chrono::seconds(8));
  EXPECT_LT(seconds_since(started), 5.0) << "the server waited for the body";
  EXPECT_EQ(status_of(out), 404) << out;
  EXPECT_EQ(error_code_of(out), "upload_code_invalid") << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;

  // No code at all, and the portal's route without a session: the same, before the body.
  out = raw_exchange(s.port(), upload_head + "Content-Length: 19000000\r\n\r\n", std::chrono::seconds(8));
  EXPECT_EQ(status_of(out), 401) << out;
  EXPECT_EQ(error_code_of(out), "upload_code_required");
  out = raw_exchange(s.port(),
                     "POST /api/v1/applications/1/materials/id_card/pages HTTP/1.1\r\nHost: t\r\n"
                     "Content-Type: image/jpeg\r\nContent-Length: 19000000\r\n\r\n",
                     std::chrono::seconds(8));
  EXPECT_EQ(status_of(out), 401) << out;
  EXPECT_EQ(error_code_of(out), "unauthenticated");
  EXPECT_LT(seconds_since(started), 15.0);
  EXPECT_EQ(s.app().api.connections().body_bytes_reserved, 0);
}

// A client that sends the body anyway still reads the refusal: the server drops what arrives
// instead of resetting the connection under it.
TEST(HostileClients, RefusalReachesAClientThatKeepsSendingItsBody) {
  running_server s(test_config(), false);
  asio::io_context ioc;
  auto sock = connect_to(ioc, s.port());
  std::string body(4 * 1024 * 1024, 'x');
  asio::write(*sock, asio::buffer(upload_head + "X-Upload-Code: made-up-code\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n"));
  boost::system::error_code ec;
  asio::write(*sock, asio::buffer(body), ec);  // may fail part-way once the server has shut its side
  std::string reply;
  asio::read(*sock, asio::dynamic_buffer(reply), ec);  // up to the end of the stream
  EXPECT_EQ(status_of(reply), 404) << reply.substr(0, 200) << " / " << ec.message();
}

TEST(HostileClients, ExpectContinueIsAnsweredOnlyAfterTheCheck) {
  running_server s(test_config(), false);
  asio::io_context ioc;
  // A made-up code gets the final answer at once, no 100 Continue.
  auto out = raw_exchange(s.port(), upload_head + "X-Upload-Code: made-up\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n",
                          std::chrono::seconds(5));
  EXPECT_EQ(status_of(out), 404) << out;
  // A route that takes the body says 100 Continue before a byte of it is sent.
  auto sock = connect_to(ioc, s.port());
  asio::write(*sock, asio::buffer(login_head + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  std::string interim;
  asio::read_until(*sock, asio::dynamic_buffer(interim), "\r\n\r\n");
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u) << interim;
  asio::write(*sock, asio::buffer(std::string("{}")));
  std::string final_answer;
  asio::read_until(*sock, asio::dynamic_buffer(final_answer), "\r\n\r\n");
  EXPECT_EQ(status_of(final_answer), 400) << final_answer;  // {} lacks the account
}

TEST(HostileClients, BodiesInFlightShareOneBudget) {
  auto cfg = test_config();
  cfg.net.body_memory_limit = 100 * 1024;
  running_server s(cfg, false);
  asio::io_context ioc;
  // One body of 60 KB on its way holds 60 KB of the budget...
  auto first = connect_to(ioc, s.port());
  asio::write(*first, asio::buffer(login_head + "Content-Length: 60000\r\n\r\n" + std::string(1000, ' ')));
  ASSERT_TRUE(wait_until([&] { return s.app().api.connections().body_bytes_reserved == 60000; }, std::chrono::seconds(10)));
  // ...so a second one does not fit: 503 with Retry-After, before its body is read.
  auto out = raw_exchange(s.port(), login_head + "Content-Length: 60000\r\n\r\n", std::chrono::seconds(5));
  EXPECT_EQ(status_of(out), 503) << out;
  EXPECT_EQ(error_code_of(out), "server_busy");
  EXPECT_NE(out.find("Retry-After: "), std::string::npos) << out;
  // Small bodies still fit beside it.
  EXPECT_EQ(s.call("POST", "/api/v1/sessions", "{}").status, 400);
  // When the first one finishes, its share comes back.
  asio::write(*first, asio::buffer(std::string(59000, ' ')));
  std::string reply;
  asio::read_until(*first, asio::dynamic_buffer(reply), "\r\n\r\n");
  EXPECT_EQ(status_of(reply), 400) << reply;  // spaces are not JSON
  ASSERT_TRUE(wait_until([&] { return s.app().api.connections().body_bytes_reserved == 0; }, std::chrono::seconds(10)));
  out = raw_exchange(s.port(), login_head + "Connection: close\r\nContent-Length: 60000\r\n\r\n" + std::string(60000, ' '),
                     std::chrono::seconds(5));
  EXPECT_EQ(status_of(out), 400) << out;
}

// A phone on a slow network gets a clear 408, not a dropped connection.
TEST(HostileClients, SlowBodyGets408AfterItsTimeAtTheMinimumRate) {
  auto cfg = test_config();
  cfg.net.read_timeout = std::chrono::seconds(1);
  cfg.net.min_body_rate = 16 * 1024;
  running_server s(cfg, false);
  // 32 KiB declared: 1 s + 2 s at 16 KiB/s. Ten bytes, then silence.
  auto started = clock_type::now();
  auto out = raw_exchange(s.port(), login_head + "Content-Length: 32768\r\n\r\n0123456789", std::chrono::seconds(10));
  double took = seconds_since(started);
  EXPECT_EQ(status_of(out), 408) << out;
  EXPECT_EQ(error_code_of(out), "request_timeout");
  EXPECT_GE(took, 2.5);
  EXPECT_LT(took, 8.0);
  // A header that stops half-way gets the same answer; an idle connection just ends.
  out = raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ", std::chrono::seconds(6));
  EXPECT_EQ(status_of(out), 408) << out;
  out = raw_exchange(s.port(), "", std::chrono::seconds(4));
  EXPECT_EQ(out, "");
  EXPECT_EQ(s.call("GET", "/healthz").status, 200);
}

TEST(HostileClients, ConnectionsFromOneAddressAreCapped) {
  auto cfg = test_config();
  cfg.net.max_connections_per_ip = 2;
  running_server s(cfg, false);
  asio::io_context ioc;
  auto a = connect_to(ioc, s.port());
  auto b = connect_to(ioc, s.port());
  ASSERT_TRUE(wait_until([&] { return s.app().api.connections().open == 2; }, std::chrono::seconds(10)));
  auto out = raw_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", std::chrono::seconds(3));
  EXPECT_EQ(out, "");  // closed unanswered
  EXPECT_GE(s.app().api.connections().refused, 1);
  a->close();
  ASSERT_TRUE(wait_until([&] { return s.app().api.connections().open == 1; }, std::chrono::seconds(10)));
  EXPECT_EQ(s.call("GET", "/healthz").status, 200);
}

// Restores the process's open-file limit when a test is done with it.
struct saved_file_limit {
  rlimit saved{};
  saved_file_limit() { getrlimit(RLIMIT_NOFILE, &saved); }
  ~saved_file_limit() { setrlimit(RLIMIT_NOFILE, &saved); }
};

TEST(HostileClients, StartRaisesTheOpenFileLimitOrRefusesPlainly) {
  saved_file_limit restore;
  rlimit low = restore.saved;
  low.rlim_cur = 1024;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  {
    auto cfg = test_config();
    cfg.net.max_connections = 2000;
    running_server s(cfg, false);
    rlimit now{};
    getrlimit(RLIMIT_NOFILE, &now);
    EXPECT_GE(now.rlim_cur, 2000u);
  }
  // More than the kernel allows any process (fs.nr_open): the server does not start.
  auto cfg = test_config();
  cfg.net.max_connections = 2'000'000'000;
  try {
    running_server s(cfg, false);
    ADD_FAILURE() << "started with a connection limit it cannot keep";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("max-connections"), std::string::npos) << e.what();
  }
}

// Out of descriptors, accept fails at once for as long as the connection waits in the backlog.
// The server must pause between tries, not spin a core.
TEST(HostileClients, AcceptOutOfDescriptorsBacksOffAndRecovers) {
  running_server s(test_config(), false);
  saved_file_limit restore;
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(::socket(AF_INET, SOCK_STREAM, 0));
  // Use up every descriptor left under a lowered soft limit.
  rlimit low = restore.saved;
  low.rlim_cur = static_cast<rlim_t>(clients.back() + 64);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> filler;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) filler.push_back(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(s.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int fd : clients) ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_TRUE(wait_until([&] { return s.app().api.connections().accept_failures >= 1; }, std::chrono::seconds(10)));

  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  getrusage(RUSAGE_SELF, &after);
  auto cpu = [](const rusage& r) {
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
  };
  double used = cpu(after) - cpu(before);
  long failures = s.app().api.connections().accept_failures;
  EXPECT_LT(used, 0.5) << "CPU seconds burnt in 2 s while out of descriptors";
  EXPECT_LT(failures, 100) << "accept retried without pausing";

  for (int fd : filler) ::close(fd);
  setrlimit(RLIMIT_NOFILE, &restore.saved);
  // Once descriptors are free again the waiting connections are served.
  std::string get = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::write(clients[0], get.data(), get.size()), static_cast<ssize_t>(get.size()));
  char buf[256] = {};
  timeval tv{10, 0};
  setsockopt(clients[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto n = ::read(clients[0], buf, sizeof buf - 1);
  EXPECT_GT(n, 0);
  EXPECT_EQ(status_of(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0)), 200);
  for (int fd : clients) ::close(fd);
}

// One session may keep only a few live event streams; the next one is refused until one closes.
TEST(HostileClients, EventStreamsPerSessionAreBounded) {
  auto cfg = test_config();
  cfg.streams_per_session = 2;
  running_server s(cfg, true);
  auto login = s.call("POST", "/api/v1/sessions",
                      json::serialize(json::object{{"unit", demo::unit_a}, {"account", demo::agent_all},
                                                   {"password", "Demo@2026"}, {"channel", "app"}}));
  ASSERT_EQ(login.status, 201) << login.body;
  auto token = str_at(login.json(), "token");
  auto app = s.call_as(token, "POST", "/api/v1/applications", R"({"service_code":"labour_dispatch"})");
  ASSERT_EQ(app.status, 201) << app.body;
  std::string events = "/api/v1/applications/" + str_at(app.json(), "id") + "/events";
  auto open_stream = [&] {
    return std::make_unique<background_read>(
        s.port(), hallpass::client::request{.target = events, .headers = {{"Authorization", "Bearer " + token}}},
        std::chrono::seconds(30));
  };
  auto first = open_stream();
  auto second = open_stream();
  ASSERT_TRUE(first->wait_for("\"event\":\"open\"", std::chrono::seconds(5)));
  ASSERT_TRUE(second->wait_for("\"event\":\"open\"", std::chrono::seconds(5)));
  auto third = s.call_as(token, "GET", events);
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_EQ(third.error_code(), "too_many_streams");
  // The server finds the closed one at its next heartbeat (15 s) and gives its slot back.
  first->stop();
  first.reset();
  std::unique_ptr<background_read> again;
  ASSERT_TRUE(wait_until(
      [&] {
        again = open_stream();
        return again->wait_for("\"event\":\"open\"", std::chrono::seconds(2));
      },
      std::chrono::seconds(40)));
}

// A client that asks and never reads: once the server's send buffer and its own receive buffer
// are full, the response cannot be written; after the write timeout the server gives up on the
// connection instead of holding it for ever.
TEST(HostileClients, ClientThatStopsReadingIsDroppedAfterTheWriteTimeout) {
  auto cfg = test_config();
  cfg.net.write_timeout = std::chrono::seconds(1);
  running_server s(cfg, false);
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.open(tcp::v4());
  sock.set_option(asio::socket_base::receive_buffer_size(4096));
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port()));
  std::string pipelined;
  for (int i = 0; i < 4000; ++i) pipelined += "GET /login HTTP/1.1\r\nHost: t\r\n\r\n";
  auto started = clock_type::now();
  boost::system::error_code ec;
  asio::write(sock, asio::buffer(pipelined), ec);  // the server reads on until its writes stall
  ASSERT_TRUE(wait_until([&] { return s.app().api.connections().open == 1; }, std::chrono::seconds(5)));
  // Generous: on a loaded machine filling the socket buffers takes a while before the timeout runs.
  EXPECT_TRUE(wait_until([&] { return s.app().api.connections().open == 0; }, std::chrono::seconds(60)))
      << "the stalled connection is still open";
  EXPECT_GE(seconds_since(started), 1.0);
  EXPECT_EQ(s.call("GET", "/healthz").status, 200);
}
