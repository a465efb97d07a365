#include "hallpass/server/identity/password_hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <memory>

#include "hallpass/server/identity/tokens.hpp"

namespace hallpass::server::identity {
namespace {

constexpr std::string_view prefix = "$scrypt$";
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
constexpr std::uint64_t max_memory = 256ull << 20;

struct kdf_deleter {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

// Wipes the bytes it owns on destruction: salts and derived keys do not linger in memory.
struct secret_bytes {
  std::string bytes;
  ~secret_bytes() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

// HMAC zero-pads short keys, so inside scrypt "pw" and "pw\0" are the same password.
bool has_nul(std::string_view password) { return password.find('\0') != std::string_view::npos; }

std::uint64_t memory_needed(const scrypt_params& p) {
  // What OpenSSL allocates: the B blocks (128 r p) and V with two spare blocks (128 r (N+2)).
  return 128ull * p.r * p.p + 128ull * p.r * ((1ull << p.log2_n) + 2);
}

std::optional<std::string> derive(std::string_view password, std::string_view salt,
                                  const scrypt_params& params, std::size_t size) {
  if (!are_acceptable(params)) return std::nullopt;
  const std::unique_ptr<EVP_KDF, kdf_deleter> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
  if (!kdf) return std::nullopt;
  const std::unique_ptr<EVP_KDF_CTX, kdf_deleter> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return std::nullopt;
  // OSSL_PARAM wants non-const pointers and a non-null buffer even for empty input.
  static char empty = '\0';
  auto* pass = password.empty() ? &empty : const_cast<char*>(password.data());
  auto* salt_ptr = salt.empty() ? &empty : const_cast<char*>(salt.data());
  std::uint64_t n = 1ull << params.log2_n;
  std::uint32_t r = params.r;
  std::uint32_t p = params.p;
  std::uint64_t maxmem = memory_needed(params);
  const std::array<OSSL_PARAM, 7> ossl_params = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, pass, password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt_ptr, salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  std::string out(size, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     ossl_params.data()) != 1) {
    return std::nullopt;
  }
  return out;
}

// A decimal number without sign or leading zero, as format() writes it.
std::optional<std::uint32_t> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Removes and returns the text up to `sep` (not included); nullopt if `sep` is missing.
std::optional<std::string_view> take_until(std::string_view& rest, char sep) {
  const auto pos = rest.find(sep);
  if (pos == std::string_view::npos) return std::nullopt;
  const auto head = rest.substr(0, pos);
  rest.remove_prefix(pos + 1);
  return head;
}

struct parsed_hash {
  scrypt_params params;
  secret_bytes salt;
  secret_bytes hash;
};

std::optional<parsed_hash> parse(std::string_view stored) {
  if (!stored.starts_with(prefix)) return std::nullopt;
  std::string_view rest = stored.substr(prefix.size());
  const auto param_text = take_until(rest, '$');
  const auto salt_text = take_until(rest, '$');
  if (!param_text || !salt_text) return std::nullopt;
  const std::string_view hash_text = rest;  // the remainder; a further '$' fails decoding

  std::string_view p = *param_text;
  const auto field = [&](std::string_view name, char sep) -> std::optional<std::uint32_t> {
    if (!p.starts_with(name)) return std::nullopt;
    p.remove_prefix(name.size());
    std::string_view text = p;
    if (sep != '\0') {
      const auto t = take_until(p, sep);
      if (!t) return std::nullopt;
      text = *t;
    } else {
      p = {};
    }
    return parse_number(text);
  };
  const auto ln = field("ln=", ',');
  if (!ln) return std::nullopt;
  const auto r = field("r=", ',');
  if (!r) return std::nullopt;
  const auto pp = field("p=", '\0');
  if (!pp) return std::nullopt;

  parsed_hash out;
  out.params = {*ln, *r, *pp};
  if (!are_acceptable(out.params)) return std::nullopt;
  auto salt = base64_decode_unpadded(*salt_text);
  auto hash = base64_decode_unpadded(hash_text);
  if (!salt || !hash) return std::nullopt;
  out.salt.bytes = std::move(*salt);
  out.hash.bytes = std::move(*hash);
  // Exact sizes: a shortened hash would otherwise still match as a prefix of the output.
  if (out.salt.bytes.size() != salt_bytes || out.hash.bytes.size() != hash_bytes) {
    return std::nullopt;
  }
  return out;
}

std::string format(const scrypt_params& params, std::string_view salt, std::string_view hash) {
  std::string out(prefix);
  out += "ln=" + std::to_string(params.log2_n) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$";
  out += base64_encode_unpadded(salt);
  out += '$';
  out += base64_encode_unpadded(hash);
  return out;
}

}  // namespace

bool are_acceptable(const scrypt_params& params) {
  if (params.log2_n < 1 || params.log2_n > 20) return false;
  if (params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return false;
  return 128ull * params.r * (1ull << params.log2_n) <= max_memory;
}

std::string hash_password(std::string_view password, const scrypt_params& params) {
  if (!are_acceptable(params) || has_nul(password)) return {};
  secret_bytes salt{std::string(salt_bytes, '\0')};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.bytes.data()),
                 static_cast<int>(salt.bytes.size())) != 1) {
    return {};
  }
  auto derived = derive(password, salt.bytes, params, hash_bytes);
  if (!derived) return {};
  const secret_bytes hash{std::move(*derived)};
  return format(params, salt.bytes, hash.bytes);
}

bool verify_password(std::string_view password, std::string_view stored) {
  if (has_nul(password)) return false;
  const auto parsed = parse(stored);
  if (!parsed) return false;
  auto derived = derive(password, parsed->salt.bytes, parsed->params, parsed->hash.bytes.size());
  if (!derived) return false;
  const secret_bytes candidate{std::move(*derived)};
  return CRYPTO_memcmp(candidate.bytes.data(), parsed->hash.bytes.data(),
                       candidate.bytes.size()) == 0;
}

std::optional<scrypt_params> stored_params(std::string_view stored) {
  const auto parsed = parse(stored);
  if (!parsed) return std::nullopt;
  return parsed->params;
}

bool needs_rehash(std::string_view stored, const scrypt_params& wanted) {
  const auto params = stored_params(stored);
  return !params || *params != wanted;
}

}  // namespace hallpass::server::identity
