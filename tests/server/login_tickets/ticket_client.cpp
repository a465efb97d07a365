#include "ticket_client.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "hallpass/server/db/database.hpp"

extern char** environ;

namespace hallpass::test::tickets {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

std::string str_at(const json::value& v, const char* key) {
  if (!v.is_object()) return "";
  auto* p = v.as_object().if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : "";
}

header_list poll_headers(const std::string& secret) { return {{"X-Poll-Secret", secret}}; }

}  // namespace

portal_ticket create(unsigned short port, const header_list& headers) {
  portal_ticket t;
  t.reply = http_call(port, "POST", "/api/v1/login-tickets", "{}", headers);
  EXPECT_EQ(t.reply.status, 201) << t.reply.body;
  auto v = t.reply.json();
  t.id = str_at(v, "ticket_id");
  t.qr_url = str_at(v, "qr_url");
  t.poll_secret = str_at(v, "poll_secret");
  if (v.is_object() && v.as_object().contains("match_number") && v.as_object().at("match_number").is_int64())
    t.match_number = static_cast<int>(v.as_object().at("match_number").as_int64());
  auto pos = t.qr_url.rfind("/l/");
  if (pos != std::string::npos) t.scan_token = t.qr_url.substr(pos + 3);
  t.cookie = t.reply.headers["set-cookie"];
  return t;
}

http_reply poll(unsigned short port, const std::string& id, const std::string& secret, const std::string& query) {
  return http_call(port, "GET", "/api/v1/login-tickets/" + id + (query.empty() ? "" : "?" + query), "",
                   poll_headers(secret));
}

std::string state_of(unsigned short port, const portal_ticket& t) {
  return str_at(poll(port, t.id, t.poll_secret).json(), "state");
}

http_reply redeem(unsigned short port, const std::string& id, const std::string& secret) {
  return http_call(port, "POST", "/api/v1/login-tickets/" + id + "/session", "{}", poll_headers(secret));
}

http_reply portal_cancel(unsigned short port, const std::string& id, const std::string& secret) {
  return http_call(port, "DELETE", "/api/v1/login-tickets/" + id, "", poll_headers(secret));
}

std::string phone_login(unsigned short port, const std::string& account) {
  json::object body{{"account", account}, {"password", "Demo@2026"}, {"channel", "app"}};
  auto r = http_call(port, "POST", "/api/v1/sessions", json::serialize(body));
  EXPECT_EQ(r.status, 201) << r.body;
  return str_at(r.json(), "token");
}

http_reply scan(unsigned short port, const std::string& phone, const std::string& field, const std::string& value) {
  json::object body{{field, value}};
  return http_call(port, "POST", "/api/v1/login-tickets/scans", json::serialize(body),
                   {{"Authorization", "Bearer " + phone}});
}

http_reply confirm(unsigned short port, const std::string& phone, const std::string& id, int match_number,
                   const std::optional<std::string>& unit_id) {
  json::object body{{"match_number", match_number}};
  if (unit_id) body["unit_id"] = *unit_id;
  return http_call(port, "POST", "/api/v1/login-tickets/" + id + "/confirmation", json::serialize(body),
                   {{"Authorization", "Bearer " + phone}});
}

http_reply phone_cancel(unsigned short port, const std::string& phone, const std::string& id) {
  return http_call(port, "POST", "/api/v1/login-tickets/" + id + "/cancellation", "{}",
                   {{"Authorization", "Bearer " + phone}});
}

json::value unit_entry(const http_reply& scan_reply, const std::string& uscc) {
  auto v = scan_reply.json();
  if (!v.is_object() || !v.as_object().contains("units")) return nullptr;
  for (auto& u : v.as_object().at("units").as_array())
    if (str_at(u.as_object().at("unit"), "uscc") == uscc) return u;
  return nullptr;
}

http_reply form_post(unsigned short port, const std::string& target, const std::string& form) {
  return http_call(port, "POST", target, form, {{"Content-Type", "application/x-www-form-urlencoded"}});
}

http_reply device_token(unsigned short port, const std::string& device_code, const std::string& client_id) {
  return form_post(port, "/oauth/token",
                   "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=" + device_code +
                       "&client_id=" + client_id);
}

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

