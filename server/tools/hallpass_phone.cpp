// hallpass-phone: plays the phone app from the command line, for demos, tests and benchmarks.
// It signs in as a person, scans a login QR (its URL, or an image file such as a screenshot of
// the portal), and confirms — as the person or as an agent of a unit — or cancels. It checks the
// signed QR code of a printed document offline, against the hall's trust list kept in --state.
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <unistd.h>

#include <boost/json.hpp>

#include "hallpass/client/connection.hpp"
#include "hallpass/client/json.hpp"
#include "hallpass/qr/qr.hpp"
#include "hallpass/signing/document_code.hpp"

namespace json = boost::json;
namespace client = hallpass::client;

namespace {

const char* usage =
    "usage: hallpass-phone [--server URL] [--cacert FILE | --insecure] [--state FILE] COMMAND [options]\n\n"
    "Commands:\n"
    "  login --account ID_NUMBER_OR_MOBILE [--password P]   sign in as a person (password also from\n"
    "                                                       HALLPASS_PASSWORD); the token is kept in --state\n"
    "  scan QR                  QR = the QR text (https://…/l/…) or an image file holding the QR;\n"
    "                           prints who asks, the three numbers and the units you may act for\n"
    "  confirm [--number N] [--unit USCC_OR_UNIT_ID | --office OFFICE_CODE]   confirm the scanned login (as the\n"
    "                           unit's agent with --unit; as hall staff of the office, on its /staff page, with --office);\n"
    "                           --number: the portal's number (a device login has none: compare its user code)\n"
    "  cancel                   refuse the scanned login\n"
    "  approve QR --number N [--unit USCC_OR_UNIT_ID | --office OFFICE_CODE]   scan and confirm in one step\n"
    "  check-document QR [--refresh-keys yes]   check a document's QR code (its text, or an image file)\n"
    "                           offline against the hall's trust list kept in --state; the list is fetched\n"
    "                           when none is kept or with --refresh-keys, and a new one is believed only\n"
    "                           when a live key of the kept one signed it. No sign-in needed.\n\n"
    "Defaults: --server http://127.0.0.1:8080, --state ~/.hallpass-phone.json\n"
    "HTTPS: --server https://…; the certificate is verified against the system's authorities, or\n"
    "those of --cacert FILE (PEM); --insecure skips the check (self-signed test servers only).\n";

struct reply {
  int status = 0;
  json::value body;
};

struct phone {
  std::unique_ptr<client::connection> server;  // one keep-alive connection for the whole command
  std::string state_file;
  json::object state;

  reply call(const std::string& method, const std::string& target, const json::object& body) {
    client::header_list headers;
    if (auto* t = state.if_contains("token")) headers.emplace_back("Authorization", "Bearer " + std::string(t->as_string()));
    auto req = method == "GET" ? client::request{method, target, std::move(headers)}
                               : client::json_request(method, target, body, std::move(headers));
    auto res = server->send(req);
    boost::system::error_code ec;
    auto v = json::parse(res.body, ec);
    return {res.status, ec ? json::value(res.body) : v};
  }

