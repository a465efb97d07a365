// The private PostgreSQL of a data directory wherever the clone lies: in a path with a space
// (the socket folder then needs quoting in the libpq string), and, when run as root, under a
// mode-700 folder the `postgres` user cannot enter (the cluster is then relocated to
// /var/lib/hallpass/clusters and linked from the data directory).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/embedded_postgres.hpp"

namespace fs = std::filesystem;
namespace db = hallpass::server::db;

namespace {

// A folder under /tmp with the given mode, removed with everything in it at the end.
class scratch_folder {
 public:
  explicit scratch_folder(fs::perms mode) {
    root_ = fs::path("/tmp") / ("hp-embedded-" + std::to_string(std::random_device{}() % 100000000));
    fs::create_directories(root_);
    fs::permissions(root_, mode, fs::perm_options::replace);
  }
  ~scratch_folder() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  const fs::path& path() const { return root_; }

 private:
  fs::path root_;
};

constexpr fs::perms searchable = fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec;

}  // namespace

TEST(EmbeddedPostgres, DataDirectoryWithASpaceWorks) {
  scratch_folder top(searchable);
  fs::path parent = top.path() / "with space";
  fs::create_directories(parent);
  fs::permissions(parent, searchable, fs::perm_options::replace);
  db::embedded_postgres pg((parent / "postgres").string());
  std::string conninfo;
  ASSERT_NO_THROW(conninfo = pg.start("hallpass_space"));
  EXPECT_NE(conninfo.find("host='"), std::string::npos) << conninfo;  // the socket folder holds a space
  EXPECT_EQ(db::connection(conninfo).exec("SELECT 1").int64(0, 0), 1);
  pg.stop();
}

TEST(EmbeddedPostgres, AsRootAClusterOutOfReachOfPostgresIsRelocatedAndFoundAgain) {
  if (geteuid() != 0) GTEST_SKIP() << "only root runs the cluster as another user (postgres); not root here";
  scratch_folder top(fs::perms::owner_all);  // mode 700, like /root or a mktemp -d folder
  fs::path data = top.path() / "clone with space" / "var";
  fs::create_directories(data);
  const std::string dir = (data / "postgres").string();

  fs::path target;
  {
    db::embedded_postgres pg(dir);
    std::string conninfo;
    ASSERT_NO_THROW(conninfo = pg.start("hallpass_relocated"));
    ASSERT_TRUE(fs::is_symlink(dir));
    target = fs::read_symlink(dir);
    EXPECT_EQ(target.parent_path(), fs::path("/var/lib/hallpass/clusters"));
    EXPECT_TRUE(fs::exists(target / "PG_VERSION"));
    db::connection c(conninfo);
    c.exec_script("CREATE TABLE kept (v int); INSERT INTO kept VALUES (7);");
    pg.stop();
  }
  {
    // The next start follows the link to the same data.
    db::embedded_postgres pg(dir);
    std::string conninfo;
    ASSERT_NO_THROW(conninfo = pg.start("hallpass_relocated"));
    EXPECT_EQ(fs::read_symlink(dir), target);
    EXPECT_EQ(db::connection(conninfo).exec("SELECT v FROM kept").int64(0, 0), 7);
    pg.stop();
  }
  std::error_code ec;
  fs::remove_all(target, ec);
  fs::remove(target.string() + ".source", ec);
}
