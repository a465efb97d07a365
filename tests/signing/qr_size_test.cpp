// How large the code of a typical receipt is, and that it reads back from a rendered symbol.
#include "fixtures.hpp"

#include "hallpass/qr/decode.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/qr/render.hpp"

#include <gtest/gtest.h>

#include <iostream>

using namespace hallpass::signing;
using namespace hallpass::signing::test;
namespace qr = hallpass::qr;

TEST(SigningQrSize, TypicalReceiptFitsVersion11AtLevelM) {
  const auto payload = sign_payload(receipt(), key(0).private_pem);
  const auto url = document_url(hall, payload);
  ASSERT_EQ(url.rfind("HTTPS://HALL.EXAMPLE.GOV.CN/V/", 0), 0u);
  const auto symbol = qr::encode(url, qr::ec_level::medium);
  ASSERT_TRUE(symbol) << symbol.error().detail;
  std::cout << "document code of a receipt: payload " << payload.size() << " bytes, URL " << url.size()
            << " characters, QR version " << symbol->version() << "-M (" << symbol->size() << " modules)\n";
  EXPECT_EQ(payload.size(), 153u);
  EXPECT_EQ(url.size(), 30u + 230u);
  EXPECT_LE(symbol->version(), 11);
  EXPECT_EQ(url.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"), std::string::npos);
}

TEST(SigningQrSize, RenderedCodeReadsBackGenuine) {
  const auto url = document_url(hall, sign_payload(receipt(), key(0).private_pem));
  const auto symbol = qr::encode(url, qr::ec_level::medium);
  ASSERT_TRUE(symbol);
  const auto png = qr::render_png(*symbol, {.module_px = 4});
  ASSERT_TRUE(png);
  const auto read = qr::decode_image_bytes(*png);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->text, url);
  EXPECT_EQ(check_offline(read->text, hall_list(), issued + 60).outcome, verdict::genuine);
}
