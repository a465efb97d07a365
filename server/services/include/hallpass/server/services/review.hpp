#pragma once
// The hall's side of an application (PRODUCT.md §10): an office's work queue, an application as
// its staff see it, and their actions (受理, 不予受理, 补正, 准予/不予许可, 办结); and the
// applicant's side after submission: the timeline and resubmission after 补正. Every action
// goes through the transition table of application_state.hpp, in one transaction with its event.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/review_store.hpp"
#include "hallpass/server/services/application_state.hpp"
#include "hallpass/server/services/caller.hpp"
#include "hallpass/server/services/clock.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/event_hub.hpp"
#include "hallpass/server/services/working_calendar.hpp"

namespace hallpass::server::services {

struct staff_action {
  application_action action = application_action::accept;
  std::string comment;  // the reason (refuse, reject), the decision text (approve), a note otherwise
  std::vector<std::pair<std::string, std::string>> materials;  // request_correction: material → comment
  std::optional<std::string> deadline;                          // request_correction: YYYY-MM-DD
  std::optional<std::string> licence_number;                    // approve: entered; generated when absent
};

// A row of the work queue.
struct queue_item {
  db::queue_row row;
  std::string section;  // pending_acceptance, in_review, awaiting_correction, decided
  std::optional<int> working_days_left;  // on the statutory clock (standing still during 补正)
  bool due_soon = false, overdue = false;  // 即将超期 (2 working days or fewer), 已超期
  bool supply_overdue = false;             // a tolerated material is past its supply deadline
};

struct review_settings {
  int queue_limit = 200;
};

class review {
 public:
  // office_events: the office_queue channel, whose events ("<office code>", or "refresh" after
  // a lost connection) all arrive on id 0.
  review(db::pool& db, const clock& clock, const working_calendar& calendar, event_hub& office_events,
         review_settings settings = {});

  // The staff caller's office: open applications, filtered by `search` (number, unit).
  result<std::vector<queue_item>> queue(const caller& staff, const std::string& search);
  // One application of the staff caller's office (application_not_found for any other).
  result<db::application_row> staff_application(const caller& staff, std::int64_t id);
  result<db::application_row> act(const caller& staff, std::int64_t id, const staff_action& action);

  // Both sides: the application's events in order. The caller's access is checked by `owner_ok`.
  std::vector<db::event_row> timeline(std::int64_t id);
  // The applicant sends the application back after 补正: to the clerk (when it was sent back
  // before acceptance) or to the reviewer, with the statutory clock moved on by the working days
  // it stood still.
  result<db::application_row> resubmit(const caller& applicant, std::int64_t id);

  // 办件评价: once, after 办结, 1–5 stars and a comment (at most 500 characters).
  status rate(const caller& applicant, std::int64_t id, int stars, const std::string& comment);
  // The rating, for the office's head only (nothing for other staff).
  std::optional<db::rating_row> rating_for(const caller& staff, std::int64_t id);

  const working_calendar& calendar() const { return calendar_; }
  event_hub& office_events() { return office_events_; }
  std::string today() const;

 private:
  result<db::application_row> office_row(db::connection& c, const caller& staff, std::int64_t id, bool for_update);

  db::pool& db_;
  const clock& clock_;
  const working_calendar& calendar_;
  event_hub& office_events_;
  review_settings settings_;
};

// Whether pages of `material` may change now: in a draft, any; during 补正, the reopened ones;
// after acceptance, a tolerated material (容缺) until its supply deadline.
bool material_open(const db::application_row& app, const db::material_def& material, const std::string& today);

}  // namespace hallpass::server::services
