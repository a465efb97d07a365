// cluster_load: the stream of logins and uploads of scripts/cluster-failover-test.sh, with the
// faults it is given, against a running cluster (scripts/cluster.sh up --demo).
//
// Clients log in by QR (portal ticket, phone scan and confirm, portal redeems the session) and
// upload photos with an Idempotency-Key through HAProxy's HTTP port, retrying a request that got
// 503, no answer or a cut connection with the same key. Every answer is counted. A probe commits
// a transaction through HAProxy's PostgreSQL write port every 200 ms: the time from a fault to its
// next commit is the time without a writable primary. Around each fault, portals wait on node A
// while a phone confirms on node B. At the end, every acknowledged page is looked up on the
// primary by id and SHA-256. Meanwhile the pages of a submitted application are read back (the
// nodes read them from a replica) and checked. Prints the figures; exits 1 when a target is missed.
//
//   cluster_load --http PORT --node-a PORT --node-b PORT --db CONNINFO --photo FILE
//                [--clients 4] [--warmup 8] [--settle 10] --fault NAME=COMMAND…
// NAME is postmaster (target 10 s), member (target 30 s) or node (a HallPass node; HAProxy
// takes it out); COMMAND runs with /bin/sh.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hallpass/client/connection.hpp"
#include "hallpass/server/db/database.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

namespace json = boost::json;
namespace client = hallpass::client;
namespace db = hallpass::server::db;
using namespace hallpass::test;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

clock_type::time_point started = clock_type::now();
double secs(clock_type::time_point t) { return std::chrono::duration<double>(t - started).count(); }

struct options {
  unsigned short http = 0, node_a = 0, node_b = 0;
  std::string db, photo;
  int clients = 4, warmup = 8, settle = 10;
  std::vector<std::pair<std::string, std::string>> faults;
};

// One answer (or its absence) to one request.
struct answer {
  clock_type::time_point sent, got;
  std::string op;
  int status = 0;  // 0: no answer (connection refused, cut, or 30 s without an answer)
  bool retry_after = false;
  std::string code;
};

std::mutex answers_mutex;
std::vector<answer> answers;
std::atomic<bool> stopping{false};

http_reply call(unsigned short port, const std::string& op, const std::string& method, const std::string& target,
                const std::string& body, header_list headers) {
  answer a{clock_type::now(), {}, op};
  http_reply r;
  client::request req{.method = method, .target = target, .headers = std::move(headers), .body = body};
  if (!body.empty() && method != "GET") {
    bool typed = false;
    for (auto& h : req.headers) typed = typed || h.first == "Content-Type";
    if (!typed) req.headers.emplace_back("Content-Type", "application/json");
  }
  client::options opts;
  opts.timeout = 30s;
  try {
    r = to_reply(client::fetch(client::loopback(port), req, opts));
  } catch (const client::error&) {
    r.status = 0;
  }
  a.got = clock_type::now();
  a.status = r.status;
  a.retry_after = r.headers.count("retry-after") > 0;
  a.code = r.status >= 400 ? r.error_code() : "";
  std::lock_guard lock(answers_mutex);
  answers.push_back(a);
  return r;
}

// Worth the same request again: 503 (with Retry-After), no answer, or HAProxy's 502/504.
bool transient(const http_reply& r) { return r.status == 0 || r.status == 502 || r.status == 503 || r.status == 504; }

void pause_after(const http_reply& r) {
  int ms = 200;
  if (auto it = r.headers.find("retry-after"); it != r.headers.end()) ms = std::min(1000, 1000 * std::atoi(it->second.c_str()));
  std::this_thread::sleep_for(std::chrono::milliseconds(std::max(ms, 100)));
}

