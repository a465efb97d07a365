// The database's disk fills up while phones upload: a real PostgreSQL keeps this test's database
// in a tablespace on a small filesystem of its own (tmpfs, mounted here; needs root, as CI runs).
// Uploads are then refused with 503 storage_full and Retry-After, nothing half-written stays
// behind, and once there is room again the same upload code goes on where it stopped, without a
// restart of the server.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <boost/json.hpp>

#include "hallpass/server/db/database.hpp"
#include "support/test_env.hpp"
#include "support/test_tools.hpp"

using namespace hallpass::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// A tmpfs of `kilobytes` at a fresh folder, owned by the PostgreSQL server's user, with a
// tablespace on it; all undone on destruction.
class small_tablespace {
 public:
  explicit small_tablespace(long kilobytes) {
    dir_ = fs::temp_directory_path() / ("hallpass-full-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    resize(kilobytes, false);
    mounted_ = true;
    hallpass::server::db::connection admin(admin_conninfo());
    struct stat data {};
    auto data_dir = admin.exec("SHOW data_directory").str(0, 0);
    if (::stat(data_dir.c_str(), &data) != 0 || ::chown(dir_.c_str(), data.st_uid, data.st_gid) != 0)
      throw std::runtime_error("cannot hand " + dir_.string() + " to the PostgreSQL user");
    name_ = "hp_full_" + std::to_string(getpid());
    admin.exec_script("CREATE TABLESPACE " + name_ + " LOCATION '" + dir_.string() + "'");
  }
  ~small_tablespace() {
    try {
      hallpass::server::db::connection admin(admin_conninfo());
      if (!name_.empty()) admin.exec_script("DROP TABLESPACE IF EXISTS " + name_);
    } catch (...) {
    }
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  small_tablespace(const small_tablespace&) = delete;
  small_tablespace& operator=(const small_tablespace&) = delete;
  const std::string& name() const { return name_; }
  // What the filesystem holds now.
  long used_kb() const {
    struct statvfs fs {};
    if (::statvfs(dir_.c_str(), &fs) != 0) throw std::runtime_error("statvfs " + dir_.string());
    return static_cast<long>((fs.f_blocks - fs.f_bfree) * fs.f_frsize / 1024);
  }
  // Gives the filesystem a new size (the operator freeing or adding space).
  void resize(long kilobytes, bool remount = true) {
    auto options = "size=" + std::to_string(kilobytes) + "k,mode=0700";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", remount ? MS_REMOUNT : 0, options.c_str()) != 0)
      throw std::runtime_error("cannot mount a tmpfs at " + dir_.string());
  }

 private:
  fs::path dir_;
  std::string name_;
  bool mounted_ = false;
};

const std::vector<std::string> full_server_args = {"--upload-code-max-pages=30",
                                                   "--upload-photos-per-code-per-minute=100000",
                                                   "--upload-photos-per-ip-per-minute=100000"};

}  // namespace

TEST(StorageFull, UploadsAreRefusedClearlyNothingIsHalfWrittenAndTheyResumeWhenThereIsRoom) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting the small filesystem needs root (CI runs as root)";
  std::ifstream in(std::string(HALLPASS_TESTDATA_DIR) + "/photos/dynamsoft/webp/card-on-dark-background.webp",
                   std::ios::binary);
  ASSERT_TRUE(in.good());
  const std::string photo{std::istreambuf_iterator<char>(in), {}};

  small_tablespace space(64 * 1024);
  scratch_database db(space.name());
  server_process server(HALLPASS_SERVER_BINARY, db.conninfo(), true, full_server_args);
  ASSERT_TRUE(server.healthy());
  auto login = http_call(server.port(), "POST", "/api/v1/sessions",
                         json::serialize(json::object{{"unit", demo::unit_a}, {"account", demo::agent_all},
                                                      {"password", "Demo@2026"}, {"channel", "app"}}));
  ASSERT_EQ(login.status, 201) << login.body;
  header_list auth = {{"Authorization", "Bearer " + str_at(login.json(), "token")}};
  auto created = http_call(server.port(), "POST", "/api/v1/applications",
                           R"({"service_code":"labour_dispatch_licence_haicheng"})", auth);
  ASSERT_EQ(created.status, 201) << created.body;
  auto application = str_at(created.json(), "id");
  auto code = http_call(server.port(), "POST",
                        "/api/v1/applications/" + application + "/materials/dispatch_rules/upload-codes", "{}", auth);
  ASSERT_EQ(code.status, 201) << code.body;
  auto url = str_at(code.json(), "url");
  auto code_token = url.substr(url.rfind('/') + 1);
  auto upload = [&](const std::string& key) {
    return http_call(server.port(), "POST", "/api/v1/upload-codes/current/pages", photo,
                     {{"X-Upload-Code", code_token}, {"Content-Type", "image/webp"}, {"Idempotency-Key", key}});
  };

  // Fill what is left, then take the disk down to what is used: the next page cannot fit.
  ASSERT_EQ(upload("fill-0").status, 201);
  // Opened while there is room: with the disk full, PostgreSQL refuses new connections to the
  // database (it cannot write their cache file), though the server's open ones go on.
  hallpass::server::db::connection c(db.conninfo());
  space.resize(space.used_kb() + 64);
  int acknowledged = 1;
  http_reply refused;
  for (int i = 1; i < 30; ++i) {
    auto r = upload("fill-" + std::to_string(i));
    if (r.status != 201) {
      refused = r;
      break;
    }
    ++acknowledged;
  }
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.error_code(), "storage_full") << refused.body;
  EXPECT_EQ(refused.headers["retry-after"], "60");
  auto message = refused.json().at("error").as_object();
  EXPECT_NE(str_at(message, "message").find("存储空间已满"), std::string::npos) << refused.body;
  EXPECT_NE(str_at(message, "message_en").find("storage is full"), std::string::npos) << refused.body;
  EXPECT_NE(server.log().find("\"storage_full\""), std::string::npos) << "the operator is told in the log";

  // Nothing half-written: the acknowledged pages, whole, numbered 1..n, and the code's count.
  auto check_pages = [&](int expected) {
    auto rows = c.exec("SELECT position, sha256 = encode(sha256(content), 'hex') FROM pages WHERE application_id = $1 "
                       "ORDER BY position",
                       {static_cast<std::int64_t>(std::stoll(application))});
    ASSERT_EQ(rows.size(), expected);
    for (int i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows.int64(i, 0), i + 1);
      EXPECT_TRUE(rows.boolean(i, 1)) << "page " << i + 1 << " is not whole";
    }
    EXPECT_EQ(c.exec("SELECT pages_added FROM upload_codes WHERE application_id = $1",
                     {static_cast<std::int64_t>(std::stoll(application))})
                  .int64(0, 0),
              expected);
  };
  check_pages(acknowledged);
  // A retry while the disk is still full is refused the same way and changes nothing.
  EXPECT_EQ(upload("fill-" + std::to_string(acknowledged)).error_code(), "storage_full");
  check_pages(acknowledged);

  // Room again: the same code and the same key go on, without a restart.
  space.resize(space.used_kb() + 64 * 1024);
  auto resumed = upload("fill-" + std::to_string(acknowledged));
  EXPECT_EQ(resumed.status, 201) << resumed.body;
  check_pages(acknowledged + 1);
  std::cout << acknowledged << " pages acknowledged before the disk was full\n";
}
