#pragma once
// Test clients for applications and upload codes over real HTTP: the portal's calls (session),
// the phone's calls (upload code), photos for the pipeline, and pages arranged by SQL on the
// scratch database, and a hold on the imaging threads. SQL, SHA-256 and the event-stream reader
// come from support/test_tools.hpp.
#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "support/test_env.hpp"
#include "support/test_tools.hpp"

namespace hallpass::test::apps {

// --- photos -------------------------------------------------------------------------------
// Bytes of a file under tests/data/photos (fails the test when unreadable).
std::string doc_photo(const std::string& relative);
// A real phone photo of an A4 page (the Dynamsoft set) at 0.6 of its size, re-encoded as JPEG:
// about 165 dpi on the page, accepted for an A4 material or one of any paper.
const std::string& accepted_jpeg();
// A real photo of an ID-1 card (the 1080×1920 WebP of the Dynamsoft set) with a heavy Gaussian
// blur: rejected by the pipeline.
std::string blurred_jpeg();
// A uniform grey photo of nothing: rejected (no document).
std::string blank_jpeg();
// The card photo encoded as TIFF, a photo type the server does not take.
std::string card_tiff();
// A small synthetic page (white with dark lines), valid JPEG bytes, for pages seeded by SQL.
std::string synthetic_page_jpeg(int variant);

// --- direct SQL ---------------------------------------------------------------------------
// Inserts a page as an accepted upload would (content, sha256, thumbnail); returns its id.
std::string seed_page(const std::string& conninfo, const std::string& application_id, const std::string& material,
                      int variant = 0);
// Positions of a material's pages ordered by position, and their ids in that order.
std::vector<int> positions(const std::string& conninfo, const std::string& application_id, const std::string& material);
std::vector<std::string> page_ids(const std::string& conninfo, const std::string& application_id,
                                  const std::string& material);
int page_count(const std::string& conninfo, const std::string& application_id);

// --- portal -------------------------------------------------------------------------------
// POST /api/v1/applications; returns the id or "" (the caller asserts).
http_reply start(const running_server& s, const std::string& token, const std::string& service_code);
std::string start_id(const running_server& s, const std::string& token, const std::string& service_code);
// PATCH a valid form (contact 王芳, 13812340003).
http_reply fill_form(const running_server& s, const std::string& token, const std::string& id);

struct upload_code {
  std::string id, url, token;
  http_reply reply;
};
upload_code create_code(const running_server& s, const std::string& session, const std::string& application_id,
                        const std::string& material);

// --- phone --------------------------------------------------------------------------------
http_reply phone_upload(unsigned short port, const std::string& code_token, const std::string& bytes,
                        const std::optional<std::string>& idempotency_key = std::nullopt);
http_reply describe_code(unsigned short port, const std::string& code_token);
// POST a photo to the portal's upload endpoint of a material with a session.
http_reply portal_upload(const running_server& s, const std::string& session, const std::string& application_id,
                         const std::string& material, const std::string& bytes);

// --- imaging ------------------------------------------------------------------------------
// Holds every imaging thread of a server with a job that waits until open() (or destruction),
// so that uploads queue behind it. Declare it after anything that waits for such an upload
// (a std::future), so that it opens first when a test ends early.
class imaging_hold {
 public:
  explicit imaging_hold(server::services::imaging_executor& imaging);
  ~imaging_hold() { open(); }
  imaging_hold(const imaging_hold&) = delete;
  imaging_hold& operator=(const imaging_hold&) = delete;
  void open();

 private:
  std::promise<void> release_;
  std::shared_future<void> opened_ = release_.get_future().share();
  bool open_ = false;
};

// --- the hall's side ------------------------------------------------------------------------
// A staff session (token) of `office` (default: the Haicheng office) for a demo staff account.
std::string staff_login(const running_server& s, const std::string& account,
                        const std::string& office = "haicheng_hrss");
// A submitted Haicheng licence application of the applicant's unit, every material with a
// seeded page, or all but the tolerable charter_capital.
std::string submitted(const running_server& s, const std::string& applicant, bool tolerate_charter = false);
// POST a staff action (JSON body) on the application.
http_reply act(const running_server& s, const std::string& staff, const std::string& id,
               const boost::json::object& body);
// A 补正 action body: `material` sent back with a comment, until `deadline`.
boost::json::object correction(const std::string& material, const std::string& deadline);

// --- dates --------------------------------------------------------------------------------
// Today in China (UTC+8), and that date plus n working days by the shipped calendar
// (server/data/calendar-cn.txt), whose name the server's answers carry.
std::string china_today();
std::string plus_working_days(const std::string& iso_date, int n);
std::string shipped_calendar_name();

}  // namespace hallpass::test::apps