  void save() {
    std::ofstream out(state_file);
    out << json::serialize(state) << "\n";
  }
};

[[noreturn]] void fail(const reply& r) {
  if (r.body.is_object() && r.body.as_object().contains("error")) {
    auto& e = r.body.as_object().at("error").as_object();
    std::cerr << "hallpass-phone: " << e.at("message").as_string().c_str() << " / " << e.at("message_en").as_string().c_str()
              << " (" << e.at("code").as_string().c_str() << ", HTTP " << r.status << ")\n";
  } else {
    std::cerr << "hallpass-phone: HTTP " << r.status << " " << json::serialize(r.body) << "\n";
  }
  std::exit(1);
}

std::string qr_text(const std::string& arg) {
  if (arg.rfind("http://", 0) == 0 || arg.rfind("https://", 0) == 0) return arg;
  std::ifstream in(arg, std::ios::binary);
  if (!in) throw std::runtime_error("neither a QR URL nor a readable image file: " + arg);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto d = hallpass::qr::decode_image_bytes(bytes);
  if (!d) throw std::runtime_error("no QR code found in " + arg + ": " + d.error().message_en);
  return d->text;
}

int do_scan(phone& p, const std::string& qr) {
  auto r = p.call("POST", "/api/v1/login-tickets/scans", {{"qr_url", qr_text(qr)}});
  if (r.status != 200) fail(r);
  p.state["ticket_id"] = r.body.as_object().at("ticket_id");
  p.state["units"] = r.body.as_object().at("units");
  p.save();
  std::cout << json::serialize(r.body) << std::endl;
  return 0;
}

int do_confirm(phone& p, const std::map<std::string, std::string>& opts) {
  auto* found = p.state.if_contains("ticket_id");
  if (!found || !found->is_string()) throw std::runtime_error("scan a QR code first");
  const std::string ticket(found->as_string());  // a copy: the state object may change below
  // A portal's login needs the number on its screen; a device's needs none (its code was shown).
  json::object body;
  if (auto it = opts.find("number"); it != opts.end()) body["match_number"] = std::stoi(it->second);
  if (auto u = opts.find("unit"); u != opts.end()) {
    std::string unit_id;
    auto* units = p.state.if_contains("units");
    if (!units || !units->is_array()) throw std::runtime_error("scan a QR code first");
    for (auto& v : units->as_array()) {
      auto& unit = v.as_object().at("unit").as_object();
      if (unit.at("uscc").as_string() == u->second || unit.at("id").as_string() == u->second)
        unit_id = std::string(unit.at("id").as_string());
    }
    if (unit_id.empty()) throw std::runtime_error("you may not act for unit " + u->second);
    body["unit_id"] = unit_id;
  }
  if (auto o = opts.find("office"); o != opts.end()) body["office"] = o->second;
  auto r = p.call("POST", "/api/v1/login-tickets/" + ticket + "/confirmation", body);
  if (r.status != 200) fail(r);
  std::cout << "已确认登录 / login confirmed" << std::endl;
  return 0;
}

// 文书验真 offline: the kept trust list (fetched and believed first when asked or when none is
// kept), then the code's verdict against it. Exit 0 for genuine only.
int do_check_document(phone& p, const std::string& qr, bool refresh) {
  namespace signing = hallpass::signing;
  std::optional<signing::trust_list> kept;
  if (auto* t = p.state.if_contains("trust_list"); t && t->is_string()) kept = signing::parse_trust_list(t->as_string());
  if (!kept || refresh) {
    auto r = p.call("GET", "/api/v1/trust-list", {});
    if (r.status != 200) fail(r);
    auto text = json::serialize(r.body);
    auto fresh = signing::parse_trust_list(text, kept ? &*kept : nullptr);
    if (!fresh) {
      if (!kept) throw std::runtime_error("the hall's trust list is not signed by one of its own keys");
      std::cerr << "hallpass-phone: the new trust list is not signed by a key of the kept one; the kept one stays\n";
    } else {
      kept = fresh;
      p.state["trust_list"] = text;
      p.save();
    }
  }
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  auto checked = signing::check_offline(qr_text(qr), *kept, now);
  static const std::map<signing::verdict, const char*> zh = {
      {signing::verdict::genuine, "真实有效"}, {signing::verdict::altered, "内容与签名不符"},
      {signing::verdict::unknown_key, "签名密钥未知"}, {signing::verdict::retired_key_expired, "已过期（密钥已停用）"},
      {signing::verdict::expired, "已过期"}, {signing::verdict::revoked, "已撤销"},
      {signing::verdict::not_hallpass, "不是本大厅的文书二维码"}};
  std::cout << zh.at(checked.outcome) << " / " << signing::verdict_name(checked.outcome) << "\n";
  if (checked.claims && checked.outcome != signing::verdict::altered && checked.outcome != signing::verdict::unknown_key) {
    auto& c = *checked.claims;
    std::cout << "申请编号 " << c.reference << "\n申请人 " << c.holder << "\n签发时间 " << signing::utc_time(c.issued_at)
              << "\n有效期至 " << signing::utc_time(c.expires_at()) << "\n序列号 " << c.serial_hex() << std::endl;
  }
  return checked.outcome == signing::verdict::genuine ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = "http://127.0.0.1:8080";
  std::string state_file = std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.hallpass-phone.json";
  std::vector<std::string> words;
  std::map<std::string, std::string> opts;
  client::options client_opts;
  client_opts.user_agent = "hallpass-phone/1.0";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    }
    if (a == "--insecure") {
      client_opts.tls.verify_peer = false;
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      if (i + 1 >= argc) {
        std::cerr << "hallpass-phone: missing value for " << a << "\n";
        return 2;
      }
      opts[a.substr(2)] = argv[++i];
    } else {
      words.push_back(a);
    }
  }
  if (opts.count("server")) server = opts["server"];
  if (opts.count("state")) state_file = opts["state"];
  if (opts.count("cacert")) client_opts.tls.ca_file = opts["cacert"];
  if (words.empty()) {
    std::cerr << usage;
    return 2;
  }
  try {
    phone p;
    try {
      p.server = std::make_unique<client::connection>(server, client_opts);
    } catch (const client::error& e) {
      if (e.code() == client::errc::url) throw std::invalid_argument("--server must be an http:// or https:// URL");
      throw;
    }
    p.state_file = state_file;
    if (std::ifstream in(state_file); in) {
      std::stringstream ss;
      ss << in.rdbuf();
      boost::system::error_code ec;
      auto v = json::parse(ss.str(), ec);
      if (!ec && v.is_object()) p.state = v.as_object();
    }
    const auto& cmd = words[0];
    if (cmd == "login") {
      std::string password = opts.count("password") ? opts["password"] : (std::getenv("HALLPASS_PASSWORD") ? std::getenv("HALLPASS_PASSWORD") : "");
      if (!opts.count("account") || password.empty()) throw std::invalid_argument("login needs --account and a password");
      p.state.erase("token");
      auto r = p.call("POST", "/api/v1/sessions", {{"account", opts["account"]}, {"password", password}, {"channel", "app"}});
      if (r.status != 201) fail(r);
      p.state["token"] = r.body.as_object().at("token");
      p.save();
      std::cout << "已登录 / signed in as " << r.body.as_object().at("person").as_object().at("name_masked").as_string().c_str()
                << std::endl;
      return 0;
    }
    if (cmd == "check-document" && words.size() == 2) return do_check_document(p, words[1], opts.count("refresh-keys") > 0);
    if (!p.state.contains("token")) throw std::runtime_error("sign in first: hallpass-phone login --account …");
    if (cmd == "scan" && words.size() == 2) return do_scan(p, words[1]);
    if (cmd == "confirm") return do_confirm(p, opts);
    if (cmd == "approve" && words.size() == 2) {
      do_scan(p, words[1]);
      return do_confirm(p, opts);
    }
    if (cmd == "cancel") {
      auto* ticket = p.state.if_contains("ticket_id");
      if (!ticket) throw std::runtime_error("scan a QR code first");
      auto r = p.call("POST", "/api/v1/login-tickets/" + std::string(ticket->as_string()) + "/cancellation", {});
      if (r.status != 200) fail(r);
      std::cout << "已取消登录 / login cancelled" << std::endl;
      return 0;
    }
    std::cerr << usage;
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "hallpass-phone: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hallpass-phone: " << e.what() << "\n";
    return 1;
  }
}
