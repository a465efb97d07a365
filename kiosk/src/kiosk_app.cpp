#include "kiosk_app.hpp"

#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "hallpass/client/json.hpp"
#include "hallpass/imaging/cv_pipeline.hpp"
#include "hallpass/qr/decode.hpp"
#include "hallpass/qr/encode.hpp"
#include "hallpass/qr/render.hpp"
#include "hallpass/signing/claims_json.hpp"
#include "hallpass/signing/document_code.hpp"
#include "frame_picker.hpp"
#include "random.hpp"

namespace hallpass::kiosk {

namespace json = boost::json;
namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

namespace {

kiosk_error offline_error() {
  return {503, "server_offline", "暂时连不上服务器，请稍后再试；已拍的材料会在恢复后自动上传",
          "The server cannot be reached; captured pages are sent when it is back"};
}

std::string text_of(const json::value& v, const char* key) {
  if (!v.is_object() || !v.as_object().contains(key) || !v.at(key).is_string()) return "";
  return std::string(v.at(key).as_string());
}

// The server's error in the same shape, or a generic one.
kiosk_error server_error(const client::response& r) {
  auto v = client::json_body(r);
  kiosk_error e{r.status, text_of(v, "code"), text_of(v, "message"), text_of(v, "message_en")};
  if (e.code.empty()) e = {r.status >= 500 ? 502 : r.status, "server_error", "服务器没有完成这个操作", "The server did not do this"};
  return e;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string encode_jpeg(const cv::Mat& image, int quality) {
  std::vector<unsigned char> out;
  cv::imencode(".jpg", image, out, {cv::IMWRITE_JPEG_QUALITY, quality});
  return std::string(out.begin(), out.end());
}

json::object printed_json(const printed& p) {
  return {{"ok", p.ok}, {"code", p.code}, {"message", p.message_zh}, {"message_en", p.message_en},
          {"seconds_to_accept", p.seconds_to_accept}};
}

}  // namespace

kiosk_app::kiosk_app(config cfg, credential cred)
    : cfg_(std::move(cfg)),
      link_(cfg_.server_url.empty() ? cred.server : cfg_.server_url, cred,
            [&] {
              client::options o;
              o.timeout = std::chrono::seconds(15);
              o.tls.ca_file = cfg_.ca_file;
              o.user_agent = "hallpass-kiosk/1.0";
              return o;
            }()),
      camera_(std::make_unique<camera>(camera_settings{cfg_.camera, cfg_.camera_width, cfg_.camera_height,
                                                       cfg_.camera_loop})),
      printer_(make_printer({cfg_.printer, cfg_.cups_server, cfg_.paper_mm})),
      outbox_(cfg_.data_dir + "/outbox"),
      last_touch_(clock::now()) {
  camera_->on_frame([this](const cv::Mat& frame) {
    if (watching_) steady_.offer(frame);
  });
  fs::create_directories(cfg_.data_dir);
  fs::permissions(cfg_.data_dir, fs::perms::owner_all, fs::perm_options::replace);
  // A session a restart interrupted goes on, unless its person has been away too long.
  auto saved = cfg_.data_dir + "/session.json";
  if (fs::exists(saved)) {
    try {
      auto v = json::parse(read_file(saved)).as_object();
      auto idle = std::time(nullptr) - v.at("last_touch").as_int64();
      if (idle < cfg_.idle_seconds + cfg_.idle_warning_seconds) {
        session_ = session{std::string(v.at("token").as_string()), v.at("who").as_object()};
        last_touch_ = clock::now() - std::chrono::seconds(idle);
      } else {
        outbox_.add("sign_out", {{"token", v.at("token")}}, std::nullopt, false);
        outbox_.wipe_personal();  // printed for nobody: its person left while the kiosk was down
      }
    } catch (const std::exception&) {
    }
    if (!session_) fs::remove(saved);
  }
}

kiosk_app::~kiosk_app() {
  stop();
  camera_.reset();  // its grabber thread calls into steady_: stopped while steady_ still exists
}

void kiosk_app::start() {
  ticker_ = std::thread([this] {
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
      lock.unlock();
      tick();
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; });
    }
  });
  sender_ = std::thread([this] {
    auto wait = std::chrono::seconds(cfg_.outbox_retry_seconds);
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
      lock.unlock();
      bool all_sent = true;
      for (auto& item : outbox_.items()) {
        if (!deliver(item)) {
          all_sent = false;
          break;  // in order: a later item waits for an earlier one
        }
      }
      lock.lock();
      if (all_sent) wait = std::chrono::seconds(cfg_.outbox_retry_seconds);
      // Woken at once by a new item; after a failure, a growing wait (up to 5 minutes).
      if (!kick_) wake_.wait_for(lock, all_sent ? std::chrono::seconds(30) : wait, [this] { return stopping_ || kick_; });
      if (!all_sent && !kick_) wait = std::min<std::chrono::seconds>(wait * 2, std::chrono::minutes(5));
      kick_ = false;
    }
  });
}

