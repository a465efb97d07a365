// ECDSA P-256 with SHA-256 through OpenSSL 3: key generation, raw r||s signatures (OpenSSL
// speaks DER; the payload carries the fixed 64-byte form) and verification.
#include "p256.hpp"

#include "hallpass/signing/document_code.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>

namespace hallpass::signing {
namespace {

struct pkey_free { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct bio_free { void operator()(BIO* b) const { BIO_free(b); } };
struct md_ctx_free { void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); } };
struct sig_free { void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); } };
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;
using sig_ptr = std::unique_ptr<ECDSA_SIG, sig_free>;

constexpr int coordinate_size = 32;

// Drops the OpenSSL errors a call leaves behind (an unreadable key, a bad signature), so that
// they do not surface later in an unrelated caller's TLS or crypto code on the same thread.
struct error_scope {
  error_scope() { ERR_set_mark(); }
  ~error_scope() { ERR_pop_to_mark(); }
  error_scope(const error_scope&) = delete;
  error_scope& operator=(const error_scope&) = delete;
};

bool is_p256(EVP_PKEY* key) {
  if (key == nullptr || !EVP_PKEY_is_a(key, "EC")) return false;
  char group[64];
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return false;
  return std::string_view(group, len) == "prime256v1" || std::string_view(group, len) == "P-256";
}

bio_ptr memory_bio(std::string_view pem) {
  if (pem.size() > 1 << 20) return nullptr;
  return bio_ptr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

pkey_ptr read_private(std::string_view pem) {
  auto bio = memory_bio(pem);
  if (!bio) return nullptr;
  pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
  return is_p256(key.get()) ? std::move(key) : nullptr;
}

pkey_ptr read_public(std::string_view pem) {
  auto bio = memory_bio(pem);
  if (!bio) return nullptr;
  pkey_ptr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  return is_p256(key.get()) ? std::move(key) : nullptr;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

namespace detail {
bool is_p256_public_pem(std::string_view pem) {
  error_scope errors;
  return read_public(pem) != nullptr;
}
}  // namespace detail

p256_key_pair generate_p256_key() {
  error_scope errors;
  pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw std::runtime_error("P-256 key generation failed");
  bio_ptr priv(BIO_new(BIO_s_mem())), pub(BIO_new(BIO_s_mem()));
  if (!priv || !pub || PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1)
    throw std::runtime_error("P-256 key export failed");
  return {bio_text(priv.get()), bio_text(pub.get())};
}

std::string p256_sign(std::string_view private_pem, std::string_view message) {
  error_scope errors;
  auto key = read_private(private_pem);
  if (!key) throw std::invalid_argument("not a P-256 private key");
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  std::size_t der_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    throw std::runtime_error("ECDSA signing failed");
  std::string der(der_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    throw std::runtime_error("ECDSA signing failed");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  sig_ptr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) throw std::runtime_error("ECDSA signature not readable");
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(signature_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, coordinate_size) != coordinate_size ||
      BN_bn2binpad(s, out + coordinate_size, coordinate_size) != coordinate_size)
    throw std::runtime_error("ECDSA signature too long");
  return raw;
}

std::string sign_payload(const document_claims& claims, std::string_view private_pem) {
  auto part = signed_part(claims);
  auto sig = p256_sign(private_pem, part);
  return part + sig;
}

bool p256_verify(std::string_view public_pem, std::string_view message, std::string_view signature) {
  if (signature.size() != signature_size) return false;
  error_scope errors;
  auto key = read_public(public_pem);
  if (!key) return false;
  const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
  sig_ptr sig(ECDSA_SIG_new());
  if (!sig) return false;
  BIGNUM* r = BN_bin2bn(raw, coordinate_size, nullptr);
  BIGNUM* s = BN_bin2bn(raw + coordinate_size, coordinate_size, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> der_owner(der, [](unsigned char* d) { OPENSSL_free(d); });
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

}  // namespace hallpass::signing
