// HEIF item references read before decoding: cycles, deep chains and damaged 'iref' boxes are
// refused; grids and alpha planes as encoders write them pass and decode.
#include "internal.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include "heic_encode.hpp"

#include <vector>

namespace hi = hallpass::imaging;
using namespace hallpass::imaging::testing;
using hallpass::imaging::detail::heif_references_are_safe;

namespace {

struct ref {
  std::string type;
  std::uint32_t from;
  std::vector<std::uint32_t> to;
};

std::string be(std::uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s += char((v >> (8 * i)) & 0xFF);
  return s;
}

std::string box(const std::string& type, const std::string& body) { return be(8 + body.size(), 4) + type + body; }

// ftyp + meta holding one iref (version 0: 16-bit item IDs) with the given references.
std::string container(const std::vector<ref>& refs) {
  std::string iref = be(0, 4);
  for (const ref& r : refs) {
    std::string body = be(r.from, 2) + be(r.to.size(), 2);
    for (std::uint32_t to : r.to) body += be(to, 2);
    iref += box(r.type, body);
  }
  return box("ftyp", "heic" + be(0, 4) + "mif1heic") + box("meta", be(0, 4) + box("iref", iref));
}

bool safe(const std::string& bytes) { return heif_references_are_safe(as_bytes(bytes)); }

}  // namespace

TEST(HeifReferences, FuzzFileWhoseGridReferencesItselfIsRefused) {
  std::string heic = read_file(testdata("../fuzz/regressions/image_header/heic-grid-references-itself.heic"));
  ASSERT_FALSE(heic.empty());
  EXPECT_FALSE(safe(heic));
}

TEST(HeifReferences, CyclesDeepChainsAndDamageAreRefused) {
  EXPECT_TRUE(safe(container({{"dimg", 1, {2, 3, 4, 5}}})));                        // grid of 4 tiles
  EXPECT_TRUE(safe(container({{"dimg", 1, {2}}, {"dimg", 2, {3, 4}}, {"auxl", 5, {1}}})));
  EXPECT_TRUE(safe(container({{"thmb", 1, {1}}})));                                  // not decoded with it
  EXPECT_FALSE(safe(container({{"dimg", 1, {1}}})));
  EXPECT_FALSE(safe(container({{"dimg", 1, {2}}, {"dimg", 2, {1}}})));
  EXPECT_FALSE(safe(container({{"dimg", 1, {2}}, {"auxl", 1, {2}}})));               // 2 needs its alpha 1
  EXPECT_TRUE(safe(container({{"dimg", 1, {2}}, {"dimg", 2, {3}}, {"dimg", 3, {4}}, {"dimg", 4, {5}}})));
  EXPECT_FALSE(safe(container({{"dimg", 1, {2}}, {"dimg", 2, {3}}, {"dimg", 3, {4}}, {"dimg", 4, {5}},
                               {"dimg", 5, {6}}})));
  // A grid of 20 grids of the same 20 grids of the same 20 tiles: 8,421 decodes from 820 references.
  std::vector<ref> nested{{"dimg", 1, {}}};
  for (std::uint32_t i = 0; i < 20; ++i) nested[0].to.push_back(10 + i);
  for (std::uint32_t i = 0; i < 40; ++i) nested.push_back({"dimg", 10 + i, {}});
  for (std::uint32_t i = 0; i < 40; ++i)
    for (std::uint32_t j = 0; j < 20; ++j) nested[1 + i].to.push_back(i < 20 ? 30 + j : 50 + j);
  EXPECT_FALSE(safe(container(nested)));
  nested.resize(21);  // the middle grids without their tiles: 421 decodes
  EXPECT_TRUE(safe(container(nested)));
  // A reference count larger than its box.
  std::string bytes = container({{"dimg", 1, {2, 3}}});
  bytes[bytes.size() - 5] = 3;
  EXPECT_FALSE(safe(bytes));
  EXPECT_FALSE(safe(bytes.substr(0, bytes.size() - 1)));
}

// libheif wraps an image whose size its chroma format cannot hold in a grid ('dimg'), and stores
// the alpha plane as an auxiliary image ('auxl'): both are read, found safe, and decode.
TEST(HeifReferences, EncodedGridWithAlphaPassesAndDecodes) {
  const int w = 321, h = 241;
  cv::Mat bgra(h, w, CV_8UC4, cv::Scalar::all(0xE0));
  bgra.rowRange(0, h / 2).setTo(cv::Scalar::all(0x40));
  auto heic = encode_heic(bgra);
  if (!heic) GTEST_SKIP() << "this libheif build has no HEVC encoder to make a test file";
  const std::string& bytes = *heic;
  ASSERT_NE(bytes.find("dimg"), std::string::npos);
  ASSERT_NE(bytes.find("auxl"), std::string::npos);
  EXPECT_TRUE(safe(bytes));
  hi::options o;
  o.produce_output = false;
  hi::page_result r = hi::process(as_bytes(bytes), o);
  EXPECT_FALSE(has_reason(r, "unreadable_image")) << codes(r);
  EXPECT_EQ(r.photo_width, w);
  EXPECT_EQ(r.photo_height, h);
}
