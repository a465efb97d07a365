#include "random.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace hallpass::kiosk {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) throw std::runtime_error("no randomness");
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : raw) out += digits[b >> 4], out += digits[b & 15];
  return out;
}

}  // namespace hallpass::kiosk
