#pragma once
// Keyed hashes (HMAC-SHA256 with the installation's data key) of personal data, so that ID
// numbers and mobiles are found without being stored in clear.
#include <string>
#include <string_view>

namespace hallpass::server::services {

class personal_data_hasher {
 public:
  explicit personal_data_hasher(std::string key) : key_(std::move(key)) {}
  // kind: "id" or "mobile"; the result is raw bytes.
  std::string operator()(std::string_view kind, std::string_view value) const;

 private:
  std::string key_;
};

}  // namespace hallpass::server::services
