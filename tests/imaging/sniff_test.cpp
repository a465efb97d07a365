// ISO base media files: the ftyp major brand tells a video (mp4) from a HEIF photo (heic).
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;

namespace {

// The first box of an ISO-BMFF file: size, "ftyp", major brand, minor version, compatible brands.
std::string ftyp(const std::string& major, const std::string& compatible) {
  std::string box = std::string("\0\0\0", 3) + char(16 + compatible.size()) + "ftyp" + major + std::string(4, '\0') + compatible;
  return box + std::string("\0\0\0\x08" "free", 8);
}

}  // namespace

TEST(Sniff, TellsVideoFromHeifPhoto) {
  for (std::string brand : {"isom", "iso2", "mp41", "mp42", "avc1", "M4V ", "qt  ", "3gp4"})
    EXPECT_EQ(hi::sniff(as_bytes(ftyp(brand, "isomiso2avc1mp41"))), hi::file_type::mp4) << brand;
  for (std::string brand : {"heic", "heix", "mif1", "msf1", "hevc"})
    EXPECT_EQ(hi::sniff(as_bytes(ftyp(brand, "mif1heic"))), hi::file_type::heic) << brand;
  EXPECT_EQ(hi::sniff(as_bytes(ftyp("xxxx", "isom"))), hi::file_type::unknown);
  EXPECT_EQ(hi::sniff(as_bytes(std::string("\0\0\0\x18" "ftyp", 8))), hi::file_type::unknown);  // no brand
  EXPECT_EQ(hi::to_string(hi::file_type::mp4), "mp4");
  EXPECT_EQ(hi::to_string(hi::file_type::heic), "heic");
}
