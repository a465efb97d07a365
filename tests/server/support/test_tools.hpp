#pragma once
// Helpers shared by the test suites that talk to the server from outside: SQL on the scratch
// database, SHA-256 of bytes, JSON field access, a background reader for event streams and
// long-polls, and hallpass-server child processes.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/value.hpp>

#include "hallpass/client/http.hpp"
#include "hallpass/client/response_stream.hpp"

namespace hallpass::test {

struct http_reply;

// Direct SQL on a database, for arranging state and reading what is stored: the first column
// of every row, as text ("" for NULL).
std::vector<std::string> sql(const std::string& conninfo, const std::string& query);
// The first column of the first row, or "" when there is no row.
std::string sql_one(const std::string& conninfo, const std::string& query);

// Lower-case hex SHA-256 of a byte string, to compare with the digests the server reports.
std::string sha256_hex(const std::string& bytes);

// A string member of a JSON object, or "" when it is missing or not a string.
std::string str_at(const boost::json::value& v, const char* key);

// Asks `ready` every few milliseconds until it answers true; false when `within` passed first.
// Tests wait for the condition they need, never for a fixed time.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds within);

// The value of the unlabelled sample `name` on the server's GET /metrics, or -1 when it is not
// there (or the server does not answer).
double metric_value(unsigned short port, const std::string& name);

// A loopback TCP port that was free a moment ago.
unsigned short free_port();

// Sends a request to 127.0.0.1:port and collects the response as it arrives (hallpass_client's
// response_stream, on a thread of its own) until the server ends it, stop() is called, or
// `limit` passes. For event streams and long-polls.
class background_read {
 public:
  background_read(unsigned short port, client::request request, std::chrono::milliseconds limit);
  // Stops reading and waits for the thread.
  ~background_read();
  background_read(const background_read&) = delete;
  background_read& operator=(const background_read&) = delete;
  // Waits until the received body contains `needle`; false after `within`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds within);
  // Waits for the end; true when the server ended the response (closed the stream) before the limit.
  bool finish();
  // Ends the reading early.
  void stop() { stream_->stop(); }
  // The body received so far.
  std::string text() const;
  // Status and headers (once the head arrived) with the body received so far.
  http_reply reply() const;
  // When the server ended the response (valid after finish() returned true).
  std::chrono::steady_clock::time_point closed_at() const { return stream_->ended_at(); }

 private:
  mutable std::mutex mutex_;
  client::response head_;
  std::string received_;
  std::unique_ptr<client::response_stream> stream_;  // last: ended before the rest goes
};

// A hallpass-server child process (`binary`) on a free loopback port, the given database and
// its own data directory, with `extra_args` ("--name=value") added to its command line.
// SIGTERM and wait on destruction.
class server_process {
 public:
  server_process(const std::string& binary, const std::string& conninfo, bool demo,
                 const std::vector<std::string>& extra_args = {});
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool healthy() const { return healthy_; }
  // SIGTERM, then wait (SIGKILL after 10 s); the exit status, or -1 when it had to be killed.
  int stop();
  // SIGKILL and reap at once, as a crash would end it.
  void kill9();
  // What the process wrote to stdout and stderr.
  std::string log() const;

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  bool healthy_ = false;
  std::filesystem::path dir_;
};

}  // namespace hallpass::test