void kiosk_app::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (sender_.joinable()) sender_.join();
}

void kiosk_app::kick_sender() {
  {
    std::lock_guard lock(wake_mutex_);
    kick_ = true;
  }
  wake_.notify_all();
}

void kiosk_app::notice(const std::string& kind, const std::string& zh, const std::string& en,
                       std::optional<json::object> print) {
  std::lock_guard lock(mutex_);
  notices_.push_back({{"id", ++notice_seq_}, {"kind", kind}, {"message", zh}, {"message_en", en}});
  if (print) notices_.back()["print"] = std::move(*print);
  while (notices_.size() > 10) notices_.pop_front();
}

void kiosk_app::set_online(bool online) {
  std::lock_guard lock(mutex_);
  online_ = online;
}

void kiosk_app::touch() {
  std::lock_guard lock(mutex_);
  last_touch_ = clock::now();
  if (session_) save_session();
}

void kiosk_app::save_session() {
  json::object v{{"token", session_->token},
                 {"who", session_->who},
                 {"last_touch", static_cast<std::int64_t>(std::time(nullptr)) -
                                    std::chrono::duration_cast<std::chrono::seconds>(clock::now() - last_touch_).count()}};
  write_file_durably(cfg_.data_dir + "/session.json", json::serialize(v));
}

json::object kiosk_app::state() {
  std::lock_guard lock(mutex_);
  json::object out{{"online", online_}, {"outbox", outbox_.size()}, {"camera", camera_->live()},
                   {"printer", printer_->description()}};
  out["session"] = session_ ? json::value(session_->who) : json::value(nullptr);
  if (login_) {
    json::object l{{"state", login_->state}, {"user_code", login_->d.user_code}};
    if (auto m = qr::encode(login_->d.qr_url)) {
      if (auto svg = qr::render_svg(*m, {8, 4})) l["qr_svg"] = *svg;
    }
    l["expires_in"] = std::max<long>(0, std::chrono::duration_cast<std::chrono::seconds>(login_->expires - clock::now()).count());
    out["login"] = l;
  } else {
    out["login"] = nullptr;
  }
  if (session_) {
    auto idle = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - last_touch_).count();
    bool warning = idle >= cfg_.idle_seconds;
    out["idle"] = {{"warning", warning},
                   {"seconds_left", std::max<long>(0, cfg_.idle_seconds + cfg_.idle_warning_seconds - idle)}};
  }
  if (target_) out["material"] = {{"application_id", target_->application_id}, {"material", target_->material}};
  json::array notes;
  for (auto& n : notices_) notes.push_back(n);
  out["notices"] = notes;
  return out;
}

// ---- sign-in ----

