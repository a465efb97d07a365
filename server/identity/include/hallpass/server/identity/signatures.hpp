#pragma once
// Ed25519 signatures (RFC 8032) over OpenSSL, for answers another system signs (the real-name
// service's identity checks). Keys travel as PEM: PKCS#8 for a private key, SubjectPublicKeyInfo
// for a public one.
#include <stdexcept>
#include <string>
#include <string_view>

namespace hallpass::server::identity {

struct ed25519_key_pair {
  std::string private_pem, public_pem;
};

// A new key pair from the CSPRNG; throws std::runtime_error when OpenSSL fails.
ed25519_key_pair generate_ed25519_key();
// The public key of a private one; throws std::invalid_argument for a PEM that is not an Ed25519
// private key.
std::string ed25519_public_pem(std::string_view private_pem);
// The 64-byte signature of `message`; throws std::invalid_argument for a bad key.
std::string ed25519_sign(std::string_view private_pem, std::string_view message);
// True only for a valid signature of `message` by the key; false for a bad key or signature.
bool ed25519_verify(std::string_view public_pem, std::string_view message, std::string_view signature);
// Throws std::invalid_argument unless `public_pem` is an Ed25519 public key.
void check_ed25519_public_pem(std::string_view public_pem);

}  // namespace hallpass::server::identity
