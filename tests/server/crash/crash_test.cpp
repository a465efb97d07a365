// An acknowledged page survives a crash of the server: phones stream uploads to a real
// hallpass-server process, which is killed with SIGKILL mid-stream and restarted on the same
// database. Every page answered 201 is there with the acknowledged SHA-256; nothing else is,
// beyond the requests that were in flight; positions stay 1..n. Retries of the unanswered
// requests with their keys then make one page each.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "hallpass/server/db/database.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// The server under test: demo data, and room for 30 pages per upload code.
const std::vector<std::string> crash_server_args = {"--upload-code-max-pages=30"};

struct acknowledged {
  std::string id, sha256;
  std::int64_t position = 0;
};

}  // namespace

TEST(UploadCrash, AcknowledgedPagesSurviveSigkillAndNothingElseAppears) {
  std::ifstream in(std::string(HALLPASS_TESTDATA_DIR) +
                       "/photos/dynamsoft/webp/card-on-dark-background.webp",
                   std::ios::binary);
  ASSERT_TRUE(in.good());
  const std::string photo{std::istreambuf_iterator<char>(in), {}};
  scratch_database db;

  std::string session, application, code_token;
  {
    server_process first(HALLPASS_SERVER_BINARY, db.conninfo(), true, crash_server_args);
    ASSERT_TRUE(first.healthy());
    auto login = http_call(first.port(), "POST", "/api/v1/sessions",
                           json::serialize(json::object{{"unit", demo::unit_a}, {"account", demo::agent_all},
                                                        {"password", "Demo@2026"}, {"channel", "app"}}));
    ASSERT_EQ(login.status, 201) << login.body;
    session = str_at(login.json(), "token");
    header_list auth = {{"Authorization", "Bearer " + session}};
    auto created = http_call(first.port(), "POST", "/api/v1/applications",
                             R"({"service_code":"labour_dispatch_licence_haicheng"})", auth);
    ASSERT_EQ(created.status, 201) << created.body;
    application = str_at(created.json(), "id");
    auto code = http_call(first.port(), "POST",
                          "/api/v1/applications/" + application + "/materials/dispatch_rules/upload-codes", "{}", auth);
    ASSERT_EQ(code.status, 201) << code.body;
    ASSERT_EQ(code.json().as_object().at("max_pages").as_int64(), 30);
    auto url = str_at(code.json(), "url");
    code_token = url.substr(url.rfind('/') + 1);

    // Three phones stream pages; the server is killed once three have been acknowledged.
    std::mutex m;
    std::vector<acknowledged> acked;
    std::vector<std::string> unanswered_keys;
    std::atomic<int> in_flight_at_kill{0}, acked_count{0};
    std::atomic<bool> killed{false};
    std::vector<std::thread> phones;
    for (int t = 0; t < 3; ++t) {
      phones.emplace_back([&, t] {
        for (int i = 0; i < 30 && !killed; ++i) {
          auto key = "phone-" + std::to_string(t) + "-" + std::to_string(i);
          try {
            auto r = http_call(first.port(), "POST", "/api/v1/upload-codes/current/pages", photo,
                               {{"X-Upload-Code", code_token}, {"Content-Type", "image/webp"}, {"Idempotency-Key", key}});
            if (r.status != 201) {
              ADD_FAILURE() << "upload answered " << r.status << " " << r.body;
              return;
            }
            auto page = r.json().as_object().at("page");
            std::lock_guard lock(m);
            acked.push_back({str_at(page, "id"), str_at(page, "sha256"), page.as_object().at("position").as_int64()});
            ++acked_count;
          } catch (const std::exception&) {
            ++in_flight_at_kill;  // sent (or about to be) when the server died: no answer
            std::lock_guard lock(m);
            unanswered_keys.push_back(key);
            return;
          }
        }
      });
    }
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (acked_count < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    ASSERT_GE(acked_count.load(), 3);
    first.kill9();
    killed = true;
    for (auto& p : phones) p.join();

    // Restart on the same database.
    server_process second(HALLPASS_SERVER_BINARY, db.conninfo(), true, crash_server_args);
    ASSERT_TRUE(second.healthy());
    hallpass::server::db::connection c(db.conninfo());
    auto rows = c.exec("SELECT id, position, sha256, encode(sha256(content), 'hex'), octet_length(content) FROM pages "
                       "WHERE application_id = $1 ORDER BY position",
                       {static_cast<std::int64_t>(std::stoll(application))});
    std::map<std::string, std::string> stored;
    for (int i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows.int64(i, 1), i + 1) << "positions must run 1..n without gaps";
      EXPECT_GT(rows.int64(i, 4), 0) << "page " << rows.str(i, 0) << " has no content";
      EXPECT_EQ(rows.str(i, 2), rows.str(i, 3)) << "page " << rows.str(i, 0) << " content differs from its sha256";
      stored[rows.str(i, 0)] = rows.str(i, 2);
    }
    std::lock_guard lock(m);
    std::set<std::int64_t> positions;
    for (auto& a : acked) {
      ASSERT_TRUE(stored.count(a.id)) << "acknowledged page " << a.id << " is gone";
      EXPECT_EQ(stored[a.id], a.sha256) << a.id;
      positions.insert(a.position);
      // Served by the restarted server, bytes as acknowledged.
      auto image = http_call(second.port(), "GET", "/api/v1/pages/" + a.id + "/image", "", {{"Authorization", "Bearer " + session}});
      EXPECT_EQ(image.status, 200);
      EXPECT_EQ(sha256_hex(image.body), a.sha256);
    }
    EXPECT_EQ(positions.size(), acked.size()) << "two acknowledgements with one position";
    EXPECT_GE(stored.size(), acked.size());
    EXPECT_LE(stored.size(), acked.size() + in_flight_at_kill.load());
    // The code counted exactly the pages that were committed, and keeps working.
    EXPECT_EQ(c.exec("SELECT pages_added FROM upload_codes WHERE application_id = $1",
                     {static_cast<std::int64_t>(std::stoll(application))})
                  .int64(0, 0),
              static_cast<std::int64_t>(stored.size()));
    auto view = http_call(second.port(), "GET", "/api/v1/upload-codes/current", "", {{"X-Upload-Code", code_token}});
    EXPECT_EQ(view.status, 200) << view.body;
    EXPECT_EQ(view.json().as_object().at("pages_in_material").as_int64(), static_cast<std::int64_t>(stored.size()));

    // The phones retry what got no answer, with the same keys: each becomes exactly one page
    // (or is the page already committed), numbered on after the others.
    for (auto& key : unanswered_keys) {
      auto r = http_call(second.port(), "POST", "/api/v1/upload-codes/current/pages", photo,
                         {{"X-Upload-Code", code_token}, {"Content-Type", "image/webp"}, {"Idempotency-Key", key}});
      EXPECT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
      auto again = http_call(second.port(), "POST", "/api/v1/upload-codes/current/pages", photo,
                             {{"X-Upload-Code", code_token}, {"Content-Type", "image/webp"}, {"Idempotency-Key", key}});
      EXPECT_EQ(again.status, 200) << again.body;
    }
    auto after = c.exec("SELECT position FROM pages WHERE application_id = $1 ORDER BY position",
                        {static_cast<std::int64_t>(std::stoll(application))});
    EXPECT_EQ(static_cast<std::size_t>(after.size()), acked.size() + unanswered_keys.size());
    for (int i = 0; i < after.size(); ++i) EXPECT_EQ(after.int64(i, 0), i + 1);
    std::cout << "acknowledged " << acked.size() << ", in flight " << in_flight_at_kill.load() << ", stored "
              << stored.size() << "\n";
  }
}
