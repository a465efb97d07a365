#pragma once
// What the kiosk does, apart from how its screen asks for it (local_api): the sign-in by QR, the
// person's applications, capturing a material's pages with the document camera, printing, the
// check of a printed paper, the outbox, and the walk-away sign-out that wipes what the person
// left on the kiosk.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/json/object.hpp>
#include <opencv2/core.hpp>

#include "camera.hpp"
#include "frame_picker.hpp"
#include "hallpass/kiosk/config.hpp"
#include "outbox.hpp"
#include "printing.hpp"
#include "server_link.hpp"

namespace hallpass::kiosk {

// A refusal the screen shows: HTTP status, stable code, Chinese and English.
struct kiosk_error {
  int status = 400;
  std::string code, message_zh, message_en;
};

class kiosk_app {
 public:
  // Opens the camera and the printer, loads the outbox and a session a restart interrupted.
  kiosk_app(config cfg, credential cred);
  ~kiosk_app();
  kiosk_app(const kiosk_app&) = delete;
  kiosk_app& operator=(const kiosk_app&) = delete;

  void start();  // the outbox sender and the ticker (sign-in polls, idle watch)
  void stop();

  // Everything the screen shows: online, signed in as whom, the login QR, the idle countdown,
  // the outbox, the latest notices.
  boost::json::object state();
  void touch();  // a person did something: the idle time starts again

  boost::json::object start_login();  // needs the server
  void cancel_login();
  void sign_out(const std::string& why);  // sign_out, idle

  boost::json::value applications();
  boost::json::value application(const std::string& id);
  // Ready to capture for a material: an upload code is fetched now, so that pages captured while
  // the server is away can be sent later.
  boost::json::object open_material(const std::string& application_id, const std::string& material);
  boost::json::object capture();     // a steady, sharp frame through the imaging pipeline
  std::string preview_jpeg();        // the flattened page of the last capture
  boost::json::object keep_capture();  // into the outbox, for the server
  std::string viewfinder_jpeg();     // the camera now, small
  boost::json::object print(const std::string& application_id, const std::string& document);
  boost::json::object check_paper();  // the QR of a paper under the camera, checked

  // The ticker ran in the last few seconds (the watchdog asks: a kiosk stuck on a lock is restarted).
  bool healthy() const;

  // For tests and the bench.
  std::size_t outbox_size() const { return outbox_.size(); }
  const config& settings() const { return cfg_; }

 private:
  struct session {
    std::string token;
    boost::json::object who;  // the server's view of the session (names, unit, role)
  };
  struct login {
    device_login d;
    std::chrono::steady_clock::time_point next_poll, expires;
    std::string state = "waiting";  // waiting, denied, expired
  };
  struct capture_target {
    std::string application_id, material, code_token;
    std::chrono::system_clock::time_point code_expires;
  };

  std::string token_or_throw();
  boost::json::value server_json(const std::string& method, const std::string& target,
                                 const std::optional<boost::json::value>& body = std::nullopt);
  void tick();
  void poll_login();
  void kick_sender();  // something new in the outbox: send now
  bool deliver(const outbox_item& item);  // false: try again later
  // A line for the screen; a print's outcome goes with its notice.
  void notice(const std::string& kind, const std::string& zh, const std::string& en,
              std::optional<boost::json::object> print = std::nullopt);
  void save_session();
  void wipe();
  void set_online(bool online);
  std::optional<std::string> trust_list_text();

  config cfg_;
  server_link link_;
  std::unique_ptr<camera> camera_;
  std::unique_ptr<printer> printer_;
  outbox outbox_;

  mutable std::mutex mutex_;
  std::optional<session> session_;
  std::optional<login> login_;
  std::optional<capture_target> target_;
  cv::Mat captured_;            // the frame of the last capture, until kept or left
  std::string preview_;         // its flattened page (JPEG)
  std::chrono::steady_clock::time_point last_touch_;
  bool online_ = true;
  std::chrono::steady_clock::time_point last_probe_;
  std::deque<boost::json::object> notices_;
  long notice_seq_ = 0;

  std::mutex capture_mutex_;    // one capture at a time
  steady_frames steady_;        // the camera's recent frames, judged while a material is open
  std::atomic<bool> watching_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool kick_ = false;
  std::atomic<std::int64_t> last_tick_ms_{0};
  std::thread ticker_, sender_;
};

}  // namespace hallpass::kiosk