// Repeats a request while the answer is transient, up to `within`.
http_reply until_final(const std::function<http_reply()>& send, std::chrono::seconds within = 90s) {
  auto until = clock_type::now() + within;
  for (;;) {
    auto r = send();
    if (!transient(r) || clock_type::now() > until) return r;
    pause_after(r);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The photo at 0.6 of its size (a 12 MP photo of an A4 page comes to about 165 dpi: accepted for
// the A4 materials) as JPEGs of several qualities: pages with different bytes.
std::vector<std::string> photo_variants(const std::string& path) {
  auto raw = read_file(path);
  cv::Mat full = cv::imdecode(cv::Mat(1, static_cast<int>(raw.size()), CV_8U, raw.data()), cv::IMREAD_COLOR);
  if (full.empty()) throw std::runtime_error("cannot decode " + path);
  cv::Mat m;
  cv::resize(full, m, cv::Size(), 0.6, 0.6, cv::INTER_AREA);
  std::vector<std::string> out;
  for (int q = 80; q < 96; ++q) {
    std::vector<std::uint8_t> bytes;
    cv::imencode(".jpg", m, bytes, {cv::IMWRITE_JPEG_QUALITY, q});
    out.emplace_back(bytes.begin(), bytes.end());
  }
  return out;
}

// --- QR login ------------------------------------------------------------------------------

std::string password_login(unsigned short port, const std::string& account, const std::optional<std::string>& unit) {
  json::object body{{"account", account}, {"password", "Demo@2026"}, {"channel", "app"}};
  if (unit) body["unit"] = *unit;
  auto r = until_final([&] { return call(port, "password login", "POST", "/api/v1/sessions", json::serialize(body), {}); });
  if (r.status != 201) throw std::runtime_error("password login failed: " + std::to_string(r.status) + " " + r.body);
  return str_at(r.json(), "token");
}

struct ticket {
  std::string id, scan_token, poll_secret;
  int match_number = 0;
};

std::optional<ticket> create_ticket(unsigned short port) {
  auto r = call(port, "login: ticket", "POST", "/api/v1/login-tickets", "{}", {});
  if (r.status != 201) return std::nullopt;
  auto v = r.json();
  ticket t{str_at(v, "ticket_id"), "", str_at(v, "poll_secret"), 0};
  auto url = str_at(v, "qr_url");
  t.scan_token = url.substr(url.rfind("/l/") + 3);
  if (auto* n = v.as_object().if_contains("match_number"); n && n->is_int64()) t.match_number = static_cast<int>(n->as_int64());
  return t;
}

http_reply scan(unsigned short port, const std::string& phone, const ticket& t) {
  return call(port, "login: scan", "POST", "/api/v1/login-tickets/scans", json::serialize(json::object{{"scan_token", t.scan_token}}),
              {{"Authorization", "Bearer " + phone}});
}

http_reply confirm(unsigned short port, const std::string& phone, const ticket& t) {
  return call(port, "login: confirm", "POST", "/api/v1/login-tickets/" + t.id + "/confirmation",
              json::serialize(json::object{{"match_number", t.match_number}}), {{"Authorization", "Bearer " + phone}});
}

// One QR login, from a fresh ticket whenever a step fails. True once the portal holds a session.
bool qr_login(unsigned short port, const std::string& phone) {
  auto until = clock_type::now() + 90s;
  while (clock_type::now() < until) {
    http_reply last;
    if (auto t = create_ticket(port)) {
      if ((last = scan(port, phone, *t)).status == 200 && (last = confirm(port, phone, *t)).status == 200) {
        last = call(port, "login: session", "POST", "/api/v1/login-tickets/" + t->id + "/session", "{}",
                    {{"X-Poll-Secret", t->poll_secret}});
        if (last.status == 201) return true;
      }
    }
    pause_after(last);
  }
  return false;
}

// --- uploads -------------------------------------------------------------------------------

const char* materials[] = {"licence",     "business_licence",   "charter",       "capital_report", "premises",
                           "equipment_list", "legal_rep_id",    "dispatch_rules", "collective_contract",
                           "labour_contract", "staff_roster",   "dispatch_agreement", "change_certificate",
                           "operation_report"};

struct acknowledged_page {
  std::string key, id, sha256;
  clock_type::time_point at;
};

class uploader {
 public:
  uploader(int n, unsigned short port, const std::vector<std::string>& photos) : n_(n), port_(port), photos_(photos) {}

  // One page: retried with the same key until answered 200/201 (or 90 s). False on another answer.
  bool upload_one(std::vector<acknowledged_page>& acked) {
    if (!ensure_code()) return false;
    auto key = "c" + std::to_string(n_) + "-" + std::to_string(seq_);
    auto& bytes = photos_[static_cast<std::size_t>(seq_) % photos_.size()];
    auto r = until_final([&] {
      return call(port_, "upload", "POST", "/api/v1/upload-codes/current/pages", bytes,
                  {{"X-Upload-Code", code_}, {"Idempotency-Key", key}, {"Content-Type", "image/jpeg"}});
    });
    if (r.status != 201 && r.status != 200) return false;
    auto page = r.json().as_object().at("page");
    auto& id = page.as_object().at("id");
    acked.push_back({key, id.is_string() ? std::string(id.as_string()) : json::serialize(id), str_at(page, "sha256"),
                     clock_type::now()});
    ++seq_;
    if (++on_code_ == 10) code_.clear();  // a code adds 10 pages: the next material gets a new one
    return true;
  }

 private:
  bool ensure_code() {
    if (!code_.empty()) return true;
    if (session_.empty()) session_ = password_login(port_, demo::agent_all, std::string(demo::unit_a));
    if (application_.empty() || material_ == std::size(materials)) {
      auto r = until_final([&] {
        return call(port_, "new application", "POST", "/api/v1/applications", R"({"service_code":"labour_dispatch"})",
                    {{"Authorization", "Bearer " + session_}});
      });
      if (r.status != 201) return false;
      application_ = str_at(r.json(), "id");
      material_ = 0;
    }
    auto r = until_final([&] {
      return call(port_, "new upload code", "POST",
                  "/api/v1/applications/" + application_ + "/materials/" + materials[material_] + "/upload-codes", "{}",
                  {{"Authorization", "Bearer " + session_}});
    });
    if (r.status != 201) return false;
    auto url = str_at(r.json(), "url");
    code_ = url.substr(url.rfind('/') + 1);
    ++material_;
    on_code_ = 0;
    return true;
  }

  int n_;
  unsigned short port_;
  const std::vector<std::string>& photos_;
  std::string session_, application_, code_;
  std::size_t material_ = 0;
  int on_code_ = 0, seq_ = 0;
};

// --- reads of a submitted application's pages (the nodes read them from a replica) ------------

// A submitted application of unit A whose pages were put in by SQL on the primary; its pages'
// images, thumbnails and a material's PDF are read through HAProxy for the whole run, each image
// checked against the bytes stored. The nodes read them from HAProxy's read port.
class submitted_reader {
 public:
  submitted_reader(const options& o, const std::string& jpeg) : o_(o), jpeg_(jpeg) {}

  void set_up() {
    session_ = password_login(o_.http, demo::agent_all, std::string(demo::unit_a));
    auto auth = header_list{{"Authorization", "Bearer " + session_}};
    auto r = until_final([&] {
      return call(o_.http, "submitted: new application", "POST", "/api/v1/applications",
                  R"({"service_code":"labour_dispatch_licence_haicheng"})", auth);
    });
    if (r.status != 201) throw std::runtime_error("cannot start the application to read: " + r.body);
    id_ = str_at(r.json(), "id");
    json::object form{{"form", {{"contact_name", "王芳"}, {"contact_mobile", "13812340003"}}}, {"step", "materials"}};
    r = until_final([&] {
      return call(o_.http, "submitted: form", "PATCH", "/api/v1/applications/" + id_, json::serialize(form), auth);
    });
    if (r.status != 200) throw std::runtime_error("cannot fill the form: " + r.body);
    db::connection c(o_.db);
    for (auto m : {"dispatch_rules", "business_licence", "premises_equipment", "application_form", "charter_capital"}) {
      auto row = c.exec(
          "INSERT INTO pages (application_id, material_code, position, content, content_type, sha256, thumbnail, width, "
          "height, dpi, source, request_sha256) VALUES ($1, $2, 1, $3, 'image/jpeg', $4, $3, 2480, 3508, 300, 'portal', $4) "
          "RETURNING id",
          {static_cast<std::int64_t>(std::stoll(id_)), m, db::bytea{jpeg_}, sha256_hex(jpeg_)});
      pages_.push_back(row.str(0, 0));
    }
    r = until_final([&] {
      return call(o_.http, "submitted: submit", "POST", "/api/v1/applications/" + id_ + "/submission", "{}", auth);
    });
    if (r.status != 200) throw std::runtime_error("cannot submit the application to read: " + r.body);
  }

  // Reads until stopping: a page image (bytes checked), its thumbnail, now and then the PDF.
  void run() {
    auto auth = header_list{{"Authorization", "Bearer " + session_}};
    auto sha = sha256_hex(jpeg_);
    for (std::size_t n = 0; !stopping; ++n) {
      auto& page = pages_[n % pages_.size()];
      auto r = call(o_.http, "submitted: page image", "GET", "/api/v1/pages/" + page + "/image", "", auth);
      if (r.status == 200) {
        ++images_;
        if (sha256_hex(r.body) != sha) ++wrong_;
      }
      call(o_.http, "submitted: thumbnail", "GET", "/api/v1/pages/" + page + "/thumbnail", "", auth);
      if (n % 10 == 0) {
        auto pdf = call(o_.http, "submitted: material PDF", "GET",
                        "/api/v1/applications/" + id_ + "/materials/dispatch_rules/pdf", "", auth);
        if (pdf.status == 200 && pdf.body.rfind("%PDF-", 0) != 0) ++wrong_;
      }
      if (transient(r)) pause_after(r);
      else std::this_thread::sleep_for(50ms);
    }
  }

  int images() const { return images_; }
  int wrong() const { return wrong_; }

 private:
  const options& o_;
  const std::string& jpeg_;
  std::string session_, id_;
  std::vector<std::string> pages_;
  std::atomic<int> images_{0}, wrong_{0};
};

// One series of a node's /metrics (straight to the node, not through HAProxy); nullopt when the
// node does not answer or does not report it.
std::optional<double> node_metric(unsigned short port, const std::string& series) {
  try {
    auto r = to_reply(client::fetch(client::loopback(port), client::request{.target = "/metrics"}, client::options{}));
    auto at = r.body.find("\n" + series + " ");
    if (r.status != 200 || at == std::string::npos) return std::nullopt;
    return std::strtod(r.body.c_str() + at + series.size() + 2, nullptr);
  } catch (const client::error&) {
    return std::nullopt;
  }
}

// --- the write probe -----------------------------------------------------------------------

std::mutex probe_mutex;
std::vector<std::pair<clock_type::time_point, clock_type::time_point>> commits;  // a probe's start, its commit

void probe(const std::string& conninfo) {
  db::connection_settings s;
  s.connect_timeout = 1s;
  s.statement_timeout = 2000ms;
  while (!stopping) {
    auto t = clock_type::now();
    try {
      db::connection c(conninfo, s);
      c.exec("SELECT txid_current()");  // an xid: its commit waits for the synchronous standby
      std::lock_guard lock(probe_mutex);
      commits.emplace_back(t, clock_type::now());
    } catch (const db::db_error&) {
    }
    std::this_thread::sleep_until(t + 200ms);
  }
}

std::optional<clock_type::time_point> first_commit_after(clock_type::time_point t) {
  std::lock_guard lock(probe_mutex);
  for (auto& [start, done] : commits)  // of a probe started after t: none in flight at the fault counts
    if (start > t) return done;
  return std::nullopt;
}

// --- portals waiting on node A, phone on node B --------------------------------------------

struct waiting_portal {
  ticket t;
  std::unique_ptr<background_read> events;
};

std::optional<waiting_portal> portal_on_a(const options& o, const std::string& phone) {
  auto until = clock_type::now() + 30s;
  while (clock_type::now() < until) {
    if (auto t = create_ticket(o.node_a)) {
      waiting_portal p{*t, std::make_unique<background_read>(
                               o.node_a,
                               client::request{.target = "/api/v1/login-tickets/" + t->id + "/events",
                                               .headers = {{"Accept", "text/event-stream"}, {"X-Poll-Secret", t->poll_secret}}},
                               90s)};
      if (p.events->wait_for("\"pending\"", 10s) && scan(o.node_b, phone, p.t).status == 200 &&
          p.events->wait_for("\"scanned\"", 10s))
        return p;
    }
    std::this_thread::sleep_for(300ms);
  }
  return std::nullopt;
}

struct fault_result {
  std::string name;
  clock_type::time_point at, back, window_end;
  bool db = false, came_back = false;
  double without = 0;  // seconds from the kill to the next commit through the write port
  int portals = 0, portals_learned = 0;      // made after the switch on A, confirmed on B
  int across = 0, across_told = 0;           // waiting on A across the switch: told the ticket is gone
  std::string across_saw;
};

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--http") o.http = static_cast<unsigned short>(std::stoi(v));
    else if (k == "--node-a") o.node_a = static_cast<unsigned short>(std::stoi(v));
    else if (k == "--node-b") o.node_b = static_cast<unsigned short>(std::stoi(v));
    else if (k == "--db") o.db = v;
    else if (k == "--photo") o.photo = v;
    else if (k == "--clients") o.clients = std::stoi(v);
    else if (k == "--warmup") o.warmup = std::stoi(v);
    else if (k == "--settle") o.settle = std::stoi(v);
    else if (k == "--fault" && v.find('=') != std::string::npos) o.faults.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (!o.http || !o.node_a || !o.node_b || o.db.empty() || o.photo.empty()) {
    std::cerr << "usage: cluster_load --http PORT --node-a PORT --node-b PORT --db CONNINFO --photo FILE [--fault NAME=COMMAND]…\n";
    return 2;
  }
  auto photos = photo_variants(o.photo);
  auto phone = password_login(o.http, demo::person_only, std::nullopt);  // a person's app: scans and confirms

  submitted_reader reader(o, photos.front());
  reader.set_up();
  std::thread reading([&] { reader.run(); });
  std::thread prober(probe, o.db);
  std::mutex acked_mutex;
  std::vector<acknowledged_page> acked;
  std::atomic<int> logins{0}, logins_failed{0}, uploads_failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < o.clients; ++c) {
    clients.emplace_back([&, c] {
      uploader up(c, o.http, photos);
      std::vector<acknowledged_page> mine;
      while (!stopping) {
        try {
          (qr_login(o.http, phone) ? logins : logins_failed)++;
          if (!up.upload_one(mine)) uploads_failed++;
        } catch (const std::exception& e) {
          std::printf("client %d: %s\n", c, e.what());
          uploads_failed++;
        }
      }
      std::lock_guard lock(acked_mutex);
      acked.insert(acked.end(), mine.begin(), mine.end());
    });
  }

  std::this_thread::sleep_for(std::chrono::seconds(o.warmup));
  // Before any fault: both nodes measure the replica's lag, and have read from it.
  const std::string replica_reads = "hallpass_replica_reads_total{served_by=\"replica\"}";
  std::optional<double> lag_before[2] = {node_metric(o.node_a, "hallpass_replica_lag_seconds"),
                                         node_metric(o.node_b, "hallpass_replica_lag_seconds")};
  std::optional<double> replica_before[2] = {node_metric(o.node_a, replica_reads), node_metric(o.node_b, replica_reads)};
  std::vector<fault_result> results;
  for (auto& [name, command] : o.faults) {
    fault_result f{name};
    f.db = name != "node";
    std::vector<waiting_portal> across;
    if (f.db)
      for (int i = 0; i < 2; ++i)
        if (auto p = portal_on_a(o, phone)) across.push_back(std::move(*p));
    f.across = static_cast<int>(across.size());
    f.at = clock_type::now();  // requests from here on count in the fault's window
    std::printf("%7.1f s  fault %s: %s\n", secs(f.at), name.c_str(), command.c_str());
    std::fflush(stdout);
    if (std::system(command.c_str()) != 0) std::printf("         the fault's command failed\n");
    auto killed = clock_type::now();  // the command ends with the kill
    if (f.db) {
      std::optional<clock_type::time_point> back;
      while (!(back = first_commit_after(killed)) && clock_type::now() - killed < 90s) std::this_thread::sleep_for(100ms);
      f.came_back = back.has_value();
      f.back = back.value_or(clock_type::now());
      f.without = std::chrono::duration<double>(f.back - killed).count();
      // Portals waiting on A across the switch: their ticket was UNLOGGED, so it is gone; they
      // must be told (expired or not found) and show a fresh QR, not wait forever.
      for (auto& p : across) {
        bool told = p.events->wait_for("expired", 30s) || p.events->wait_for("not_found", 1s);
        f.across_told += told;
        if (!told) f.across_saw = p.events->text().substr(0, 300);
      }
      // Portals waiting on A for tickets made after the switch learn of a confirm made on B:
      // A's LISTEN connection re-subscribed on the new primary.
      for (int i = 0; i < 3; ++i) {
        ++f.portals;
        auto p = portal_on_a(o, phone);
        if (!p) continue;
        auto r = until_final([&] { return confirm(o.node_b, phone, p->t); }, 30s);
        if (r.status == 200 && p->events->wait_for("\"confirmed\"", 30s)) ++f.portals_learned;
      }
    } else {
      f.came_back = true;
      f.back = f.at;
    }
    std::this_thread::sleep_for(std::chrono::seconds(o.settle));
    f.window_end = f.db ? f.back + 5s : f.at + std::chrono::seconds(o.settle);
    results.push_back(std::move(f));
  }
  std::this_thread::sleep_for(std::chrono::seconds(o.settle));
  stopping = true;
  for (auto& t : clients) t.join();
  reading.join();
  prober.join();
  // Node 2 may be gone (the node fault): node 1 answers for the end of the run.
  auto lag_after = node_metric(o.node_a, "hallpass_replica_lag_seconds");
  auto replica_after = node_metric(o.node_a, replica_reads);
  auto primary_after = node_metric(o.node_a, "hallpass_replica_reads_total{served_by=\"primary\"}");

  bool ok = true;
  std::printf("\n%d clients through HAProxy :%u (nodes :%u, :%u); %d QR logins, %zu pages acknowledged\n", o.clients,
              o.http, o.node_a, o.node_b, logins.load(), acked.size());
  // Answers by fault window (a request belongs to the window it was in flight in), and outside any.
  auto in_window = [&](const answer& a) -> int {
    for (std::size_t i = 0; i < results.size(); ++i)
      if (a.got >= results[i].at && a.sent < results[i].window_end) return static_cast<int>(i);
    return -1;
  };
  std::vector<int> n503(results.size() + 1), cut(results.size() + 1), gone(results.size() + 1), failed(results.size() + 1),
      total(results.size() + 1);
  std::vector<double> slowest(results.size() + 1);
  std::map<std::string, int> failures;
  for (auto& a : answers) {
    int w = in_window(a);
    auto i = static_cast<std::size_t>(w < 0 ? static_cast<int>(results.size()) : w);
    bool node_fault = w >= 0 && !results[i].db;
    ++total[i];
    slowest[i] = std::max(slowest[i], std::chrono::duration<double>(a.got - a.sent).count());
    if (a.status >= 200 && a.status < 300) continue;
    if (a.status == 503 && a.retry_after) ++n503[i];
    else if (node_fault && (a.status == 0 || a.status == 502)) ++cut[i];  // in flight on the killed node: retried
    else if (w >= 0 && a.op.starts_with("login") && (a.code == "ticket_not_found" || a.code == "ticket_expired")) ++gone[i];
    else {
      ++failed[i];
      ++failures[a.op + ": " + std::to_string(a.status) + " " + a.code + (a.status == 503 ? " (no Retry-After)" : "")];
    }
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    auto& f = results[i];
    std::printf("\nfault %zu, %s:\n", i + 1, f.name.c_str());
    if (f.db) {
      double without = f.without;
      double target = f.name == "postmaster" ? 10 : 30;
      bool met = f.came_back && without <= target;
      ok = ok && met;
      std::printf("  seconds without a writable primary: %.1f%s (target <= %.0f)%s\n", without,
                  f.came_back ? "" : "+ (none came back)", target, met ? "" : "  MISSED");
      std::printf("  portals waiting on A across the switch told their ticket is gone (fresh QR): %d of %d%s\n",
                  f.across_told, f.across, f.across_told == f.across ? "" : "  MISSED");
      if (f.across_told != f.across) std::printf("    one of them saw: %s\n", f.across_saw.c_str());
      std::printf("  portals waiting on A after the switch that learned of a confirm made on B: %d of %d%s\n",
                  f.portals_learned, f.portals, f.portals_learned == f.portals ? "" : "  MISSED");
      ok = ok && f.across_told == f.across && f.portals_learned == f.portals;
    }
    std::printf("  requests sent meanwhile: %d; answered 503 with Retry-After: %d; tickets lost with the failover "
                "(portal shows a fresh QR): %d;%s failed otherwise: %d; slowest answer %.1f s\n",
                total[i], n503[i], gone[i],
                f.db ? "" : (" cut with the node and retried: " + std::to_string(cut[i]) + ";").c_str(), failed[i],
                slowest[i]);
    ok = ok && failed[i] == 0;
  }
  auto outside = results.size();
  std::printf("\noutside the fault windows: %d requests, %d answered 503, failed otherwise: %d; slowest answer %.1f s\n",
              total[outside], n503[outside], failed[outside], slowest[outside]);
  ok = ok && failed[outside] == 0 && logins_failed == 0 && uploads_failed == 0;
  for (auto& [what, n] : failures) std::printf("  failed: %s × %d\n", what.c_str(), n);
  if (logins_failed || uploads_failed)
    std::printf("  logins that never succeeded: %d; uploads that never succeeded: %d\n", logins_failed.load(),
                uploads_failed.load());

  // Every acknowledged page, on the primary now, with the SHA-256 it was acknowledged with.
  std::map<std::string, std::pair<std::string, std::string>> stored;  // id → (sha256 column, sha256 of content)
  std::set<std::string> ids;
  std::string list;
  for (auto& p : acked) {
    ids.insert(p.id);
    list += (list.empty() ? "" : ",") + p.id;
  }
  if (!list.empty())
    for (auto& row : sql(o.db, "SELECT id || ' ' || sha256 || ' ' || encode(sha256(content), 'hex') FROM pages WHERE id IN (" +
                                   list + ")")) {
      auto a = row.find(' '), b = row.rfind(' ');
      stored[row.substr(0, a)] = {row.substr(a + 1, b - a - 1), row.substr(b + 1)};
    }
  auto segment = [&](const acknowledged_page& p) {
    std::string label = "before the first fault";
    for (auto& f : results) {
      if (p.at >= f.at && p.at < f.window_end) label = "during " + f.name;
      else if (p.at >= f.window_end) label = "after " + f.name;
    }
    return label;
  };
  std::sort(acked.begin(), acked.end(), [](auto& x, auto& y) { return x.at < y.at; });
  std::vector<std::pair<std::string, std::pair<int, int>>> by_segment;  // in time order: found, acknowledged
  int lost = 0;
  for (auto& p : acked) {
    auto s = segment(p);
    if (by_segment.empty() || by_segment.back().first != s) by_segment.push_back({s, {0, 0}});
    auto it = stored.find(p.id);
    bool found = it != stored.end() && it->second.first == p.sha256 && it->second.second == p.sha256;
    by_segment.back().second.second++;
    if (found) by_segment.back().second.first++;
    else ++lost;
  }
  std::printf("\npages acknowledged, found on the primary now with the same SHA-256:\n");
  for (auto& [s, n] : by_segment) std::printf("  %-28s %d of %d\n", s.c_str(), n.first, n.second);
  // Retries reuse the key: the applications hold exactly the pages acknowledged, none twice.
  auto stored_pages = list.empty() ? std::string("0")
                                   : sql_one(o.db, "SELECT count(*) FROM pages WHERE application_id IN (SELECT application_id "
                                                   "FROM pages WHERE id IN (" + list + "))");
  auto keys_twice = list.empty() ? std::string("0")
                                 : sql_one(o.db, "SELECT count(*) FROM (SELECT 1 FROM pages WHERE application_id IN (SELECT "
                                                 "application_id FROM pages WHERE id IN (" + list + ")) GROUP BY "
                                                 "application_id, idempotency_key HAVING count(*) > 1) d");
  long extra = std::stol(stored_pages) - static_cast<long>(ids.size());
  std::printf("  lost: %d; pages stored %s, acknowledged %zu (duplicated or unacknowledged: %ld; keys stored twice: %s)\n",
              lost, stored_pages.c_str(), ids.size(), extra, keys_twice.c_str());
  ok = ok && lost == 0 && extra == 0 && keys_twice == "0" && ids.size() == acked.size();

  // Reads of the submitted application's pages: every image answered 200 had the stored bytes
  // (their other answers are counted above: 503 with Retry-After, or failed); the nodes reported
  // the replica's lag and served reads from it.
  auto shown = [](const std::optional<double>& v, const char* format) {
    if (!v) return std::string("not reported");
    char text[32];
    std::snprintf(text, sizeof text, format, *v);
    return std::string(text);
  };
  std::printf("\nreads of a submitted application's pages (replica through HAProxy's read port):\n");
  std::printf("  images read: %d, with wrong bytes: %d%s\n", reader.images(), reader.wrong(), reader.wrong() ? "  MISSED" : "");
  std::printf("  before the faults: lag node A %s s, node B %s s; reads served by the replica: A %s, B %s\n",
              shown(lag_before[0], "%.3f").c_str(), shown(lag_before[1], "%.3f").c_str(),
              shown(replica_before[0], "%.0f").c_str(), shown(replica_before[1], "%.0f").c_str());
  std::printf("  at the end, node A: lag %s s; reads served by the replica %s, by the primary %s\n",
              shown(lag_after, "%.3f").c_str(), shown(replica_after, "%.0f").c_str(), shown(primary_after, "%.0f").c_str());
  bool replica_ok = reader.images() > 0 && reader.wrong() == 0 && lag_before[0] && lag_before[1] && lag_after &&
                    *lag_before[0] >= 0 && *lag_before[1] >= 0 && replica_before[0] && replica_before[1] &&
                    *replica_before[0] + *replica_before[1] > 0;
  if (!replica_ok) std::printf("  MISSED: no page read, a wrong page, or a node without the replica's figures\n");
  ok = ok && replica_ok;
  std::printf("\n%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