json::object kiosk_app::start_login() {
  {
    std::lock_guard lock(mutex_);
    if (session_) throw kiosk_error{409, "signed_in", "已经登录", "Already signed in"};
  }
  device_login d;
  try {
    d = link_.start_login();
    set_online(true);
  } catch (const client::error&) {
    set_online(false);
    throw kiosk_error{503, "login_needs_server", "登录需要连接服务器，现在连不上，请稍后再试或到窗口办理",
                      "Signing in needs the server, which cannot be reached now; try later or go to a counter"};
  } catch (const std::exception& e) {
    throw kiosk_error{503, "kiosk_refused", "这台自助终端未被服务器接受，请联系工作人员",
                      std::string("The server does not accept this kiosk; please ask the staff (") + e.what() + ")"};
  }
  {
    std::lock_guard lock(mutex_);
    login_ = login{d, clock::now() + std::chrono::seconds(d.interval), clock::now() + std::chrono::seconds(d.expires_in)};
    last_touch_ = clock::now();
  }
  return state();
}

void kiosk_app::cancel_login() {
  std::lock_guard lock(mutex_);
  login_.reset();
}

void kiosk_app::poll_login() {
  std::optional<login> current;
  {
    std::lock_guard lock(mutex_);
    if (!login_ || login_->state != "waiting" || clock::now() < login_->next_poll) return;
    if (clock::now() >= login_->expires) {
      login_->state = "expired";
      return;
    }
    current = login_;
  }
  std::string token;
  login_poll outcome;
  try {
    outcome = link_.poll_login(current->d, token);
    set_online(true);
  } catch (const client::error&) {
    set_online(false);
    std::lock_guard lock(mutex_);
    if (login_) login_->next_poll = clock::now() + std::chrono::seconds(current->d.interval);
    return;
  }
  json::value who;
  if (outcome == login_poll::approved) {
    try {
      who = client::json_body(link_.call(token, "GET", "/api/v1/sessions/current"));
    } catch (const client::error&) {
    }
  }
  std::lock_guard lock(mutex_);
  if (!login_) {  // cancelled meanwhile: a session nobody waits for is ended
    if (outcome == login_poll::approved) outbox_.add("sign_out", {{"token", token}}, std::nullopt, false);
    return;
  }
  switch (outcome) {
    case login_poll::approved:
      session_ = session{token, who.is_object() ? who.as_object() : json::object{}};
      login_.reset();
      last_touch_ = clock::now();
      save_session();
      break;
    case login_poll::slow_down:
      login_->d.interval += 5;
      [[fallthrough]];
    case login_poll::pending:
      login_->next_poll = clock::now() + std::chrono::seconds(login_->d.interval);
      break;
    case login_poll::denied:
      login_->state = "denied";
      break;
    case login_poll::expired:
    case login_poll::refused:
      login_->state = "expired";
      break;
  }
}

bool kiosk_app::healthy() const {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch()).count();
  return now - last_tick_ms_ < 30000;  // a tick may wait on the server up to its 15 s timeout
}

void kiosk_app::tick() {
  last_tick_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch()).count();
  poll_login();
  // Offline: the server is asked every few seconds whether it is back, so that the screen says
  // so and the outbox is sent at once rather than at its next retry.
  bool probe = false;
  {
    std::lock_guard lock(mutex_);
    probe = !online_ && clock::now() - last_probe_ >= std::chrono::seconds(3);
    if (probe) last_probe_ = clock::now();
  }
  if (probe) {
    try {
      if (link_.get_public("/healthz").ok()) {
        set_online(true);
        kick_sender();
      }
    } catch (const client::error&) {
    }
  }
  bool leave = false;
  {
    std::lock_guard lock(mutex_);
    auto idle = clock::now() - last_touch_;
    auto limit = std::chrono::seconds(cfg_.idle_seconds + cfg_.idle_warning_seconds);
    leave = idle >= limit && (session_ || target_ || !captured_.empty());
    if (login_ && idle >= limit) login_.reset();  // a QR nobody scanned goes away too
  }
  if (leave) sign_out("idle");
}

