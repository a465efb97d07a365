// Schema migrations: a copy of schema/ in a temporary folder applied to a fresh database,
// re-runs that apply nothing, changed or deleted applied files that stop start-up, bad file
// names, a failing file that leaves nothing behind, and two nodes migrating at once.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "hallpass/server/app/bootstrap.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/migrations.hpp"
#include "support/test_env.hpp"

using namespace hallpass::test;
namespace db = hallpass::server::db;
namespace fs = std::filesystem;

namespace {

// A database with nothing in it (scratch_database applies the migrations; these tests do it themselves).
class empty_database {
 public:
  empty_database() {
    static std::atomic<int> counter{0};
    name_ = "hp_m_" + std::to_string(std::random_device{}() % 1000000) + "_" + std::to_string(++counter);
    db::connection(admin_conninfo()).exec_script("CREATE DATABASE " + name_);
    conninfo_ = admin_conninfo() + " dbname=" + name_;
  }
  ~empty_database() {
    try {
      db::connection(admin_conninfo()).exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
    }
  }
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string name_, conninfo_;
};

// A temporary folder, removed with everything in it.
class temp_dir {
 public:
  explicit temp_dir(const std::string& tag) {
    path_ = fs::temp_directory_path() / ("hallpass-" + tag + "-" + std::to_string(std::random_device{}()));
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path_ / name) << text; }

 private:
  fs::path path_;
};

// schema/ copied, so tests can edit and delete files freely.
std::unique_ptr<temp_dir> schema_copy() {
  auto dir = std::make_unique<temp_dir>("schema");
  for (auto& e : fs::directory_iterator(HALLPASS_SCHEMA_DIR)) fs::copy(e.path(), dir->path() / e.path().filename());
  return dir;
}

std::vector<std::string> schema_files() {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(HALLPASS_SCHEMA_DIR))
    if (e.path().extension() == ".sql") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The message of what fn throws, or "" when it does not throw.
template <class Fn>
std::string thrown(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool table_exists(const std::string& conninfo, const std::string& table) {
  db::connection c(conninfo);
  return !c.exec("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", {table}).empty();
}

}  // namespace

TEST(Migrations, CopyOfSchemaAppliesToAFreshDatabaseAndOnlyOnce) {
  auto dir = schema_copy();
  empty_database fresh;
  db::connection c(fresh.conninfo());
  auto files = db::load_migrations(dir->path().string());
  ASSERT_EQ(files.size(), schema_files().size());
  ASSERT_FALSE(files.empty());
  for (std::size_t i = 1; i < files.size(); ++i) EXPECT_LT(files[i - 1].version, files[i].version);
  EXPECT_EQ(files[0].checksum.size(), 64u);

  auto first = db::migrate(c, files);
  EXPECT_EQ(first.applied, schema_files());
  EXPECT_EQ(first.already, 0);
  EXPECT_TRUE(table_exists(fresh.conninfo(), "persons"));
  EXPECT_TRUE(table_exists(fresh.conninfo(), "audit_log"));
  auto recorded = c.exec("SELECT name, checksum FROM schema_migrations ORDER BY version");
  ASSERT_EQ(recorded.size(), static_cast<int>(files.size()));
  EXPECT_EQ(recorded.str(0, 1), files[0].checksum);

  auto again = db::migrate(c, files);
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.already, static_cast<int>(files.size()));
  // Start-up does the same without complaint.
  EXPECT_EQ(thrown([&] { hallpass::server::run_migrations(fresh.conninfo(), dir->path().string()); }), "");

  // A new file is applied on the next run, alone.
  dir->write("9000_extra.sql", "CREATE TABLE extra_things (id int);");
  auto more = db::migrate(c, db::load_migrations(dir->path().string()));
  EXPECT_EQ(more.applied, std::vector<std::string>{"9000_extra.sql"});
  EXPECT_TRUE(table_exists(fresh.conninfo(), "extra_things"));
}

