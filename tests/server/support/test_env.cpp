#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <random>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "hallpass/client/connection.hpp"

#include "hallpass/server/app/bootstrap.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/net/http_server.hpp"
#include "hallpass/server/api/router.hpp"
#include "hallpass/server/services/demo.hpp"

namespace hallpass::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string admin_conninfo() {
  const char* url = std::getenv("HALLPASS_TEST_DATABASE_URL");
  if (!url || !*url) {
    throw std::runtime_error(
        "HALLPASS_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts a PostgreSQL for them");
  }
  return url;
}

scratch_database::scratch_database(const std::string& tablespace) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  name_ = "hp_t_" + std::to_string(rd() % 1000000) + "_" + std::to_string(++counter);
  server::db::connection admin(admin_conninfo());
  admin.exec_script("CREATE DATABASE " + name_ + (tablespace.empty() ? "" : " TABLESPACE " + tablespace));
  conninfo_ = admin_conninfo() + " dbname=" + name_;
  server::run_migrations(conninfo_, HALLPASS_SCHEMA_DIR);
}

scratch_database::~scratch_database() {
  try {
    server::db::connection admin(admin_conninfo());
    admin.exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

boost::json::value http_reply::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

std::string http_reply::error_code() const {
  auto v = json();
  if (!v.is_object()) return "";
  auto* e = v.as_object().if_contains("error");
  if (!e || !e->is_object()) return "";
  auto* c = e->as_object().if_contains("code");
  return c && c->is_string() ? std::string(c->as_string()) : "";
}

std::string session_cookie(const http_reply& r) {
  auto it = r.headers.find("set-cookie");
  if (it == r.headers.end()) return "";
  auto& c = it->second;
  auto eq = c.find('=');
  auto name = c.substr(0, eq);
  if (eq == std::string::npos || (name != "hp_session" && name != "__Host-hp_session")) return "";
  return c.substr(eq + 1, c.find(';') - eq - 1);
}

http_reply to_reply(const client::response& r) {
  http_reply out;
  out.status = r.status;
  for (auto& [name, value] : r.headers) out.headers[name] = value;  // the last of a repeated field
  out.body = r.body;
  return out;
}

client::options test_client_options() {
  client::options o;
  o.timeout = std::chrono::seconds(120);  // above the longest long-poll of the tests
  o.user_agent = "hallpass-tests";
  return o;
}

http_reply http_call(unsigned short port, const std::string& method, const std::string& target,
                     const std::string& body, const header_list& headers) {
  client::request req{.method = method, .target = target, .headers = headers, .body = body};
  bool typed = false;
  for (auto& [name, value] : headers) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    typed = typed || lower == "content-type";
  }
  if (!body.empty() && !typed) req.headers.emplace_back("Content-Type", "application/json");
  return to_reply(client::fetch(client::loopback(port), req, test_client_options()));
}

std::string raw_exchange(unsigned short port, const std::string& bytes, std::chrono::milliseconds wait) {
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  boost::system::error_code ec;
  asio::write(sock, asio::buffer(bytes), ec);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + wait;
  sock.non_blocking(true);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    auto n = sock.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

server::config test_config() {
  server::config cfg;
  cfg.net.port = 0;
  cfg.net.worker_threads = 4;
  cfg.net.shutdown_grace = std::chrono::seconds(2);
  cfg.db_pool_size = 4;
  cfg.log_requests = false;
  cfg.schema_dir = HALLPASS_SCHEMA_DIR;
  cfg.catalogue_file = HALLPASS_SOURCE_DIR "/server/data/catalogue.json";
  cfg.calendar_file = HALLPASS_SOURCE_DIR "/server/data/calendar-cn.txt";
  cfg.web_dir = HALLPASS_SOURCE_DIR "/web";
  cfg.data_key = "test-data-key-0123456789abcdef0123456789abcdef";
  cfg.public_url = "http://127.0.0.1";
  return cfg;
}

// The network layer starts first so that the server's loopback port is known when the parts are
// assembled (the public URL holds it); until then this passes nothing on (nobody knows the port).
struct forwarding_handler final : server::request_handler {
  server::request_handler* target = nullptr;
  server::request_plan plan(std::string_view method, std::string_view path) const override {
    return target->plan(method, path);
  }
  std::optional<server::response> admit(server::request& req, const server::request_plan& plan) override {
    return target->admit(req, plan);
  }
  server::response handle(server::request& req, const server::request_plan& plan) override {
    return target->handle(req, plan);
  }
  void observe(const server::request& req, const server::request_plan& plan, int status, double seconds) override {
    target->observe(req, plan, status, seconds);
  }
  server::response error_response(int status, std::string_view code) override {
    return target->error_response(status, code);
  }
};

struct running_server::parts {
  forwarding_handler forward;
  std::unique_ptr<server::http_server> http;
  std::unique_ptr<server::assembly> assembly;
  std::unique_ptr<server::api::router> router;
};

running_server::running_server(server::config cfg, bool demo, const server::services::clock* clock)
    : db_(std::make_unique<scratch_database>()), parts_(std::make_unique<parts>()) {
  parts_->http = std::make_unique<server::http_server>(cfg.net, parts_->forward);
  parts_->http->start();
  if (cfg.public_url == test_config().public_url) cfg.public_url += ":" + std::to_string(parts_->http->port());
  if (cfg.database_read_url == own_database) cfg.database_read_url = db_->conninfo();
  parts_->assembly = std::make_unique<server::assembly>(cfg, db_->conninfo(), clock);
  if (demo) {
    std::ostringstream ignored;
    parts_->assembly->load_demo_data(ignored);
  }
  auto& api = parts_->assembly->api;
  parts_->router = std::make_unique<server::api::router>(api, server::api::all_routes(api.settings));
  parts_->forward.target = parts_->router.get();
  auto* h = parts_->http.get();
  api.connections = [h] { return h->connections(); };
}

running_server::~running_server() {
  parts_->http->stop();
  parts_.reset();
}

unsigned short running_server::port() const { return parts_->http->port(); }
server::assembly& running_server::app() { return *parts_->assembly; }

http_reply running_server::call(const std::string& method, const std::string& target, const std::string& body,
                                const header_list& headers) const {
  return http_call(port(), method, target, body, headers);
}

http_reply running_server::call_as(const std::string& token, const std::string& method, const std::string& target,
                                   const std::string& body) const {
  return http_call(port(), method, target, body, {{"Authorization", "Bearer " + token}});
}

std::string running_server::login(const std::optional<std::string>& unit, const std::string& account,
                                   const std::string& password, const std::string& channel) const {
  boost::json::object req{{"account", account}, {"password", password}, {"channel", channel}};
  if (unit) req["unit"] = *unit;
  auto r = call("POST", "/api/v1/sessions", boost::json::serialize(req));
  EXPECT_EQ(r.status, 201) << r.body;
  auto v = r.json();
  if (!v.is_object() || !v.as_object().contains("token")) return "";
  return std::string(v.as_object().at("token").as_string());
}


}  // namespace hallpass::test