void kiosk_app::sign_out(const std::string& why) {
  std::optional<std::string> token;
  {
    std::lock_guard lock(mutex_);
    if (session_) token = session_->token;
  }
  // The server ends the session now, or, while it is away, as soon as it is back.
  if (token) {
    bool ended = false;
    try {
      auto r = link_.call(*token, "DELETE", "/api/v1/sessions/current");
      ended = r.status == 204 || r.status == 401;
      set_online(true);
    } catch (const client::error&) {
      set_online(false);
    }
    if (!ended) outbox_.add("sign_out", {{"token", *token}}, std::nullopt, false), kick_sender();
  }
  wipe();
  if (why == "idle") notice("info", "长时间无操作，已自动退出登录", "Signed out after a time without use");
}

// Everything of the person on this kiosk: the session, the capture in memory, the material
// chosen, print jobs not printed yet (in the outbox and at the printer).
void kiosk_app::wipe() {
  {
    std::lock_guard lock(mutex_);
    session_.reset();
    login_.reset();
    target_.reset();
    watching_ = false;
    captured_.release();
    std::string().swap(preview_);
    notices_.clear();
    last_touch_ = clock::now();
    // With the session, under its lock: nobody sees the session gone and its print jobs still
    // queued, and print() queues nothing for a session that is gone.
    fs::remove(cfg_.data_dir + "/session.json");
    outbox_.wipe_personal();
  }
  steady_.clear();
  printer_->cancel_pending();
}

// ---- the person's applications ----

namespace {
kiosk_error not_signed_in() { return {401, "not_signed_in", "请先扫码登录", "Please sign in first"}; }
}  // namespace

std::string kiosk_app::token_or_throw() {
  std::lock_guard lock(mutex_);
  if (!session_) throw not_signed_in();
  return session_->token;
}

json::value kiosk_app::server_json(const std::string& method, const std::string& target,
                                   const std::optional<json::value>& body) {
  auto token = token_or_throw();
  client::response r;
  try {
    r = link_.call(token, method, target, body);
    set_online(true);
  } catch (const client::error&) {
    set_online(false);
    throw offline_error();
  }
  if (r.status == 401) {  // ended elsewhere (我的设备, the kiosk revoked): this kiosk forgets it too
    wipe();
    throw kiosk_error{401, "session_ended", "登录已失效，请重新扫码登录", "The sign-in has ended; please sign in again"};
  }
  if (!r.ok()) throw server_error(r);
  return client::json_body(r);
}

// 我的办件, each with its service's name (the list names the service by code).
json::value kiosk_app::applications() {
  auto list = server_json("GET", "/api/v1/applications");
  auto services = server_json("GET", "/api/v1/services");
  std::map<std::string, std::pair<std::string, std::string>> names;
  if (auto* all = services.as_object().if_contains("services"); all && all->is_array())
    for (auto& s : all->as_array()) names[text_of(s, "code")] = {text_of(s, "name"), text_of(s, "name_en")};
  json::array out;
  for (const char* tab : {"in_progress", "to_rate", "finished"}) {
    auto* items = list.as_object().if_contains(tab);
    if (!items || !items->is_array()) continue;
    for (auto& a : items->as_array()) {
      auto item = a.as_object();
      auto& name = names[text_of(a, "service_code")];
      item["service_name"] = name.first;
      item["service_name_en"] = name.second;
      out.push_back(std::move(item));
    }
  }
  return json::object{{"applications", out}};
}

json::value kiosk_app::application(const std::string& id) {
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw kiosk_error{404, "application_not_found", "没有这个办件", "No such application"};
  return server_json("GET", "/api/v1/applications/" + id);
}

