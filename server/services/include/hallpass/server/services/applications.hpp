#pragma once
// Applications (办件) and their materials: the catalogue, drafts, per-material upload codes,
// photo uploads through the imaging pipeline, submission with tolerated-missing (容缺) materials.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/read_replica.hpp"
#include "hallpass/server/services/caller.hpp"
#include "hallpass/server/services/catalogue.hpp"
#include "hallpass/server/services/clock.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/event_hub.hpp"
#include "hallpass/server/services/imaging_executor.hpp"
#include "hallpass/server/services/personal_data.hpp"
#include "hallpass/server/services/rate_limiter.hpp"
#include "hallpass/server/services/working_calendar.hpp"

namespace hallpass::imaging {
struct page_result;
}

namespace hallpass::server::services {

struct application_view {
  db::application_row row;
  db::service_def service;
  std::vector<db::page_row> pages;
};

// Which form of the service (申请 / 变更 …) and which of its cases apply; unset parts stay as they are.
struct application_choice {
  std::optional<std::string> variant;
  std::optional<std::vector<std::string>> cases;
};

struct application_form {
  std::string contact_name;
  std::string contact_mobile;
  std::optional<std::string> email, address, postcode;
};
struct issued_upload_code {
  std::string token;  // goes into the QR URL; only its hash is stored
  std::string url;    // <public_url>/u/<token>
  db::upload_code_row code;
};
// What the phone page shows for a code.
struct upload_code_view {
  db::upload_code_row code;
  std::string service_name, material_name;
  int pages_in_material = 0;
  std::string kind = "paper", paper = "any";  // what the material is (catalogue.hpp)
};
struct upload_outcome {
  bool accepted = false;
  bool replayed = false;  // same Idempotency-Key and bytes: the first result
  db::page_row page;
  std::vector<std::pair<std::string, std::array<double, 3>>> checks;  // name → value, threshold, ok
  std::vector<std::array<std::string, 3>> reasons;                   // code, message, message_en
};
struct submission {
  std::string due_date;
  std::optional<std::string> supply_deadline;
  std::string calendar;  // name of the working-day calendar the dates were counted with
  std::vector<std::string> tolerated;  // material codes supplied later
};
// Called once with the outcome of a photo upload, on an imaging thread.
using upload_done = std::function<void(result<upload_outcome>)>;

struct upload_settings {
  std::string public_url;        // base of the upload QR URLs
  int upload_code_minutes = 10;  // how long a material's upload QR stays valid
  int upload_code_max_pages = 10;
  int photos_per_code_per_minute = 20;  // one upload code; on the portal, one person
  int photos_per_ip_per_minute = 60;    // one address, phone and portal together
  std::int64_t video_max_bytes = 200LL * 1024 * 1024;  // one video material
};

// Where a resumable video upload stands; `page` once its last piece is in.
struct video_progress {
  std::int64_t received = 0, total = 0;
  std::optional<db::page_row> page;
  bool replayed = false;  // the upload was complete before this request
};
// One piece of a video upload: the whole file's length, where the piece starts, and its bytes.
struct video_piece {
  std::string key;  // Idempotency-Key: names the upload, to resume or retry it
  std::int64_t total = 0, offset = 0;
  std::string_view bytes;
};
// What a page holds: an image, or for a video the bytes [from, to] of `total`.
struct page_content {
  std::string content_type, bytes;
  std::int64_t total = 0, from = 0, to = 0;
  bool partial = false;
};

class applications {
 public:
  applications(db::pool& db, const personal_data_hasher& hash, imaging_executor& imaging, rate_limiter& limits,
               const clock& clock, event_hub& page_events, upload_settings settings,
               const working_calendar& calendar, db::read_replica* replica = nullptr);

  // Writes the catalogue into the database (start-up).
  void install_catalogue(const std::vector<db::service_def>& services);
  std::vector<db::service_def> list_services();
  std::optional<db::service_def> find_service(const std::string& code);

  result<std::int64_t> start_application(const caller& who, const std::string& service_code,
                                         const std::optional<std::string>& variant = std::nullopt);
  result<application_view> get_application(const caller& who, std::int64_t id);
  result<std::vector<db::application_row>> list_applications(const caller& who);
  // The service and pages of an application whose access the caller has checked already.
  application_view view_of(const db::application_row& row);
  status save_form(const caller& who, std::int64_t id, const std::optional<application_form>& form,
                   const std::optional<std::string>& step, const application_choice& choice = {});

