#include "hallpass/server/services/ticket_tokens.hpp"

#include "hallpass/server/identity/tokens.hpp"

namespace hallpass::server::services {

namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t id_chars = 11;  // 66 bits: the first character carries the top 4

int value_of(char c) {
  auto at = alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

std::string ticket_token(std::int64_t id, std::string_view secret) {
  std::string out(id_chars, 'A');
  auto bits = static_cast<std::uint64_t>(id);
  for (std::size_t i = id_chars; i-- > 0; bits >>= 6) out[i] = alphabet[bits & 63];
  out += secret;
  return out;
}

std::optional<ticket_token_parts> split_ticket_token(std::string_view token) {
  if (token.size() <= id_chars || token.size() > 128) return std::nullopt;
  for (char c : token)
    if (value_of(c) < 0) return std::nullopt;
  if (value_of(token[0]) >= 8) return std::nullopt;  // beyond a positive 64-bit id
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < id_chars; ++i) bits = bits << 6 | static_cast<std::uint64_t>(value_of(token[i]));
  ticket_token_parts out;
  out.id = static_cast<std::int64_t>(bits);
  out.secret_hash = identity::sha256_hex(token.substr(id_chars));
  return out;
}

}  // namespace hallpass::server::services
