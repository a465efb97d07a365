// Page bytes and PDFs of submitted applications from a read replica (--database-read-url): read
// there while it is within the lag bound, from the primary when it is behind, unreachable, another
// database, or without the rows; the answers are the same either way, and /metrics tells which.
#include <gtest/gtest.h>

#include <cstdlib>

#include "app_client.hpp"
#include "hallpass/server/db/read_replica.hpp"

using namespace hallpass::test;
using namespace hallpass::test::apps;
namespace db = hallpass::server::db;

namespace {

hallpass::server::config with_read_url(const std::string& url, int max_lag_ms = 2000) {
  auto cfg = test_config();
  cfg.database_read_url = url;
  cfg.replica_max_lag_ms = max_lag_ms;
  return cfg;
}

// The value of one series in /metrics, or nullopt when it is not there.
std::optional<double> metric(const running_server& s, const std::string& series) {
  auto body = s.call("GET", "/metrics").body;
  auto at = body.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(body.c_str() + at + series.size() + 2, nullptr);
}

std::string stored_sha256(const running_server& s, const std::string& page, const std::string& column) {
  return sql_one(s.conninfo(), "SELECT encode(sha256(" + column + "), 'hex') FROM pages WHERE id = " + page);
}

// The image and thumbnail of one page of a submitted application, and its material's PDF,
// fetched by the applicant; each answer checked against what the database holds.
void read_submitted_pages(const running_server& s, const std::string& applicant, const std::string& id) {
  auto page = page_ids(s.conninfo(), id, "dispatch_rules").at(0);
  auto image = s.call_as(applicant, "GET", "/api/v1/pages/" + page + "/image");
  ASSERT_EQ(image.status, 200) << image.body;
  EXPECT_EQ(sha256_hex(image.body), stored_sha256(s, page, "content"));
  auto thumb = s.call_as(applicant, "GET", "/api/v1/pages/" + page + "/thumbnail");
  ASSERT_EQ(thumb.status, 200) << thumb.body;
  EXPECT_EQ(thumb.headers["content-type"], "image/jpeg");
  EXPECT_EQ(sha256_hex(thumb.body), stored_sha256(s, page, "thumbnail"));
  auto pdf = s.call_as(applicant, "GET", "/api/v1/applications/" + id + "/materials/dispatch_rules/pdf");
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.headers["content-type"], "application/pdf");
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
}

}  // namespace

TEST(ReplicaReads, NoneConfiguredNothingChanges) {
  running_server s;
  EXPECT_FALSE(s.app().replica.enabled());
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  read_submitted_pages(s, wang, id);
  EXPECT_EQ(s.call("GET", "/metrics").body.find("hallpass_replica"), std::string::npos);
}

TEST(ReplicaReads, SubmittedPagesComeFromTheReplicaWithinTheBound) {
  running_server s(with_read_url(own_database));
  auto& replica = s.app().replica;
  ASSERT_TRUE(replica.sample());
  auto before = replica.stats();
  ASSERT_TRUE(before.usable);
  ASSERT_TRUE(before.lag_seconds.has_value());
  EXPECT_LT(*before.lag_seconds, 1.0);  // the same database: no lag but the sample's own round trips

  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  ASSERT_TRUE(replica.sample());  // fresh, whatever the sampler thread did meanwhile
  read_submitted_pages(s, wang, id);
  auto after = replica.stats();
  EXPECT_EQ(after.replica_reads - before.replica_reads, 3);  // image, thumbnail, PDF
  EXPECT_EQ(after.primary_reads, before.primary_reads);

  // Staff of the office read the same page from the replica too.
  auto clerk = staff_login(s, demo::clerk);
  auto page = page_ids(s.conninfo(), id, "dispatch_rules").at(0);
  auto staff_view = s.call_as(clerk, "GET", "/api/v1/pages/" + page + "/image");
  ASSERT_EQ(staff_view.status, 200);
  EXPECT_EQ(sha256_hex(staff_view.body), stored_sha256(s, page, "content"));
  EXPECT_EQ(replica.stats().replica_reads - before.replica_reads, 4);

  // Another unit's person is refused as before: rights are decided on the primary.
  auto zhao = s.login(demo::unit_b, demo::legal_rep_b);
  EXPECT_EQ(s.call_as(zhao, "GET", "/api/v1/pages/" + page + "/image").status, 404);
  EXPECT_EQ(replica.stats().replica_reads - before.replica_reads, 4);

  // A draft's pages still change: they are read on the primary, and not counted.
  auto draft = start_id(s, wang, "labour_dispatch_licence_haicheng");
  auto draft_page = seed_page(s.conninfo(), draft, "dispatch_rules");
  auto r = s.call_as(wang, "GET", "/api/v1/pages/" + draft_page + "/image");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(sha256_hex(r.body), stored_sha256(s, draft_page, "content"));
  auto last = replica.stats();
  EXPECT_EQ(last.replica_reads - before.replica_reads, 4);
  EXPECT_EQ(last.primary_reads, before.primary_reads);

  // /metrics: the lag, and the reads by the server that answered.
  auto lag = metric(s, "hallpass_replica_lag_seconds");
  ASSERT_TRUE(lag.has_value());
  EXPECT_GE(*lag, 0.0);
  EXPECT_LT(*lag, 1.0);
  EXPECT_EQ(metric(s, "hallpass_replica_reads_total{served_by=\"replica\"}"), static_cast<double>(last.replica_reads));
  EXPECT_EQ(metric(s, "hallpass_replica_usable"), 1.0);
  EXPECT_EQ(metric(s, "hallpass_db_nested_acquires_total"), 0.0);  // never two connections at once
}

