#include "support/test_tools.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include "hallpass/server/db/database.hpp"
#include "support/test_env.hpp"

extern char** environ;

namespace hallpass::test {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;

std::vector<std::string> sql(const std::string& conninfo, const std::string& query) {
  server::db::connection c(conninfo);
  auto r = c.exec(query);
  std::vector<std::string> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(r.is_null(i, 0) ? "" : r.str(i, 0));
  return out;
}

std::string sql_one(const std::string& conninfo, const std::string& query) {
  auto r = sql(conninfo, query);
  return r.empty() ? "" : r.front();
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string str_at(const json::value& v, const char* key) {
  if (!v.is_object()) return "";
  auto* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : "";
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return ready();
}

double metric_value(unsigned short port, const std::string& name) {
  try {
    auto r = http_call(port, "GET", "/metrics");
    auto at = ("\n" + r.body).find("\n" + name + " ");
    if (r.status != 200 || at == std::string::npos) return -1;
    return std::stod(r.body.substr(at + name.size() + 1));
  } catch (const std::exception&) {
    return -1;
  }
}

unsigned short free_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

background_read::background_read(unsigned short port, client::request request, std::chrono::milliseconds limit) {
  request.timeout = limit;
  client::stream_callbacks callbacks;
  callbacks.on_head = [this](const client::response& head) {
    std::lock_guard lock(mutex_);
    head_ = head;
  };
  callbacks.on_data = [this](std::string_view piece) {
    std::lock_guard lock(mutex_);
    received_.append(piece);
  };
  stream_ = std::make_unique<client::response_stream>(client::loopback(port), std::move(request), std::move(callbacks),
                                                      test_client_options());
}

background_read::~background_read() { stream_.reset(); }

bool background_read::wait_for(const std::string& needle, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (text().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return text().find(needle) != std::string::npos;
}

bool background_read::finish() { return stream_->wait() == client::stream_end::complete; }

http_reply background_read::reply() const {
  std::lock_guard lock(mutex_);
  auto r = to_reply(head_);
  r.body = received_;
  return r;
}

std::string background_read::text() const {
  std::lock_guard lock(mutex_);
  return received_;
}

namespace {
bool log_says_listening(const std::string& log_file) {
  std::ifstream in(log_file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find("HallPass is running at") != std::string::npos;
}
}  // namespace

server_process::server_process(const std::string& binary, const std::string& conninfo, bool demo,
                               const std::vector<std::string>& extra_args) {
  namespace fs = std::filesystem;
  for (int attempt = 0; attempt < 3 && !healthy_; ++attempt) {
    port_ = free_port();
    dir_ = fs::temp_directory_path() / ("hallpass-node-" + std::to_string(getpid()) + "-" + std::to_string(port_));
    fs::create_directories(dir_);
    auto log_file = (dir_ / "server.log").string();
    std::vector<std::string> args = {binary,
                                     "--port=" + std::to_string(port_),
                                     "--address=127.0.0.1",
                                     "--public-url=http://127.0.0.1:" + std::to_string(port_),
                                     "--database-url=" + conninfo,
                                     "--data-key=test-data-key-0123456789abcdef0123456789abcdef",
                                     "--data-dir=" + dir_.string(),
                                     "--schema-dir=" HALLPASS_SCHEMA_DIR,
                                     "--log-requests=false",
                                     std::string("--demo=") + (demo ? "true" : "false")};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    int rc = posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    if (rc != 0) {
      pid_ = -1;
      ADD_FAILURE() << "cannot start " << binary;
      return;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited, e.g. the port was taken meanwhile
        pid_ = -1;
        if (attempt < 2) fs::remove_all(dir_);  // the last one keeps its log for log()
        break;
      }
      // Another test's server may hold the port found free; only this process's own word that it
      // listens makes the port its own, and /healthz then answers from it.
      if (log_says_listening(log_file)) {
        try {
          healthy_ = http_call(port_, "GET", "/healthz").status == 200;
        } catch (const std::exception&) {
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

int server_process::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  bool stopped = false;
  for (int i = 0; i < 200 && !stopped; ++i) {  // up to 10 s for a clean stop
    stopped = waitpid(pid_, &status, WNOHANG) == pid_;
    if (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!stopped) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
  return stopped && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void server_process::kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

server_process::~server_process() {
  stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string server_process::log() const {
  std::ifstream in(dir_ / "server.log");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace hallpass::test