json::object kiosk_app::open_material(const std::string& application_id, const std::string& material) {
  application(application_id);  // the person's own, or refused
  if (material.empty() || material.size() > 64 || material.find('/') != std::string::npos)
    throw kiosk_error{404, "material_not_found", "没有这项材料", "No such material"};
  auto code = server_json("POST", "/api/v1/applications/" + application_id + "/materials/" + material + "/upload-codes");
  auto url = text_of(code, "url");
  auto slash = url.rfind("/u/");
  if (slash == std::string::npos) throw kiosk_error{502, "server_error", "服务器没有给出上传码", "No upload code came"};
  auto seconds = code.at("expires_in").is_int64() ? code.at("expires_in").as_int64() : 600;
  std::lock_guard lock(mutex_);
  target_ = capture_target{application_id, material, url.substr(slash + 3),
                           std::chrono::system_clock::now() + std::chrono::seconds(seconds)};
  watching_ = true;  // the camera's frames are judged from now on, so a press of 拍照 finds them ready
  captured_.release();
  preview_.clear();
  return {{"application_id", application_id}, {"material", material}, {"expires_in", seconds}};
}

// ---- capture ----

json::object kiosk_app::capture() {
  {
    std::lock_guard lock(mutex_);
    if (!session_) throw not_signed_in();
    if (!target_) throw kiosk_error{409, "no_material", "请先选择要拍的材料", "Choose the material first"};
  }
  std::lock_guard one(capture_mutex_);
  auto started = clock::now();
  auto chosen = steady_.take(std::chrono::seconds(5));
  if (!chosen)
    throw kiosk_error{422, "not_steady", "画面不稳定或不清晰，请把材料放平、不要移动，再拍一次",
                      "The picture is not steady or sharp: lay the paper flat, keep still and try again"};
  auto picked = clock::now();
  imaging::options opts;
  auto page = imaging::process_image(*chosen, opts);
  auto done = clock::now();
  json::array reasons;
  for (auto& r : page.reasons) reasons.push_back({{"code", r.code}, {"message", r.message}, {"message_en", r.message_en}});
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  {
    std::lock_guard lock(mutex_);
    captured_ = page.accepted ? *chosen : cv::Mat();
    preview_ = page.accepted ? page.output : std::string();
    last_touch_ = clock::now();
  }
  return {{"accepted", page.accepted},
          {"reasons", reasons},
          {"paper", page.paper},
          {"width", page.width},
          {"height", page.height},
          {"timings_ms", {{"pick", ms(picked - started)}, {"pipeline", ms(done - picked)}, {"total", ms(done - started)}}}};
}

std::string kiosk_app::preview_jpeg() {
  std::lock_guard lock(mutex_);
  if (preview_.empty()) throw kiosk_error{404, "no_preview", "还没有拍好的页面", "No page has been captured"};
  return preview_;
}

json::object kiosk_app::keep_capture() {
  cv::Mat frame;
  capture_target target;
  {
    std::lock_guard lock(mutex_);
    if (captured_.empty() || !target_) throw kiosk_error{409, "no_capture", "没有可上传的页面", "No page to send"};
    frame = captured_;
    target = *target_;
    captured_.release();
    preview_.clear();
  }
  // The photo as taken: the server runs the same pipeline on it and keeps what it makes.
  auto jpeg = encode_jpeg(frame, 92);
  auto key = "kiosk-" + random_hex(16);
  outbox_.add("page",
              {{"code", target.code_token},
               {"key", key},
               {"application_id", target.application_id},
               {"material", target.material}},
              jpeg, false);
  kick_sender();
  return {{"queued", true}, {"outbox", outbox_.size()}};
}

std::string kiosk_app::viewfinder_jpeg() {
  auto f = camera_->latest();
  if (f.image.empty()) throw kiosk_error{503, "camera_unavailable", "摄像头没有画面，请联系工作人员", "The camera gives no picture"};
  cv::Mat small;
  double scale = 960.0 / std::max(f.image.cols, f.image.rows);
  cv::resize(f.image, small, cv::Size(), std::min(1.0, scale), std::min(1.0, scale), cv::INTER_AREA);
  return encode_jpeg(small, 70);
}