std::string unit_id_of(const std::string& conninfo, const std::string& uscc) {
  return sql_one(conninfo, "SELECT id FROM units WHERE uscc = '" + uscc + "'");
}

void expire_ticket(const std::string& conninfo, const std::string& id) {
  sql(conninfo, "UPDATE login_tickets SET expires_at = now() - interval '1 second' WHERE id = " + std::to_string(std::stoll(id)) +
                    " RETURNING id");
}

int base64url_bytes(const std::string& text) {
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return -1;
  if (text.size() % 4 == 1) return -1;
  return static_cast<int>(text.size() * 6 / 8);
}

background_read::background_read(unsigned short port, std::string request, std::chrono::milliseconds limit) {
  thread_ = std::thread([this, port, request = std::move(request), limit] {
    asio::io_context ioc;
    tcp::socket sock(ioc);
    boost::system::error_code ec;
    sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return;
    asio::write(sock, asio::buffer(request), ec);
    sock.non_blocking(true);
    auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      auto n = sock.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) {  // end of stream: the server closed the connection
        closed_at_ = std::chrono::steady_clock::now();
        closed_ = true;
        return;
      }
      std::lock_guard lock(mutex_);
      received_.append(buf, n);
    }
  });
}

background_read::~background_read() {
  if (thread_.joinable()) thread_.join();
}

bool background_read::wait_for(const std::string& needle, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (text().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return text().find(needle) != std::string::npos;
}

bool background_read::finish() {
  if (thread_.joinable()) thread_.join();
  return closed_;
}

std::string background_read::text() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::string sse_request(const std::string& id, const std::string& secret) {
  return "GET /api/v1/login-tickets/" + id + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
         "X-Poll-Secret: " + secret + "\r\nConnection: close\r\n\r\n";
}

std::string long_poll_request(const std::string& id, const std::string& secret, int wait, const std::string& known) {
  return "GET /api/v1/login-tickets/" + id + "?wait=" + std::to_string(wait) + "&known=" + known +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Poll-Secret: " + secret + "\r\nConnection: close\r\n\r\n";
}

http_reply parse_raw(const std::string& raw) {
  http_reply out;
  auto sp = raw.find(' ');
  if (raw.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos) return out;
  out.status = std::atoi(raw.c_str() + sp + 1);
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return out;
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r')) value.pop_back();
    out.headers[name] = value;
  }
  out.body = raw.substr(head_end + 4);
  return out;
}

unsigned short free_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

server_process::server_process(const std::string& conninfo, bool demo) {
  namespace fs = std::filesystem;
  for (int attempt = 0; attempt < 3 && !healthy_; ++attempt) {
    port_ = free_port();
    auto dir = fs::temp_directory_path() / ("hallpass-node-" + std::to_string(getpid()) + "-" + std::to_string(port_));
    fs::create_directories(dir);
    log_file_ = (dir / "server.log").string();
    std::vector<std::string> args = {HALLPASS_SERVER_BINARY,
                                     "--port=" + std::to_string(port_),
                                     "--address=127.0.0.1",
                                     "--public-url=http://127.0.0.1:" + std::to_string(port_),
                                     "--database-url=" + conninfo,
                                     "--data-key=test-data-key-0123456789abcdef0123456789abcdef",
                                     "--data-dir=" + dir.string(),
                                     "--schema-dir=" HALLPASS_SCHEMA_DIR,
                                     "--log-requests=false",
                                     std::string("--demo=") + (demo ? "true" : "false")};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    int rc = posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    if (rc != 0) {
      pid_ = -1;
      ADD_FAILURE() << "cannot start " << HALLPASS_SERVER_BINARY;
      return;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited, e.g. the port was taken meanwhile
        pid_ = -1;
        if (attempt < 2) fs::remove_all(dir);  // the last one keeps its log for log()
        break;
      }
      try {
        if (http_call(port_, "GET", "/healthz").status == 200) {
          healthy_ = true;
          break;
        }
      } catch (const std::exception&) {
        // Not listening yet.
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

server_process::~server_process() {
  stop();
  std::error_code ec;
  if (!log_file_.empty()) std::filesystem::remove_all(std::filesystem::path(log_file_).parent_path(), ec);
}

std::string server_process::log() const {
  std::ifstream in(log_file_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace hallpass::test::tickets
