// A ticket's tokens carry its id in front of the secret: the id comes back whole, and nothing but
// an id and a base64url secret is taken for a token.
#include "hallpass/server/services/ticket_tokens.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "hallpass/server/identity/tokens.hpp"

namespace services = hallpass::server::services;
namespace identity = hallpass::server::identity;

TEST(TicketTokens, TheIdAndTheSecretsHashComeBack) {
  for (std::int64_t id : {std::int64_t{1}, std::int64_t{63}, std::int64_t{64}, std::int64_t{4'294'967'297},
                          std::numeric_limits<std::int64_t>::max()}) {
    auto secret = identity::random_token(16);
    auto token = services::ticket_token(id, secret);
    EXPECT_EQ(token.size(), 11 + secret.size());
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos) << token;
    auto parts = services::split_ticket_token(token);
    ASSERT_TRUE(parts.has_value()) << token;
    EXPECT_EQ(parts->id, id);
    EXPECT_EQ(parts->secret_hash, identity::sha256_hex(secret));
  }
}

TEST(TicketTokens, TokensOfNeighbouringIdsDifferInTheirIdPart) {
  auto a = services::ticket_token(1000, "same-secret");
  auto b = services::ticket_token(1001, "same-secret");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(11), b.substr(11));
  EXPECT_EQ(services::split_ticket_token(b)->id, 1001);
}

TEST(TicketTokens, AnythingElseIsNotAToken) {
  auto good = services::ticket_token(42, identity::random_token(16));
  EXPECT_FALSE(services::split_ticket_token(""));
  EXPECT_FALSE(services::split_ticket_token(good.substr(0, 11)));  // an id without a secret
  EXPECT_FALSE(services::split_ticket_token(good.substr(0, 11) + "a.b"));
  EXPECT_FALSE(services::split_ticket_token(good + "="));
  EXPECT_FALSE(services::split_ticket_token("8AAAAAAAAAA" + identity::random_token(16)));  // not a positive id
  EXPECT_FALSE(services::split_ticket_token(std::string(11, 'A') + std::string(118, 'x')));  // over 128
  EXPECT_TRUE(services::split_ticket_token(good));
}
