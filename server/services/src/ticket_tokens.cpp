#include "hallpass/server/services/ticket_tokens.hpp"

#include "hallpass/server/identity/tokens.hpp"

namespace hallpass::server::services {

namespace {

constexpr std::size_t id_chars = 11;  // base64url of the id's 8 bytes

}  // namespace

std::string ticket_token(std::int64_t id, std::string_view secret) {
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i, id >>= 8) bytes[static_cast<std::size_t>(i)] = static_cast<char>(id & 0xff);
  return identity::base64url_encode(bytes) + std::string(secret);
}

std::optional<ticket_token_parts> split_ticket_token(std::string_view token) {
  if (token.size() <= id_chars || token.size() > 128) return std::nullopt;
  auto secret = token.substr(id_chars);
  if (secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
      std::string_view::npos)
    return std::nullopt;
  auto bytes = identity::base64url_decode(token.substr(0, id_chars));
  if (!bytes) return std::nullopt;
  std::uint64_t bits = 0;
  for (unsigned char b : *bytes) bits = bits << 8 | b;
  if (bits >> 63) return std::nullopt;  // beyond a positive 64-bit id
  ticket_token_parts out;
  out.id = static_cast<std::int64_t>(bits);
  out.secret_hash = identity::sha256_hex(secret);
  return out;
}

}  // namespace hallpass::server::services
