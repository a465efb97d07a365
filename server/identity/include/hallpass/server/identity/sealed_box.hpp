#pragma once
// Secrets kept in the database sealed with AES-256-GCM (the document signing keys): a random
// 12-byte nonce, the ciphertext and the 16-byte tag, in one string.
#include <optional>
#include <string>
#include <string_view>

namespace hallpass::server::identity {

// `key` is 32 bytes; throws std::invalid_argument otherwise, std::runtime_error when OpenSSL fails.
std::string seal(std::string_view key, std::string_view plaintext);
// nullopt when the box was not sealed with this key or was altered.
std::optional<std::string> unseal(std::string_view key, std::string_view box);

}  // namespace hallpass::server::identity
