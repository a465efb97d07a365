#include "hallpass/kiosk/config.hpp"

#include <fstream>
#include <functional>
#include <sstream>

namespace hallpass::kiosk {

namespace {

struct option {
  const char* name;
  const char* help;
  std::function<bool(config&, const std::string&)> set;
};

option text(const char* name, const char* help, std::string config::*field) {
  return {name, help, [field](config& c, const std::string& v) { return c.*field = v, true; }};
}

option number(const char* name, const char* help, int config::*field, int low, int high) {
  return {name, help, [=](config& c, const std::string& v) {
            try {
              std::size_t used = 0;
              int x = std::stoi(v, &used);
              if (used != v.size() || x < low || x > high) return false;
              c.*field = x;
              return true;
            } catch (...) {
              return false;
            }
          }};
}

const std::vector<option>& options() {
  static const std::vector<option> all = {
      text("credential", "the kiosk's credential file from hallpass-admin register-kiosk (mode 0600)",
           &config::credential_file),
      text("server-url", "the HallPass server (default: the credential's)", &config::server_url),
      text("ca-file", "PEM file of the authorities to trust for the server (default: the system's)", &config::ca_file),
      text("data-dir", "outbox, session and temporary pages (made 0700)", &config::data_dir),
      text("web-dir", "the touch UI's files (default: kiosk/web of the installation)", &config::web_dir),
      number("port", "the touch UI and local API on 127.0.0.1 (0: any free port)", &config::port, 0, 65535),
      text("camera", "v4l2:/dev/video0, images:/dir/frame-%03d.jpg or video:/file.mp4", &config::camera),
      number("camera-width", "pixels asked of a V4L2 camera", &config::camera_width, 160, 10000),
      number("camera-height", "pixels asked of a V4L2 camera", &config::camera_height, 120, 10000),
      {"camera-loop", "yes: an image sequence or video starts again at its end (yes|no)",
       [](config& c, const std::string& v) {
         if (v != "yes" && v != "no") return false;
         c.camera_loop = v == "yes";
         return true;
       }},
      text("printer", "cups:QUEUE, escpos:tcp://HOST:9100, escpos:file:/dev/usb/lp0 or pdf:/dir", &config::printer),
      text("cups-server", "the CUPS server, host:port or socket path (default: CUPS_SERVER or the system's)",
           &config::cups_server),
      {"paper-mm", "receipt printer paper width, 58 or 80",
       [](config& c, const std::string& v) {
         if (v != "58" && v != "80") return false;
         c.paper_mm = std::stoi(v);
         return true;
       }},
      number("idle-seconds", "seconds without a touch before the idle warning", &config::idle_seconds, 10, 3600),
      number("idle-warning-seconds", "seconds of warning before the sign-out (at least 20)",
             &config::idle_warning_seconds, 20, 600),
      number("outbox-retry-seconds", "first wait before sending again after a failure", &config::outbox_retry_seconds,
             1, 300),
  };
  return all;
}

const option* find(const std::string& name) {
  for (auto& o : options())
    if (name == o.name) return &o;
  return nullptr;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool set(config& c, const std::string& key, const std::string& value, std::string& error) {
  auto* o = find(key);
  if (!o) return error = "unknown option: " + key, false;
  if (!o->set(c, value)) return error = "bad value for " + key + ": " + value, false;
  return true;
}

bool read_file(config& c, const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) return error = "cannot read the configuration file " + path, false;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) return error = path + ":" + std::to_string(n) + ": expected key = value", false;
    if (!set(c, trim(line.substr(0, eq)), trim(line.substr(eq + 1)), error))
      return error = path + ":" + std::to_string(n) + ": " + error, false;
  }
  return true;
}

}  // namespace

std::string config_help() {
  std::ostringstream out;
  out << "  --config FILE           a file of key = value lines (the keys below, without --)\n";
  for (auto& o : options()) {
    std::string name = std::string("--") + o.name + " V";
    out << "  " << name << std::string(name.size() < 24 ? 24 - name.size() : 1, ' ') << o.help << "\n";
  }
  return out.str();
}

config_result load_config(const std::vector<std::string>& args) {
  config_result out;
  config c;
  std::string error;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") return out.help = true, out;
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return out.error = "--config needs a file", out;
      if (!read_file(c, args[i + 1], error)) return out.error = error, out;
    }
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      ++i;
      continue;
    }
    if (args[i].rfind("--", 0) != 0 || i + 1 >= args.size())
      return out.error = "expected --option value, got " + args[i], out;
    if (!set(c, args[i].substr(2), args[i + 1], error)) return out.error = error, out;
    ++i;
  }
  out.value = c;
  return out;
}

}  // namespace hallpass::kiosk
