#include "hallpass/server/services/personal_data.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace hallpass::server::services {

std::string personal_data_hasher::operator()(std::string_view kind, std::string_view value) const {
  std::string msg = std::string(kind) + ":" + std::string(value);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), md, &n);
  return std::string(reinterpret_cast<char*>(md), n);
}

}  // namespace hallpass::server::services
