#pragma once
// hallpass-kiosk's settings: a configuration file of `key = value` lines (# starts a comment),
// then command-line options `--key value`, which win. `--help` lists every key.
#include <optional>
#include <string>
#include <vector>

namespace hallpass::kiosk {

struct config {
  std::string credential_file = "/etc/hallpass-kiosk/credential.json";  // from hallpass-admin register-kiosk (0600)
  std::string server_url;          // default: the credential's server
  std::string ca_file;             // PEM of the authorities to trust for the server; empty: the system's
  std::string data_dir = "/var/lib/hallpass-kiosk";  // outbox, session, temporary pages (0700)
  std::string web_dir;             // the touch UI's files; default: the installed or source kiosk/web
  int port = 8090;                 // the touch UI and local API, on 127.0.0.1 only (0: any free port)
  // Camera: v4l2:/dev/video0 (or v4l2:0), images:/dir/frame-%03d.jpg (a sequence), video:/file.mp4.
  std::string camera = "v4l2:/dev/video0";
  int camera_width = 4000, camera_height = 3000;  // asked of a V4L2 camera (MJPEG)
  bool camera_loop = true;         // an image sequence or video starts again at its end
  // Printer: cups:QUEUE (libcups; CUPS_SERVER or --cups-server), escpos:tcp://HOST:9100,
  // escpos:file:/dev/usb/lp0, or pdf:/dir (files, for development).
  std::string printer = "pdf:/var/lib/hallpass-kiosk/printed";
  std::string cups_server;         // host:port or socket path; empty: the default
  int paper_mm = 80;               // ESC/POS receipt width: 58 or 80
  int idle_seconds = 120;          // no touch for this long: the warning
  int idle_warning_seconds = 30;   // then this long to stay (at least 20) before the sign-out
  int outbox_retry_seconds = 5;    // first wait before sending again after a failure (doubles, up to 5 min)
};

struct config_result {
  std::optional<config> value;
  std::string error;  // what is wrong, when value is empty
  bool help = false;  // --help was asked
};

// The file named by --config (when given) and then the other options.
config_result load_config(const std::vector<std::string>& args);
// Every option, one per line, for --help.
std::string config_help();

}  // namespace hallpass::kiosk