// ---- printing ----

json::object kiosk_app::print(const std::string& application_id, const std::string& document) {
  auto token = token_or_throw();
  if (document != "receipt" && document != "decision")
    throw kiosk_error{400, "invalid_document", "只能打印受理回执或决定书", "Only the receipt or the decision can be printed"};
  bool offline = false;
  try {
    application(application_id);  // the person's own, before anything is queued
  } catch (const kiosk_error& e) {
    if (e.code != "server_offline") throw;
    offline = true;  // printed once the server is back (and checked then), if the person is still here
  }
  std::string id;
  {
    std::lock_guard lock(mutex_);
    if (!session_ || session_->token != token) throw not_signed_in();  // the person left while the server was asked
    id = outbox_.add("print", {{"application_id", application_id}, {"document", document}}, std::nullopt, true);
  }
  kick_sender();
  return {{"queued", true}, {"job", id}, {"waiting_for_server", offline}};
}

// ---- the outbox ----

bool kiosk_app::deliver(const outbox_item& item) {
  try {
    if (item.kind == "sign_out") {
      auto r = link_.call(std::string(item.fields.at("token").as_string()), "DELETE", "/api/v1/sessions/current");
      set_online(true);
      if (r.status >= 500 || r.status == 429) return false;
      outbox_.remove(item.id);
      return true;
    }
    if (item.kind == "page") {
      auto r = link_.upload_page(std::string(item.fields.at("code").as_string()), outbox_.blob(item),
                                 std::string(item.fields.at("key").as_string()));
      set_online(true);
      if (r.status >= 500 || r.status == 429 || r.status == 408) return false;  // busy: the same page again later
      outbox_.remove(item.id);
      if (r.ok()) {
        notice("info", "材料页面已上传", "A page was sent");
      } else {
        auto e = server_error(r);
        notice("error", "有一页材料没能上传：" + e.message_zh, "A page could not be sent: " + e.message_en);
      }
      return true;
    }
    if (item.kind == "print") {
      std::optional<std::string> token;
      {
        std::lock_guard lock(mutex_);
        if (session_) token = session_->token;
      }
      if (!token) {  // its person has left: never printed for the next one
        outbox_.remove(item.id);
        return true;
      }
      auto target = "/api/v1/applications/" + std::string(item.fields.at("application_id").as_string()) +
                    "/documents/" + std::string(item.fields.at("document").as_string());
      auto started = clock::now();
      document_to_print doc;
      doc.name = std::string(item.fields.at("document").as_string()) + "-" +
                 std::string(item.fields.at("application_id").as_string());
      auto as_json = link_.call(*token, "GET", target, std::nullopt, {{"Accept", "application/json"}});
      set_online(true);
      if (as_json.status >= 500 || as_json.status == 429) return false;
      if (!as_json.ok()) {
        outbox_.remove(item.id);
        auto e = server_error(as_json);
        notice("error", "不能打印：" + e.message_zh, "Cannot print: " + e.message_en);
        return true;
      }
      doc.content = client::json_body(as_json).as_object();
      if (printer_->needs_pdf()) {
        auto pdf = link_.call(*token, "GET", target, std::nullopt, {{"Accept", "application/pdf"}});
        if (!pdf.ok()) return false;
        doc.pdf = std::move(pdf.body);
      }
      auto fetched = clock::now();
      {
        // The person may have left while the document came: nothing is printed for the next one.
        std::lock_guard lock(mutex_);
        if (!session_ || session_->token != *token) {
          outbox_.remove(item.id);
          return true;
        }
      }
      auto result = printer_->print(doc);
      result.seconds_to_accept += std::chrono::duration<double>(fetched - started).count();
      outbox_.remove(item.id);
      if (result.ok) notice("info", "已送往打印机，请取走打印件", "Sent to the printer; please take your paper", printed_json(result));
      else notice("error", "打印没有完成：" + result.message_zh, "Printing failed: " + result.message_en, printed_json(result));
      return true;
    }
    outbox_.remove(item.id);  // a kind this version does not know
    return true;
  } catch (const client::error&) {
    set_online(false);
    return false;
  }
}

