#pragma once
// A small Beast server on a loopback port for the client's tests, on a thread of its own,
// plain or TLS. It counts the connections it accepted and serves:
//   /hello         200 "hello" (keep-alive)
//   /echo          200, the body "METHOD TARGET\nhost: …\n" followed by the request body
//   /drop          200 "bye" announced as keep-alive, then the connection is closed at once
//                  (as a server does when its idle timeout strikes)
//   /slow          200 after two seconds
//   /events        an event stream: three events with pauses, then the connection closes
//   /events-held   one event, then nothing for 30 s
#include <atomic>
#include <filesystem>

#include "self_signed_cert.hpp"
#include <memory>
#include <string>

namespace hallpass::client::testing {


class local_server {
 public:
  // Plain HTTP, or TLS with the PEM files given.
  local_server();
  local_server(const std::string& cert_file, const std::string& key_file);
  ~local_server();
  unsigned short port() const;
  int connections() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace hallpass::client::testing
