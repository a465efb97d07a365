#include "hallpass/server/local_verifier.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "hallpass/server/identity/masking.hpp"
#include "hallpass/server/identity/signatures.hpp"
#include "hallpass/server/identity/tokens.hpp"

namespace hallpass::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr auto check_life = std::chrono::minutes(30);
constexpr std::size_t max_checks = 10000;

struct check {
  std::string name, id_type, id_number, purpose;
  std::string status = "pending";  // pending | passed | failed
  std::int64_t checked_at = 0;     // Unix seconds of the verdict
  std::chrono::steady_clock::time_point created = std::chrono::steady_clock::now();
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

using response = http::response<http::string_body>;

response reply(http::status status, std::string content_type, std::string body) {
  response r{status, 11};
  r.set(http::field::content_type, content_type);
  r.set(http::field::cache_control, "no-store");
  r.body() = std::move(body);
  return r;
}

response json_reply(http::status status, const json::object& body) {
  return reply(status, "application/json", json::serialize(body));
}

std::string page(const check& c) {
  std::string body =
      "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>本地模拟实名核验</title>"
      "<style>body{font:18px/1.6 sans-serif;margin:0;padding:1rem;color:#1a1a1a;background:#fff}"
      "main{max-width:32rem;margin:auto}.banner{background:#fff3cd;border:2px solid #8a6d00;padding:.75rem}"
      "button{font-size:1.1rem;padding:.7rem 1.4rem;margin:.3rem .5rem .3rem 0;border-radius:.4rem;border:2px solid #0b4f9c;"
      "background:#0b4f9c;color:#fff}button.secondary{background:#fff;color:#0b4f9c}</style></head><body><main>"
      "<p class=\"banner\" role=\"note\"><strong>本地模拟 · 仅供测试和演示</strong><br>这里不做人脸识别，按下“通过”即视为核验通过。"
      "<br><span lang=\"en\">Local stand-in for the real-name service, for tests and demos only: no face recognition.</span></p>"
      "<h1>实名核验 <span lang=\"en\">Identity check</span></h1>"
      "<p>姓名 <span lang=\"en\">Name</span>：" +
      html_escape(identity::mask_name(c.name)) + "</p><p>证件号码 <span lang=\"en\">ID number</span>：" +
      html_escape(identity::mask_id_number(c.id_number)) + "</p>";
  if (c.status == "pending") {
    body += "<form method=\"post\"><button name=\"result\" value=\"pass\">通过核验 <span lang=\"en\">Pass</span></button>"
            "<button class=\"secondary\" name=\"result\" value=\"fail\">不通过 <span lang=\"en\">Fail</span></button></form>";
  } else if (c.status == "passed") {
    body += "<p role=\"status\" id=\"result\">核验已通过，请回到注册页面继续。<span lang=\"en\">Passed: go back to the "
            "registration page.</span></p>";
  } else {
    body += "<p role=\"status\" id=\"result\">核验未通过。<span lang=\"en\">Not passed.</span></p>";
  }
  return body + "</main></body></html>";
}

}  // namespace

struct local_verifier::impl {
  local_verifier_settings settings;
  std::string public_pem;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stop{false};
  std::mutex mutex;  // checks
  std::map<std::string, check> checks;
  std::mutex serving_mutex;
  std::condition_variable serving_done;
  int serving = 0;  // connections being served (each on a detached thread)
  std::thread accept_thread;

  std::string base_url() const {
    return "http://" + settings.host + ":" + std::to_string(acceptor.local_endpoint().port());
  }

