// The service catalogue's own check at start-up: a typing mistake in a key, a code listed twice,
// or a tolerated (容缺) material without the period it must follow within stops the server with a
// message that names it; the shipped catalogue passes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hallpass/server/services/applications.hpp"

namespace fs = std::filesystem;
using hallpass::server::services::load_catalogue;

namespace {

// The error load_catalogue gives for a catalogue with these services ("" when it loads).
std::string error_of(const std::string& services_json) {
  auto path = fs::temp_directory_path() / ("hallpass-catalogue-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"note": "test", "services": )" << services_json << "}";
  std::string error;
  try {
    load_catalogue(path.string());
  } catch (const std::exception& e) {
    error = e.what();
  }
  fs::remove(path);
  return error;
}

const char* service_head = R"("name": "测试事项", "authority": "测试局", "time_limit_days": 5, "notice": "")";

std::string service(const std::string& code, const std::string& materials, const std::string& extra = "") {
  return R"({"code": ")" + code + "\", " + service_head + extra + R"(, "materials": [)" + materials + "]}";
}

}  // namespace

TEST(Catalogue, TheShippedOneLoads) {
  auto services = load_catalogue(std::string(HALLPASS_SOURCE_DIR) + "/server/data/catalogue.json");
  EXPECT_GE(services.size(), 3u);
}

TEST(Catalogue, AGoodOneLoads) {
  EXPECT_EQ(error_of("[" + service("s1", R"({"code": "a", "name": "甲", "required": true},
      {"code": "b", "name": "乙", "required": true, "tolerable": true, "supply_days": 7})") + "]"), "");
}

TEST(Catalogue, AnUnknownKeyIsRefusedByName) {
  EXPECT_NE(error_of("[" + service("s1", R"({"code": "a", "name": "甲", "requird": true})") + "]").find("\"requird\""),
            std::string::npos);
  EXPECT_NE(error_of("[" + service("s1", R"({"code": "a", "name": "甲", "required": true})", R"(, "time_limit": 3)") + "]")
                .find("\"time_limit\" in service s1"),
            std::string::npos);
}

TEST(Catalogue, ACodeListedTwiceIsRefused) {
  auto material = std::string(R"({"code": "a", "name": "甲", "required": true})");
  EXPECT_NE(error_of("[" + service("s1", material) + ", " + service("s1", material) + "]").find("service s1 is listed twice"),
            std::string::npos);
  EXPECT_NE(error_of("[" + service("s1", material + ", " + material) + "]").find("material a is listed twice in s1"),
            std::string::npos);
}

TEST(Catalogue, ATolerableMaterialNeedsASupplyPeriod) {
  EXPECT_NE(error_of("[" + service("s1", R"({"code": "a", "name": "甲", "required": true, "tolerable": true})") + "]")
                .find("tolerated material s1/a has no supply_days"),
            std::string::npos);
  EXPECT_NE(error_of("[" + service("s1", R"({"code": "a", "name": "甲", "required": true, "tolerable": true, "supply_days": 0})") +
                     "]").find("no supply_days"),
            std::string::npos);
}
