#include "hallpass/server/identity/signatures.hpp"

#include <memory>

#include <openssl/evp.h>
#include <openssl/pem.h>

namespace hallpass::server::identity {

namespace {

using pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using md_ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

pkey read_key(std::string_view pem, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* k = nullptr;
  if (bio) {
    k = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                   : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  }
  pkey key(k, &EVP_PKEY_free);
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519)
    throw std::invalid_argument(is_private ? "not an Ed25519 private key (PEM)" : "not an Ed25519 public key (PEM)");
  return key;
}

std::string public_pem_of(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) throw std::runtime_error("cannot write a public key");
  return bio_text(bio.get());
}

}  // namespace

ed25519_key_pair generate_ed25519_key() {
  pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), &EVP_PKEY_free);
  if (!key) throw std::runtime_error("cannot generate an Ed25519 key");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("cannot write a private key");
  return {bio_text(bio.get()), public_pem_of(key.get())};
}

std::string ed25519_public_pem(std::string_view private_pem) { return public_pem_of(read_key(private_pem, true).get()); }

std::string ed25519_sign(std::string_view private_pem, std::string_view message) {
  auto key = read_key(private_pem, true);
  md_ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string sig(64, '\0');
  std::size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    throw std::runtime_error("Ed25519 signing failed");
  sig.resize(len);
  return sig;
}

bool ed25519_verify(std::string_view public_pem, std::string_view message, std::string_view signature) {
  try {
    auto key = read_key(public_pem, false);
    md_ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    return signature.size() == 64 && ctx &&
           EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

void check_ed25519_public_pem(std::string_view public_pem) { (void)read_key(public_pem, false); }

}  // namespace hallpass::server::identity
