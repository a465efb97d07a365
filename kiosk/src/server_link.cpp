#include "server_link.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "hallpass/client/connection.hpp"
#include "hallpass/client/json.hpp"

namespace hallpass::kiosk {

namespace json = boost::json;

namespace {

std::string form_encode(const std::string& s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

std::string field(const json::value& v, const char* key) {
  if (!v.is_object() || !v.as_object().contains(key) || !v.at(key).is_string()) return "";
  return std::string(v.at(key).as_string());
}

}  // namespace

credential load_credential(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot find the kiosk credential " + path);
  if ((st.st_mode & 077) != 0)
    throw std::runtime_error("the kiosk credential " + path + " can be read by others: chmod 600 it (and ask the operator for a new one)");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  json::value v;
  try {
    v = json::parse(text.str());
  } catch (const std::exception&) {
    throw std::runtime_error("the kiosk credential " + path + " is not JSON");
  }
  credential c{field(v, "server"), field(v, "client_id"), field(v, "client_secret")};
  if (c.client_id.empty() || c.client_secret.empty())
    throw std::runtime_error("the kiosk credential " + path + " lacks client_id or client_secret");
  return c;
}

server_link::server_link(std::string base_url, credential cred, client::options opts)
    : base_(std::move(base_url)), cred_(std::move(cred)), opts_(std::move(opts)) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  client::parse_base_url(base_);  // a bad URL is found at start, not at the first sign-in
}

client::response server_link::send(client::request req) { return client::fetch(base_, req, opts_); }

client::response server_link::form_post(const std::string& target, const std::string& form) {
  client::request req;
  req.method = "POST";
  req.target = target;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = form + "&client_id=" + form_encode(cred_.client_id) + "&client_secret=" + form_encode(cred_.client_secret);
  return send(std::move(req));
}

device_login server_link::start_login() {
  auto r = form_post("/oauth/device_authorization", "scope=kiosk");
  auto v = client::json_body(r);
  if (r.status != 200) throw std::runtime_error("the server refused the kiosk: " + field(v, "error") + " " + field(v, "error_description"));
  device_login d;
  d.device_code = field(v, "device_code");
  d.user_code = field(v, "user_code");
  d.qr_url = field(v, "verification_uri_complete");
  if (v.at("interval").is_int64()) d.interval = static_cast<int>(v.at("interval").as_int64());
  if (v.at("expires_in").is_int64()) d.expires_in = static_cast<int>(v.at("expires_in").as_int64());
  return d;
}

login_poll server_link::poll_login(const device_login& login, std::string& session_token) {
  auto r = form_post("/oauth/token", "grant_type=" + form_encode("urn:ietf:params:oauth:grant-type:device_code") +
                                         "&device_code=" + form_encode(login.device_code));
  auto v = client::json_body(r);
  if (r.status == 200) {
    session_token = field(v, "access_token");
    return session_token.empty() ? login_poll::refused : login_poll::approved;
  }
  auto error = field(v, "error");
  if (error == "authorization_pending") return login_poll::pending;
  if (error == "slow_down") return login_poll::slow_down;
  if (error == "access_denied") return login_poll::denied;
  if (error == "expired_token") return login_poll::expired;
  return login_poll::refused;
}

client::response server_link::call(const std::string& token, const std::string& method, const std::string& target,
                                   const std::optional<json::value>& body, const client::header_list& headers) {
  client::request req;
  req.method = method;
  req.target = target;
  req.headers = headers;
  req.headers.push_back({"Authorization", "Bearer " + token});
  if (body) {
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = json::serialize(*body);
  }
  return send(std::move(req));
}

client::response server_link::upload_page(const std::string& code_token, const std::string& jpeg,
                                          const std::string& idempotency_key) {
  client::request req;
  req.method = "POST";
  req.target = "/api/v1/upload-codes/current/pages";
  req.headers = {{"Content-Type", "image/jpeg"}, {"X-Upload-Code", code_token}, {"Idempotency-Key", idempotency_key}};
  req.body = jpeg;
  req.timeout = std::chrono::seconds(120);  // the server runs the imaging pipeline before it answers
  return send(std::move(req));
}

client::response server_link::get_public(const std::string& target) {
  client::request req;
  req.target = target;
  return send(std::move(req));
}

}  // namespace hallpass::kiosk
