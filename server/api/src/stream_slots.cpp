#include "hallpass/server/api/stream_slots.hpp"

namespace hallpass::server::api {

std::shared_ptr<void> stream_slots::take(const std::string& key, int limit) {
  {
    std::lock_guard lock(table_->mutex);
    auto& n = table_->open[key];
    if (n >= limit) {
      if (n == 0) table_->open.erase(key);
      return nullptr;
    }
    ++n;
  }
  // The handle gives the slot back when the last copy goes, e.g. with the stream's on_done.
  return std::shared_ptr<void>(static_cast<void*>(this), [t = table_, key](void*) {
    std::lock_guard lock(t->mutex);
    auto it = t->open.find(key);
    if (it != t->open.end() && --it->second <= 0) t->open.erase(it);
  });
}

int stream_slots::open(const std::string& key) const {
  std::lock_guard lock(table_->mutex);
  auto it = table_->open.find(key);
  return it == table_->open.end() ? 0 : it->second;
}

}  // namespace hallpass::server::api
