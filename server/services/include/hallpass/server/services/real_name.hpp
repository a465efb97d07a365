#pragma once
// The hall's real-name service (实名核验, the seeds' face check) as HallPass calls it: another
// system, reached over HTTP at a configured URL, whose answers are signed with Ed25519 and checked
// against its configured public key (docs/real-name-service.md). hallpass-local-verifier stands
// in for it in tests and demos.
#include <cstdint>
#include <functional>
#include <string>

#include "hallpass/server/services/error.hpp"

namespace hallpass::server::services {

struct started_check {
  std::string check_id, verify_url;  // the person opens verify_url (a QR on the page) to be checked
};

// The service's signed statement about one check.
struct identity_check {
  std::string check_id;
  std::string status;  // pending | passed | failed
  std::string name, id_type, id_number, purpose;
  std::int64_t checked_at = 0;  // Unix seconds of the verdict; 0 while pending
};

// One HTTP exchange with the service (the app layer makes it): method, target ("/v1/checks..."),
// JSON body; the answer's status and body. Throws std::exception when there is no answer.
struct http_answer {
  int status = 0;
  std::string body;
};
using http_exchange = std::function<http_answer(const std::string& method, const std::string& target,
                                                const std::string& body)>;

class real_name_service {
 public:
  // Without an exchange: not configured (every call gives registration_unavailable). Throws
  // std::invalid_argument for a key that is not Ed25519.
  real_name_service(http_exchange exchange, std::string public_pem);
  bool configured() const { return static_cast<bool>(exchange_); }

  // Asks the service to check this person (purpose: "person" or "unit").
  result<started_check> start(const std::string& name, const std::string& id_type, const std::string& id_number,
                              const std::string& purpose) const;
  // The check's signed statement; real_name_answer_invalid unless the signature is the
  // service's and the statement is about `check_id`; identity_check_not_found when the service
  // does not know it.
  result<identity_check> fetch(const std::string& check_id) const;

 private:
  http_exchange exchange_;
  std::string public_pem_;
};

}  // namespace hallpass::server::services