  response handle(const http::request<http::string_body>& req) {
    std::string target(req.target());
    std::lock_guard lock(mutex);
    auto now = std::chrono::steady_clock::now();
    std::erase_if(checks, [&](const auto& entry) { return now - entry.second.created > check_life; });

    if (req.method() == http::verb::post && target == "/v1/checks") {
      json::object in;
      try {
        in = json::parse(req.body()).as_object();
      } catch (const std::exception&) {
        return json_reply(http::status::bad_request, {{"error", "invalid_json"}});
      }
      auto text = [&](const char* key) {
        auto* v = in.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      check c;
      c.name = text("name");
      c.id_number = text("id_number");
      c.id_type = text("id_type");
      c.purpose = text("purpose");
      if (c.name.empty() || c.id_number.empty() || c.id_type.empty())
        return json_reply(http::status::bad_request, {{"error", "name, id_type and id_number are required"}});
      if (checks.size() >= max_checks) return json_reply(http::status::service_unavailable, {{"error", "busy"}});
      auto id = identity::random_token(16);
      checks.emplace(id, std::move(c));
      auto base = settings.public_url.empty() ? base_url() : settings.public_url;
      return json_reply(http::status::created, {{"check_id", id}, {"verify_url", base + "/check/" + id}});
    }

    auto id_after = [&](const std::string& prefix) -> check* {
      if (target.rfind(prefix, 0) != 0) return nullptr;
      auto it = checks.find(target.substr(prefix.size()));
      return it == checks.end() ? nullptr : &it->second;
    };
    if (req.method() == http::verb::get && target.rfind("/v1/checks/", 0) == 0) {
      auto* c = id_after("/v1/checks/");
      if (!c) return json_reply(http::status::not_found, {{"error", "unknown_check"}});
      json::object payload{{"v", 1},
                           {"check_id", target.substr(11)},
                           {"status", c->status},
                           {"name", c->name},
                           {"id_type", c->id_type},
                           {"id_number", c->id_number},
                           {"purpose", c->purpose},
                           {"signed_at", unix_now()}};
      if (c->checked_at) payload["checked_at"] = c->checked_at;
      auto bytes = json::serialize(payload);
      return json_reply(http::status::ok,
                        {{"payload", identity::base64url_encode(bytes)},
                         {"signature", identity::base64url_encode(identity::ed25519_sign(settings.private_pem, bytes))}});
    }
    if (target.rfind("/check/", 0) == 0) {
      auto* c = id_after("/check/");
      if (!c) return reply(http::status::not_found, "text/plain; charset=utf-8", "没有这个核验 / no such check\n");
      if (req.method() == http::verb::post) {
        if (c->status == "pending" && (req.body() == "result=pass" || req.body() == "result=fail")) {
          c->status = req.body() == "result=pass" ? "passed" : "failed";
          c->checked_at = unix_now();
        }
        auto r = reply(http::status::see_other, "text/plain; charset=utf-8", "");
        r.set(http::field::location, target);
        return r;
      }
      return reply(http::status::ok, "text/html; charset=utf-8", page(*c));
    }
    return reply(http::status::not_found, "text/plain; charset=utf-8", "not found\n");
  }

  void serve(tcp::socket sock) {
    timeval tv{5, 0};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    beast::error_code ec;
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    http::read(sock, buffer, parser, ec);
    if (ec) return;
    response r;
    try {
      r = handle(parser.get());
    } catch (const std::exception&) {
      r = json_reply(http::status::internal_server_error, {{"error", "internal"}});
    }
    r.keep_alive(false);
    r.prepare_payload();
    http::write(sock, r, ec);
    sock.shutdown(tcp::socket::shutdown_both, ec);
  }

  void accept_loop() {
    while (!stop) {
      pollfd p{acceptor.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      beast::error_code ec;
      tcp::socket sock(io);
      acceptor.accept(sock, ec);
      if (ec) continue;
      sock.non_blocking(false, ec);
      {
        std::lock_guard lock(serving_mutex);
        ++serving;
      }
      // The socket is gone before the count drops, so nothing outlives the io_context.
      std::thread([this, s = new tcp::socket(std::move(sock))] {
        serve(std::move(*s));
        delete s;
        std::lock_guard lock(serving_mutex);
        if (--serving == 0) serving_done.notify_all();
      }).detach();
    }
  }
};

local_verifier::local_verifier(local_verifier_settings s) : impl_(std::make_unique<impl>()) {
  impl_->settings = std::move(s);
  if (impl_->settings.private_pem.empty()) impl_->settings.private_pem = identity::generate_ed25519_key().private_pem;
  impl_->public_pem = identity::ed25519_public_pem(impl_->settings.private_pem);
  tcp::endpoint where(asio::ip::make_address(impl_->settings.host), impl_->settings.port);
  impl_->acceptor.open(where.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(where);
  impl_->acceptor.listen();
  impl_->acceptor.non_blocking(true);
  impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

local_verifier::~local_verifier() {
  impl_->stop = true;
  impl_->accept_thread.join();
  std::unique_lock lock(impl_->serving_mutex);
  impl_->serving_done.wait(lock, [this] { return impl_->serving == 0; });
}

unsigned short local_verifier::port() const { return impl_->acceptor.local_endpoint().port(); }
std::string local_verifier::base_url() const { return impl_->base_url(); }
std::string local_verifier::public_pem() const { return impl_->public_pem; }

}  // namespace hallpass::server