TEST(Migrations, ChangedOrDeletedAppliedFileStopsStartUp) {
  auto dir = schema_copy();
  dir->write("9001_notes.sql", "CREATE TABLE notes (id int);");
  empty_database fresh;
  hallpass::server::run_migrations(fresh.conninfo(), dir->path().string());

  auto first = schema_files().front();
  std::ofstream(dir->path() / first, std::ios::app) << "\n-- edited afterwards\n";
  auto msg = thrown([&] { hallpass::server::run_migrations(fresh.conninfo(), dir->path().string()); });
  EXPECT_NE(msg.find(first), std::string::npos) << msg;
  EXPECT_NE(msg.find("changed"), std::string::npos) << msg;

  // Restore it; now delete the other applied file.
  fs::copy_file(fs::path(HALLPASS_SCHEMA_DIR) / first, dir->path() / first, fs::copy_options::overwrite_existing);
  EXPECT_EQ(thrown([&] { hallpass::server::run_migrations(fresh.conninfo(), dir->path().string()); }), "");
  fs::remove(dir->path() / "9001_notes.sql");
  msg = thrown([&] { hallpass::server::run_migrations(fresh.conninfo(), dir->path().string()); });
  EXPECT_NE(msg.find("9001_notes.sql"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gone"), std::string::npos) << msg;
  // A refused start-up applied nothing new either.
  dir->write("9001_notes.sql", "CREATE TABLE notes (id int);");
  dir->write("9002_later.sql", "CREATE TABLE later (id int);");
  std::ofstream(dir->path() / first, std::ios::app) << "\n-- edited again\n";
  EXPECT_NE(thrown([&] { hallpass::server::run_migrations(fresh.conninfo(), dir->path().string()); }), "");
  EXPECT_FALSE(table_exists(fresh.conninfo(), "later"));
}

TEST(Migrations, BadFileNamesAreRefused) {
  for (std::string bad : {"1_short.sql", "abcd_letters.sql", "00001_five.sql", "0002-dash.sql", "0003.sql"}) {
    temp_dir dir("badname");
    dir.write("0001_ok.sql", "SELECT 1;");
    dir.write(bad, "SELECT 1;");
    auto msg = thrown([&] { db::load_migrations(dir.path().string()); });
    EXPECT_NE(msg.find(bad), std::string::npos) << bad << " gave: " << msg;
  }
  temp_dir dup("dup");
  dup.write("0001_a.sql", "SELECT 1;");
  dup.write("0001_b.sql", "SELECT 1;");
  auto msg = thrown([&] { db::load_migrations(dup.path().string()); });
  EXPECT_NE(msg.find("0001_a.sql"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0001_b.sql"), std::string::npos) << msg;
  // Files that are not .sql are not migrations.
  temp_dir other("other");
  other.write("0001_a.sql", "SELECT 1;");
  other.write("README.md", "notes");
  EXPECT_EQ(db::load_migrations(other.path().string()).size(), 1u);
  // A missing folder is an error with a message, not a crash.
  EXPECT_NE(thrown([&] { db::load_migrations("/nonexistent/hallpass/schema"); }), "");
}

TEST(Migrations, FailingFileLeavesTheDatabaseUntouched) {
  temp_dir dir("failing");
  dir.write("0001_good.sql", "CREATE TABLE good_one (id int);");
  dir.write("0002_bad.sql", "CREATE TABLE bad_one (id int); SELECT no_such_function();");
  empty_database fresh;
  auto msg = thrown([&] { hallpass::server::run_migrations(fresh.conninfo(), dir.path().string()); });
  EXPECT_NE(msg.find("0002_bad.sql"), std::string::npos) << msg;
  EXPECT_FALSE(table_exists(fresh.conninfo(), "good_one"));
  EXPECT_FALSE(table_exists(fresh.conninfo(), "bad_one"));
  EXPECT_FALSE(table_exists(fresh.conninfo(), "schema_migrations"));
}

TEST(Migrations, TwoNodesMigratingAtOnceApplyEachFileOnce) {
  auto dir = schema_copy();
  // A slow file widens the window in which the two would race without the lock.
  dir->write("9003_slow.sql", "SELECT pg_sleep(0.3); CREATE TABLE slow_one (id int);");
  auto files = db::load_migrations(dir->path().string());
  for (int round = 0; round < 2; ++round) {
    empty_database fresh;
    std::atomic<int> ready{0};
    db::migrate_outcome out[2];
    std::string errors[2];
    std::vector<std::thread> nodes;
    for (int i = 0; i < 2; ++i) {
      nodes.emplace_back([&, i] {
        try {
          db::connection c(fresh.conninfo());
          ++ready;
          while (ready.load() < 2) std::this_thread::yield();
          out[i] = db::migrate(c, files);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    }
    for (auto& t : nodes) t.join();
    EXPECT_EQ(errors[0], "");
    EXPECT_EQ(errors[1], "");
    EXPECT_EQ(out[0].applied.size() + out[1].applied.size(), files.size());
    EXPECT_TRUE(out[0].applied.empty() || out[1].applied.empty());  // one did all, the other none
    EXPECT_EQ(out[0].already + out[1].already, static_cast<int>(files.size()));
    db::connection c(fresh.conninfo());
    EXPECT_EQ(c.exec("SELECT count(*) FROM schema_migrations").int64(0, 0), static_cast<std::int64_t>(files.size()));
  }
}