TEST(ReplicaReads, AnUnreachableReplicaFallsBackToThePrimary) {
  // Port 1 on loopback: nothing listens, every connect is refused.
  running_server s(with_read_url("host=127.0.0.1 port=1 dbname=hallpass user=hallpass connect_timeout=2"));
  auto& replica = s.app().replica;
  EXPECT_FALSE(replica.sample());
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  read_submitted_pages(s, wang, id);
  auto st = replica.stats();
  EXPECT_EQ(st.replica_reads, 0);
  EXPECT_EQ(st.primary_reads, 3);
  EXPECT_EQ(st.fallback_error, 3);
  EXPECT_GE(st.samples_failed, 1);
  EXPECT_EQ(metric(s, "hallpass_replica_lag_seconds"), -1.0);
  EXPECT_EQ(metric(s, "hallpass_replica_fallbacks_total{reason=\"error\"}"), 3.0);
  EXPECT_EQ(metric(s, "hallpass_replica_usable"), 0.0);
}

TEST(ReplicaReads, LagOverTheBoundReadsThePrimary) {
  // A bound of 0 ms: every measured lag (at least the sample's round trip) is over it.
  running_server s(with_read_url(own_database, 0));
  auto& replica = s.app().replica;
  ASSERT_TRUE(replica.sample());
  EXPECT_FALSE(replica.stats().usable);
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  read_submitted_pages(s, wang, id);
  auto st = replica.stats();
  EXPECT_EQ(st.replica_reads, 0);
  EXPECT_EQ(st.primary_reads, 3);
  EXPECT_EQ(st.fallback_lag, 3);
  EXPECT_EQ(st.fallback_error, 0);
}

TEST(ReplicaReads, AnotherDatabaseIsNeverReadFrom) {
  // A database of the same server with the same schema but other rows: a misconfigured read URL.
  // Its page ids could name other pages: it is not taken for a replica of this one.
  scratch_database other;
  running_server s(with_read_url(other.conninfo()));
  auto& replica = s.app().replica;
  EXPECT_FALSE(replica.sample());
  auto wang = s.login(demo::unit_a, demo::agent_all);
  auto id = submitted(s, wang);
  read_submitted_pages(s, wang, id);
  auto st = replica.stats();
  EXPECT_EQ(st.replica_reads, 0);
  EXPECT_EQ(st.fallback_error, 3);
}

TEST(ReplicaReads, RowsNotYetOnTheReplicaAreReadOnThePrimary) {
  scratch_database base;
  db::pool primary(base.conninfo(), 2);
  db::replica_settings settings;
  settings.conninfo = base.conninfo();
  db::read_replica replica(primary, settings);
  ASSERT_TRUE(replica.sample());
  {
    auto c = primary.acquire();
    c->exec("CREATE TABLE replica_probe (id int PRIMARY KEY, what text)");
    c->exec("INSERT INTO replica_probe VALUES (1, 'here')");
  }
  // The first call (on the replica) stands for a replica that has not replayed the row yet: it
  // finds nothing; the primary is asked next, and its answer is the one returned.
  int calls = 0;
  auto out = replica.read([&](db::connection& c) -> std::optional<std::string> {
    ++calls;
    auto r = c.exec("SELECT what FROM replica_probe WHERE id = $1", {calls == 1 ? 2 : 1});
    if (r.empty()) return std::nullopt;
    return r.str(0, 0);
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(out, "here");
  auto st = replica.stats();
  EXPECT_EQ(st.fallback_missing, 1);
  EXPECT_EQ(st.primary_reads, 1);
  EXPECT_EQ(st.replica_reads, 0);

  // When the replica has it, one call, on the replica.
  calls = 1;
  out = replica.read([&](db::connection& c) -> std::optional<std::string> {
    auto r = c.exec("SELECT what FROM replica_probe WHERE id = 1");
    ++calls;
    return r.empty() ? std::nullopt : std::optional<std::string>(r.str(0, 0));
  });
  EXPECT_EQ(out, "here");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(replica.stats().replica_reads, 1);
  EXPECT_EQ(primary.stats().nested, 0);
}
