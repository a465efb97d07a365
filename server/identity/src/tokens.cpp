#include "hallpass/server/identity/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace hallpass::server::identity {
namespace {

constexpr std::string_view b64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view b64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Every RAND_bytes call costs a system call (OpenSSL's fork check), more than the few bytes a
// token needs. Small draws therefore come from a block of CSPRNG output drawn once per thread; each
// byte is handed out once and wiped from the block as it is. A fork gives the child a fresh block.
std::atomic<unsigned> forks{0};

void draw(unsigned char* out, std::size_t size) {
  while (size > 0) {  // RAND_bytes takes an int count: large requests go in slices
    const std::size_t chunk = std::min<std::size_t>(size, INT_MAX);
    if (RAND_bytes(out, static_cast<int>(chunk)) != 1) throw std::runtime_error("CSPRNG failure (RAND_bytes)");
    out += chunk;
    size -= chunk;
  }
}

class random_block {
 public:
  random_block() {
    static const bool registered = pthread_atfork(nullptr, nullptr, [] { forks.fetch_add(1); }) == 0;
    if (!registered) throw std::runtime_error("CSPRNG: pthread_atfork failed");
  }
  ~random_block() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  random_block(const random_block&) = delete;
  random_block& operator=(const random_block&) = delete;

  void take(unsigned char* out, std::size_t size) {
    if (size > bytes_.size() / 4) return draw(out, size);
    if (unsigned now = forks.load(std::memory_order_relaxed); now != fork_count_) {
      fork_count_ = now;
      used_ = bytes_.size();
    }
    if (bytes_.size() - used_ < size) {
      draw(bytes_.data(), bytes_.size());
      used_ = 0;
    }
    std::memcpy(out, bytes_.data() + used_, size);
    OPENSSL_cleanse(bytes_.data() + used_, size);
    used_ += size;
  }

 private:
  std::array<unsigned char, 4096> bytes_{};
  std::size_t used_ = bytes_.size();
  unsigned fork_count_ = forks.load();
};

void fill_random(unsigned char* out, std::size_t size) {
  thread_local random_block block;
  block.take(out, size);
}

std::string encode(std::string_view bytes, std::string_view alphabet) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = at(i) << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> decode(std::string_view text, std::string_view alphabet) {
  if (text.size() % 4 == 1) return std::nullopt;  // no byte count encodes to this length
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t k = 0; k < alphabet.size(); ++k) {
    value[static_cast<unsigned char>(alphabet[k])] = static_cast<int>(k);
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = value[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Non-zero leftover bits would let two texts decode to the same bytes.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// Fetched once: EVP_sha256() makes every digest look its implementation up by name again, which
// cost more than hashing a token.
const EVP_MD* sha256_md() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) throw std::runtime_error("SHA-256 failure (EVP_MD_fetch)");
  return md;
}

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, sha256_md(), nullptr) != 1 ||
      size != digest.size()) {
    throw std::runtime_error("SHA-256 failure (EVP_Digest)");
  }
  return digest;
}

std::string lower_hex(const std::array<unsigned char, 32>& digest) {
  constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const unsigned char b : digest) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0x0F]);
  }
  return out;
}

}  // namespace

std::string random_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  fill_random(reinterpret_cast<unsigned char*>(raw.data()), raw.size());
  std::string token = base64url_encode(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return token;
}

std::uint32_t random_uniform(std::uint32_t bound) {
  if (bound <= 1) return 0;
  // 2^32 mod bound: draws below it are the incomplete last block and are redrawn.
  const std::uint32_t threshold = static_cast<std::uint32_t>(-bound) % bound;
  for (;;) {
    std::uint32_t r = 0;
    fill_random(reinterpret_cast<unsigned char*>(&r), sizeof r);
    if (r >= threshold) return r % bound;
  }
}

std::string random_text(std::string_view alphabet, std::size_t length) {
  if (alphabet.empty() || alphabet.size() > 256) throw std::invalid_argument("random_text: 1 to 256 characters");
  // Bytes at or above the largest multiple of the alphabet's size are the incomplete last block
  // and are drawn again.
  const std::size_t usable = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(length);
  std::array<unsigned char, 64> bytes{};
  while (out.size() < length) {
    fill_random(bytes.data(), bytes.size());
    for (std::size_t i = 0; i < bytes.size() && out.size() < length; ++i)
      if (bytes[i] < usable) out.push_back(alphabet[bytes[i] % alphabet.size()]);
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

std::string sha256_hex(std::string_view data) { return lower_hex(sha256(data)); }

bool lower_hex_decode(std::string_view hex, unsigned char* out, std::size_t size) {
  if (hex.size() != 2 * size) return false;
  auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  for (std::size_t i = 0; i < size; ++i) {
    int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return true;
}

std::string sha256_b64url(std::string_view data) {
  const auto digest = sha256(data);
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

void sha256_stream::free_context::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

sha256_stream::sha256_stream() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), sha256_md(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failure (EVP_DigestInit_ex)");
  }
}

void sha256_stream::update(std::string_view data) {
  if (EVP_DigestUpdate(context_.get(), data.data(), data.size()) != 1) {
    throw std::runtime_error("SHA-256 failure (EVP_DigestUpdate)");
  }
}

std::string sha256_stream::hex() const {
  // The digest of a copy, so that this stream goes on.
  const std::unique_ptr<evp_md_ctx_st, free_context> copy(EVP_MD_CTX_new());
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), context_.get()) != 1 ||
      EVP_DigestFinal_ex(copy.get(), digest.data(), &size) != 1 || size != digest.size()) {
    throw std::runtime_error("SHA-256 failure (EVP_DigestFinal_ex)");
  }
  return lower_hex(digest);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64url_encode(std::string_view bytes) { return encode(bytes, b64url_alphabet); }
std::optional<std::string> base64url_decode(std::string_view text) {
  return decode(text, b64url_alphabet);
}

std::string base64_encode_unpadded(std::string_view bytes) {
  return encode(bytes, b64_alphabet);
}
std::optional<std::string> base64_decode_unpadded(std::string_view text) {
  return decode(text, b64_alphabet);
}

}  // namespace hallpass::server::identity