// ---- checking a paper ----

std::optional<std::string> kiosk_app::trust_list_text() {
  auto path = cfg_.data_dir + "/trust-list.json";
  std::optional<signing::trust_list> kept;
  std::string kept_text;
  if (fs::exists(path)) {
    kept_text = read_file(path);
    kept = signing::parse_trust_list(kept_text);
  }
  try {
    auto r = link_.get_public("/api/v1/trust-list");
    set_online(true);
    if (r.ok()) {
      // A new list is believed when a key of the kept one signed it (or, first, its own).
      if (signing::parse_trust_list(r.body, kept ? &*kept : nullptr)) {
        write_file_durably(path, r.body);
        return r.body;
      }
    }
  } catch (const client::error&) {
    set_online(false);
  }
  if (kept) return kept_text;
  return std::nullopt;
}

json::object kiosk_app::check_paper() {
  touch();
  auto list_text = trust_list_text();
  auto list = list_text ? signing::parse_trust_list(*list_text) : std::nullopt;
  const std::string issuer = list ? list->issuer : link_.base_url();
  // Frames for up to 4 s, until one shows a code of this hall; another code (a paper of someone
  // else's, an ID card's) is remembered, and named if no hall code comes.
  auto started = clock::now();
  std::optional<std::string> text;
  std::uint64_t seen = 0;
  while (!(text && signing::payload_of_url(*text, issuer)) && clock::now() - started < std::chrono::seconds(4)) {
    auto f = camera_->next(seen, std::chrono::milliseconds(500));
    if (f.number == seen || f.image.empty()) continue;
    seen = f.number;
    cv::Mat grey;
    cv::cvtColor(f.image, grey, cv::COLOR_BGR2GRAY);
    double scale = 2400.0 / std::max(grey.cols, grey.rows);
    if (scale < 1) cv::resize(grey, grey, cv::Size(), scale, scale, cv::INTER_AREA);
    qr::decode_options o;
    o.try_harder = false;
    if (auto d = qr::decode({grey.data, grey.cols, grey.rows, static_cast<int>(grey.step)}, o)) text = d->text;
  }
  if (!text)
    throw kiosk_error{422, "no_code_found", "没有找到二维码，请把文书上的二维码放在镜头下",
                      "No QR code found: put the document's code under the camera"};
  json::object out{{"qr_text", *text}};
  if (!list) {
    out["offline"] = nullptr;
  } else {
    auto r = signing::check_offline(*text, *list, std::time(nullptr));
    out["offline"] = {{"verdict", signing::verdict_name(r.outcome)},
                      {"signed", signing::signature_held(r.outcome) && r.claims ? json::value(signing::claims_json(*r.claims))
                                                                               : json::value(nullptr)}};
    if (signing::payload_of_url(*text, list->issuer) && r.outcome != signing::verdict::not_hallpass) {
      try {  // the server is asked about the code as printed: its base-41 text after /V/
        auto online = link_.get_public("/api/v1/document-checks/" + text->substr(text->rfind("/V/") + 3));
        set_online(true);
        if (online.ok()) out["online"] = client::json_body(online);
      } catch (const client::error&) {
        set_online(false);
      }
    }
  }
  if (!out.contains("online")) out["online"] = nullptr;
  // The verdict shown: the server's when it answered (it alone knows of revocations), else the offline one.
  std::string verdict = "not_hallpass";
  if (out["online"].is_object()) verdict = text_of(out["online"], "verdict");
  else if (out["offline"].is_object()) verdict = text_of(out["offline"], "verdict");
  out["verdict"] = verdict;
  out["checked_online"] = out["online"].is_object();
  return out;
}

}  // namespace hallpass::kiosk
