#pragma once
// A login ticket's scan token and poll secret as handed out: the ticket's id (its 8 bytes, big
// endian, in 11 base64url characters), then the secret whose SHA-256 the row stores.
// The id finds the row through the ordered index on ids, which an insert touches only at its
// right edge; an index on the random hashes had every insert touch a random page of it. The
// secret proves the holder: a row is found only by its id and its secret's hash together.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hallpass::server::services {

std::string ticket_token(std::int64_t id, std::string_view secret);

struct ticket_token_parts {
  std::int64_t id = 0;
  std::string secret_hash;  // hex SHA-256 of the secret, as the row stores it
};
// nullopt for anything that is not an id and a secret of base64url characters.
std::optional<ticket_token_parts> split_ticket_token(std::string_view token);

}  // namespace hallpass::server::services