  result<issued_upload_code> create_upload_code(const caller& who, std::int64_t id, const std::string& material);
  status revoke_upload_code(const caller& who, std::int64_t id, std::int64_t code_id);
  result<upload_code_view> describe_upload_code(const std::string& token);

  // Counts one photo against the per-minute limits of its address and of its upload code (on the
  // portal: of its person); too_many_uploads with the seconds to wait when one is spent. Called
  // before the photo is looked at, so refused photos cost no image work but count all the same.
  status count_code_photo(const std::string& token, const std::string& ip);
  status count_portal_photo(const caller& who, const std::string& ip);

  // Checks the code or the caller's rights and the photo's type, then processes the photo on the
  // imaging executor and calls `done` there. An error returned here (a dead code, a full queue:
  // imaging_busy) comes before any image work, and `done` is not called.
  status upload_with_code(const std::string& token, std::string bytes, std::optional<std::string> idempotency_key,
                          upload_done done);
  status upload_from_portal(const caller& who, std::int64_t id, const std::string& material, std::string bytes,
                            std::optional<std::string> idempotency_key, upload_done done);

  // A page's image or thumbnail (content type, bytes) for its application's owner, or for an
  // upload code of that material. Who may see it is decided on the primary; the bytes of a
  // submitted application's page may come from the read replica (a page's bytes never change).
  // A video is answered by byte range (`from`, `to` inclusive; at most video_range_cap bytes).
  result<page_content> page_image(const std::optional<caller>& who, const std::optional<std::string>& upload_token,
                                  std::int64_t page_id, bool thumbnail,
                                  std::optional<std::pair<std::int64_t, std::optional<std::int64_t>>> range = {});
  static constexpr std::int64_t video_range_cap = 8 * 1024 * 1024;

  // A video material, from the portal, one piece at a time: resumable at the byte it stopped at.
  result<video_progress> upload_video_piece(const caller& who, std::int64_t id, const std::string& material,
                                            const video_piece& piece);
  // Before a piece is read: a whole file over the limit is refused at once.
  status admit_video(std::int64_t total) const {
    if (total > settings_.video_max_bytes) return errc::video_too_large;
    return ok();
  }
  result<video_progress> video_upload_status(const caller& who, std::int64_t id, const std::string& material,
                                             const std::string& key);
  status delete_page(const caller& who, std::int64_t id, const std::string& material, std::int64_t page_id);
  status reorder_pages(const caller& who, std::int64_t id, const std::string& material,
                       const std::vector<std::int64_t>& page_ids);

  // Refused with materials_missing (the codes in error::items) unless every required material has
  // a page or may be tolerated.
  result<submission> submit_application(const caller& who, std::int64_t id);
  status withdraw_application(const caller& who, std::int64_t id);
  // The material's pages as one PDF; of a submitted application, read from the replica when it
  // holds exactly the pages the primary lists.
  result<std::string> material_pdf(const caller& who, std::int64_t id, const std::string& material);

  // Page changes of applications from every node: subscribe to one application's id.
  event_hub& events() { return events_; }

 private:
  struct upload_target;
  status count_photo(const std::string& source_key, const std::string& ip);
  status start_upload(const upload_target& target, std::string bytes, std::optional<std::string> key,
                      upload_done done);
  result<upload_outcome> finish_upload(const upload_target& target, const imaging::page_result& processed,
                                       const std::optional<std::string>& key, const std::string& request_hash);

  db::pool& db_;
  const personal_data_hasher& hash_;
  imaging_executor& imaging_;
  rate_limiter& limits_;
  const clock& clock_;
  event_hub& events_;
  upload_settings settings_;
  const working_calendar& calendar_;
  db::read_replica* replica_;  // null: no replica configured
};

// The application when `who` may see and manage it: its own unit (an agent only within scope),
// or its person acting alone; application_not_found (or out_of_scope) otherwise.
result<db::application_row> owned_application(db::connection& c, const caller& who, std::int64_t id,
                                              bool for_update);

}  // namespace hallpass::server::services
