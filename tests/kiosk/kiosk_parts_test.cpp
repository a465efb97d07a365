// The kiosk's parts on their own (label unit): its configuration, its credential's permissions,
// the outbox on disk, and the choice of a steady, sharp frame.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <boost/json.hpp>
#include <opencv2/imgproc.hpp>

#include "../../kiosk/src/camera.hpp"
#include "../../kiosk/src/frame_picker.hpp"
#include "../../kiosk/src/outbox.hpp"
#include "../../kiosk/src/server_link.hpp"
#include "hallpass/kiosk/config.hpp"

namespace kiosk = hallpass::kiosk;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct scratch {
  fs::path dir = fs::temp_directory_path() / ("hallpass-kiosk-parts-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  scratch() { fs::create_directories(dir); }
  ~scratch() { fs::remove_all(dir); }
};

// A page with text-like detail, shifted by `dx` pixels, blurred by `blur` (0: sharp).
cv::Mat page(int dx, int blur) {
  cv::Mat m(1200, 1600, CV_8UC3, cv::Scalar(40, 40, 40));
  cv::rectangle(m, {200 + dx, 100, 1100, 1000}, cv::Scalar(245, 245, 245), cv::FILLED);
  for (int y = 160; y < 1050; y += 30) cv::line(m, {260 + dx, y}, {1200 + dx, y}, cv::Scalar(20, 20, 20), 3);
  if (blur > 0) cv::GaussianBlur(m, m, {0, 0}, blur);
  return m;
}

}  // namespace

TEST(KioskConfig, FileThenOptionsWhichWin) {
  scratch s;
  std::ofstream(s.dir / "kiosk.conf") << "# the hall's first kiosk\nport = 9000\nprinter = escpos:tcp://10.0.0.9:9100\n"
                                         "idle-seconds = 90  # a minute and a half\n";
  auto r = kiosk::load_config({"--config", (s.dir / "kiosk.conf").string(), "--port", "9001"});
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_EQ(r.value->port, 9001);
  EXPECT_EQ(r.value->printer, "escpos:tcp://10.0.0.9:9100");
  EXPECT_EQ(r.value->idle_seconds, 90);
  EXPECT_EQ(r.value->idle_warning_seconds, 30);
}

TEST(KioskConfig, RefusesWhatItDoesNotKnowAndAWarningUnder20Seconds) {
  EXPECT_NE(kiosk::load_config({"--idle-warning-seconds", "19"}).error.find("idle-warning-seconds"), std::string::npos);
  EXPECT_TRUE(kiosk::load_config({"--idle-warning-seconds", "20"}).value);
  EXPECT_NE(kiosk::load_config({"--colour", "red"}).error.find("unknown option"), std::string::npos);
  EXPECT_FALSE(kiosk::load_config({"--port"}).value);
  EXPECT_FALSE(kiosk::load_config({"--camera-loop", "maybe"}).value);
  EXPECT_TRUE(kiosk::load_config({"--help"}).help);
  EXPECT_NE(kiosk::config_help().find("--printer"), std::string::npos);
}

TEST(KioskCredential, RefusedWhenOthersCanReadIt) {
  scratch s;
  auto path = (s.dir / "credential.json").string();
  std::ofstream(path) << R"({"server":"https://hall.example","client_id":"k1","client_secret":"s3cret"})";
  ::chmod(path.c_str(), 0644);
  try {
    kiosk::load_credential(path);
    FAIL() << "a credential others can read is refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
  }
  ::chmod(path.c_str(), 0600);
  auto c = kiosk::load_credential(path);
  EXPECT_EQ(c.client_id, "k1");
  EXPECT_EQ(c.server, "https://hall.example");
}

TEST(KioskOutbox, ItemsOutliveTheProcessInOrderAndOnlyWholeOnesCount) {
  scratch s;
  {
    kiosk::outbox box((s.dir / "outbox").string());
    box.add("page", {{"key", "a"}}, std::string("JPEG-1"), false);
    box.add("print", {{"document", "receipt"}}, std::nullopt, true);
    box.add("page", {{"key", "b"}}, std::string("JPEG-2"), false);
  }
  std::ofstream(s.dir / "outbox" / "999999999999999-000001.json.tmp") << "{half";  // a write a crash cut short
  std::ofstream(s.dir / "outbox" / "000000000000001-000001.json") << "not json";  // not the kiosk's
  kiosk::outbox box((s.dir / "outbox").string());
  auto items = box.items();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].fields.at("key").as_string(), "a");
  EXPECT_EQ(box.blob(items[0]), "JPEG-1");
  EXPECT_EQ(items[1].kind, "print");
  EXPECT_TRUE(items[1].personal);
  EXPECT_EQ(items[2].fields.at("key").as_string(), "b");
  EXPECT_EQ((fs::status(s.dir / "outbox").permissions() & fs::perms::all), fs::perms::owner_all);
  EXPECT_EQ(box.wipe_personal(), 1);
  EXPECT_EQ(box.size(), 2u);
  box.remove(items[0].id);
  ASSERT_EQ(box.items().size(), 1u);
  EXPECT_FALSE(fs::exists(s.dir / "outbox" / (items[0].id + ".blob")));
}

TEST(KioskFrames, OnlyAStillSharpPictureIsTaken) {
  using namespace std::chrono_literals;
  kiosk::steady_frames moving;
  for (int i = 0; i < 6; ++i) moving.offer(page(i * 40, 0));
  EXPECT_FALSE(moving.take(0ms)) << "the paper is still moving";

  kiosk::steady_frames blurred;
  for (int i = 0; i < 6; ++i) blurred.offer(page(0, 12));
  EXPECT_FALSE(blurred.take(0ms)) << "still, but out of focus";

  kiosk::steady_frames still;
  still.offer(page(80, 0));
  still.offer(page(0, 0));
  EXPECT_FALSE(still.take(0ms)) << "not enough still frames yet";
  still.offer(page(0, 0));
  still.offer(page(0, 0));
  EXPECT_FALSE(still.take(0ms)) << "the first still frame moved from the one before it";
  still.offer(page(0, 0));
  auto chosen = still.take(0ms);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->size(), cv::Size(1600, 1200));
}

// A video file stands in for the camera as an image sequence does; the grabber keeps the latest.
TEST(KioskCamera, AVideoFileStandsInForTheCamera) {
  scratch s;
  auto file = (s.dir / "desk.avi").string();
  {
    cv::VideoWriter out(file, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, cv::Size(1600, 1200));
    ASSERT_TRUE(out.isOpened());
    for (int i = 0; i < 10; ++i) out.write(page(0, 0));
  }
  kiosk::camera cam({"video:" + file, 0, 0, true});
  auto first = cam.next(0, std::chrono::seconds(5));
  ASSERT_GT(first.number, 0u);
  EXPECT_EQ(first.image.size(), cv::Size(1600, 1200));
  EXPECT_EQ(first.image.channels(), 3);
  auto later = cam.next(first.number, std::chrono::seconds(5));
  EXPECT_GT(later.number, first.number) << "frames keep coming (the file starts again at its end)";
  EXPECT_TRUE(cam.live());
  EXPECT_THROW(kiosk::camera({"webcam:0", 0, 0, true}), std::runtime_error);
}
