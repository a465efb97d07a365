#pragma once
// Counts the event streams open per key (a session, a login ticket), so that one client cannot
// hold an unbounded number of them.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hallpass::server::api {

class stream_slots {
 public:
  // A slot for key, held while the returned handle lives; nullptr when key already holds `limit`.
  std::shared_ptr<void> take(const std::string& key, int limit);
  int open(const std::string& key) const;

 private:
  struct table {
    mutable std::mutex mutex;
    std::unordered_map<std::string, int> open;
  };
  std::shared_ptr<table> table_ = std::make_shared<table>();
};

}  // namespace hallpass::server::api
