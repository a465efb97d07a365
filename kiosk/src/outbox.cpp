#include "outbox.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>

namespace hallpass::kiosk {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void write_file_durably(const std::string& path, const std::string& bytes) {
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp);
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + tmp + " (disk full?)");
    }
    done += static_cast<std::size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot store " + path);
  sync_dir(fs::path(path).parent_path().string());
}

outbox::outbox(std::string dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace);
  // Leftovers of a write that a crash cut short are not items.
  for (auto& e : fs::directory_iterator(dir_))
    if (e.path().extension() == ".tmp") fs::remove(e.path());
}

std::string outbox::add(const std::string& kind, json::object fields, const std::optional<std::string>& blob,
                        bool personal) {
  std::lock_guard lock(mutex_);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  char id[48];
  std::snprintf(id, sizeof id, "%015lld-%06lu", static_cast<long long>(ms.count()), ++sequence_ % 1000000);
  auto base = dir_ + "/" + id;
  // The blob first: an item file is only there once everything it names is.
  if (blob) write_file_durably(base + ".blob", *blob);
  json::object item{{"kind", kind}, {"fields", std::move(fields)}, {"has_blob", blob.has_value()}, {"personal", personal}};
  write_file_durably(base + ".json", json::serialize(item));
  return id;
}

std::vector<outbox_item> outbox::items() const {
  std::lock_guard lock(mutex_);
  std::vector<outbox_item> out;
  for (auto& e : fs::directory_iterator(dir_)) {
    if (e.path().extension() != ".json") continue;
    try {
      auto v = json::parse(read_all(e.path().string())).as_object();
      outbox_item item;
      item.id = e.path().stem().string();
      item.kind = std::string(v.at("kind").as_string());
      item.fields = v.at("fields").as_object();
      item.has_blob = v.at("has_blob").as_bool();
      item.personal = v.at("personal").as_bool();
      out.push_back(std::move(item));
    } catch (const std::exception&) {
      fs::remove(e.path());  // not an item this program wrote whole
    }
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return out;
}

std::string outbox::blob(const outbox_item& item) const { return read_all(dir_ + "/" + item.id + ".blob"); }

void outbox::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  fs::remove(dir_ + "/" + id + ".json");  // the item first: a blob alone is never sent
  fs::remove(dir_ + "/" + id + ".blob");
  sync_dir(dir_);
}

int outbox::wipe_personal() {
  int n = 0;
  for (auto& item : items())
    if (item.personal) remove(item.id), ++n;
  return n;
}

std::size_t outbox::size() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto& e : fs::directory_iterator(dir_)) n += e.path().extension() == ".json";
  return n;
}

}  // namespace hallpass::kiosk
