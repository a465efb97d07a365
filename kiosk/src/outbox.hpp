#pragma once
// The kiosk's durable queue: captured pages, print jobs and sign-outs that wait for the server
// (or the printer). Each item is a JSON file (and a blob beside it, e.g. the photo), written to a
// temporary name, synced and renamed, so after a crash or power cut an item is whole or absent.
// Items are sent in the order they were added; a page is resent with the same Idempotency-Key,
// so a page the server got before the connection broke is not added twice.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace hallpass::kiosk {

struct outbox_item {
  std::string id;              // orders the items: creation time and a sequence number
  std::string kind;            // page | print | sign_out
  boost::json::object fields;  // what the kind needs (the upload code, the key, the document, …)
  bool has_blob = false;
  bool personal = false;       // belongs to the person at the kiosk: wiped when they leave
};

class outbox {
 public:
  explicit outbox(std::string dir);  // made with mode 0700
  // Durable when it returns.
  std::string add(const std::string& kind, boost::json::object fields, const std::optional<std::string>& blob,
                  bool personal);
  std::vector<outbox_item> items() const;
  std::string blob(const outbox_item& item) const;
  void remove(const std::string& id);
  // Removes the personal items (print jobs of the person leaving); how many.
  int wipe_personal();
  std::size_t size() const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  mutable std::mutex mutex_;
  unsigned long sequence_ = 0;
};

// Writes a file durably (temporary name, fsync, rename, fsync of the folder), mode 0600.
void write_file_durably(const std::string& path, const std::string& bytes);

}  // namespace hallpass::kiosk
