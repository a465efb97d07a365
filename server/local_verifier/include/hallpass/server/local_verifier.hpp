#pragma once
// A LOCAL STAND-IN for the hall's real-name service (实名核验, the seeds' face check), for tests
// and demos only. It does no face recognition: whoever opens a check's page and presses 通过
// passes it. It speaks the protocol of docs/real-name-service.md:
//   POST /v1/checks        {"name","id_type","id_number","purpose"} -> 201 {"check_id","verify_url"}
//   GET  /v1/checks/{id}   -> {"payload": base64url(JSON), "signature": base64url(Ed25519 of payload)}
//   GET  /check/{id}       the page a person opens on the phone (verify_url), marked as a stand-in
//   POST /check/{id}       form result=pass|fail
// Checks live in memory for 30 minutes. Loopback use only.
#include <memory>
#include <string>

namespace hallpass::server {

struct local_verifier_settings {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: any free port
  std::string public_url;   // base of verify_url; default http://host:port
  std::string private_pem;  // Ed25519 signing key; empty: a new one
};

class local_verifier {
 public:
  explicit local_verifier(local_verifier_settings s);  // listening when it returns
  ~local_verifier();                                   // stops and joins its threads
  local_verifier(const local_verifier&) = delete;
  local_verifier& operator=(const local_verifier&) = delete;

  unsigned short port() const;
  std::string base_url() const;    // http://host:port
  std::string public_pem() const;  // what HallPass is configured with

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace hallpass::server
