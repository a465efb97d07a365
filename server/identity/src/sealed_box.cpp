// AES-256-GCM over OpenSSL's EVP interface.
#include "hallpass/server/identity/sealed_box.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace hallpass::server::identity {

namespace {

constexpr int nonce_size = 12, tag_size = 16;

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::string seal(std::string_view key, std::string_view plaintext) {
  if (key.size() != 32) throw std::invalid_argument("seal: the key must be 32 bytes");
  std::string out(nonce_size + plaintext.size() + tag_size, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(o, nonce_size) != 1) throw std::runtime_error("seal: no random bytes");
  cipher_ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), o) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o + nonce_size, &n, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + nonce_size + n, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size, o + nonce_size + plaintext.size()) != 1)
    throw std::runtime_error("seal: AES-256-GCM failed");
  return out;
}

std::optional<std::string> unseal(std::string_view key, std::string_view box) {
  if (key.size() != 32 || box.size() < nonce_size + tag_size) return std::nullopt;
  const auto size = box.size() - nonce_size - tag_size;
  std::string out(size, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(box.substr(nonce_size + size));
  cipher_ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(box)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), o, &n, bytes(box.substr(nonce_size, size)), static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), o + n, &n) != 1)
    return std::nullopt;
  return out;
}

}  // namespace hallpass::server::identity
