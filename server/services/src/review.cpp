#include "hallpass/server/services/review.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "hallpass/server/services/applications.hpp"
#include "hallpass/server/services/catalogue.hpp"
#include "hallpass/server/services/messages.hpp"

namespace hallpass::server::services {

namespace json = boost::json;

namespace {

constexpr std::size_t max_comment = 2000;

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n\u3000") == std::string::npos; }

// Checks what the action needs before anything changes.
status check_input(const staff_action& a, const db::service_def& service, const std::string& today) {
  if (a.comment.size() > max_comment) return errc::invalid_input;
  switch (a.action) {
    case application_action::refuse:
    case application_action::reject:
      if (blank(a.comment)) return errc::reason_required;
      break;
    case application_action::approve:
      if (blank(a.comment)) return errc::decision_required;
      break;
    case application_action::request_correction: {
      if (a.materials.empty()) return errc::materials_required;
      for (auto& material : a.materials) {
        const auto& [code, comment] = material;
        if (blank(comment) || comment.size() > max_comment) return errc::materials_required;
        if (std::none_of(service.materials.begin(), service.materials.end(),
                         [&](auto& m) { return m.code == material.first; }))
          return errc::material_not_found;
      }
      if (!a.deadline || !parse_iso_date(*a.deadline)) return errc::invalid_deadline;
      if (*a.deadline < today) return errc::deadline_in_past;
      break;
    }
    default:
      break;
  }
  return ok();
}

std::optional<actor_role> role_of(const caller& staff) {
  if (!staff.is_staff() || !staff.staff_role) return std::nullopt;
  return staff_role_from_string(*staff.staff_role);
}

}  // namespace

bool material_open(const db::application_row& app, const db::material_def& material, const std::string& today) {
  if (app.state == "draft") return true;
  if (app.state == "correction")
    return std::find(app.reopened_materials.begin(), app.reopened_materials.end(), material.code) !=
           app.reopened_materials.end();
  if (app.state == "accepted") return material.tolerable && app.supply_deadline && *app.supply_deadline >= today;
  return false;
}

review::review(db::pool& db, const clock& clock, const working_calendar& calendar, event_hub& office_events,
               review_settings settings)
    : db_(db), clock_(clock), calendar_(calendar), office_events_(office_events), settings_(settings) {}

std::string review::today() const { return china_date(clock_.now()); }

result<db::application_row> review::office_row(db::connection& c, const caller& staff, std::int64_t id,
                                               bool for_update) {
  if (!staff.is_staff() || !staff.office_code) return errc::staff_session_required;
  auto row = db::find_application(c, id, for_update);
  if (!row || row->state == "draft" || db::office_of_service(c, row->service_code) != *staff.office_code)
    return errc::application_not_found;
  return *row;
}

result<std::vector<queue_item>> review::queue(const caller& staff, const std::string& search) {
  if (!staff.is_staff() || !staff.office_code) return errc::staff_session_required;
  std::vector<db::queue_row> rows;
  {
    auto conn = db_.acquire();
    rows = db::office_queue(*conn, *staff.office_code, search, settings_.queue_limit);
  }
  auto now = today();
  std::vector<queue_item> out;
  for (auto& r : rows) {
    queue_item q{std::move(r), "", std::nullopt};
    auto& a = q.row.app;
    if (a.state == "submitted") q.section = "pending_acceptance";
    else if (a.state == "accepted") q.section = "in_review";
    else if (a.state == "correction") q.section = "awaiting_correction";
    else q.section = "decided";
    if (a.due_date && a.accepted_at && (a.state == "accepted" || a.state == "correction")) {
      // During 补正 the clock stands still at the day it was sent back.
      auto from = a.state == "correction" && a.correction_since ? *a.correction_since : now;
      q.working_days_left = calendar_.working_days_between(from, *a.due_date).days;
      q.overdue = *q.working_days_left < 0;
      q.due_soon = !q.overdue && *q.working_days_left <= 2;
    }
    q.supply_overdue = !q.row.missing_tolerated.empty() && a.supply_deadline && *a.supply_deadline < now;
    out.push_back(std::move(q));
  }
  return out;
}

result<db::application_row> review::staff_application(const caller& staff, std::int64_t id) {
  auto conn = db_.acquire();
  return office_row(*conn, staff, id, false);
}

result<db::application_row> review::act(const caller& staff, std::int64_t id, const staff_action& action) {
  auto who = role_of(staff);
  if (!who) return errc::staff_session_required;
  auto now = today();
  return db::in_transaction(db_, [&](db::transaction& tx) -> result<db::application_row> {
    auto row = office_row(tx.conn(), staff, id, true);
    if (!row) return row.err();
    auto from = state_from_string(row->state);
    const transition* t = from ? find_transition(action.action, *from) : nullptr;
    if (!t) return errc::transition_not_allowed;
    if (!may_take(*t, *who)) return errc::staff_role_not_allowed;
    auto service = db::find_service(tx.conn(), row->service_code);
    if (auto checked = check_input(action, *service, now); !checked) return checked.err();

    db::state_change change{id, row->state, std::string(to_string(t->to))};
    json::object details;
    switch (action.action) {
      case application_action::accept: {
        // Tolerated materials get their supply deadline from today; the statutory clock starts once
        // the file is complete: today, or with a material tolerated, its supply deadline.
        auto missing = db::missing_tolerated(tx.conn(), id);
        int supply_days = 0;
        for (auto& m : service->materials)
          if (std::find(missing.begin(), missing.end(), m.code) != missing.end())
            supply_days = std::max(supply_days, m.supply_days.value_or(7));
        auto complete = now;
        if (supply_days > 0) {
          complete = calendar_.add_working_days(now, supply_days).date;
          change.supply_deadline = complete;
        }
        auto due = calendar_.add_working_days(complete, time_limit_of(*service, row->variant));
        change.due_date = due.date;
        change.calendar = calendar_.name();
        change.stamp_accepted = true;
        details = {{"due_date", due.date}, {"calendar", calendar_.name()}};
        if (due.beyond_coverage) details["beyond_calendar"] = true;
        break;
      }
      case application_action::request_correction: {
        std::vector<std::string> codes;
        json::array materials;
        for (auto& [code, comment] : action.materials) {
          codes.push_back(code);
          materials.push_back({{"material", code}, {"comment", comment}});
        }
        change.correction_from = row->state;
        change.correction_since = now;
        change.correction_deadline = *action.deadline;
        change.reopened_materials = codes;
        details = {{"materials", materials}, {"deadline", *action.deadline}};
        break;
      }
      case application_action::approve:
      case application_action::reject: {
        if (!db::missing_tolerated(tx.conn(), id).empty()) return errc::tolerated_materials_missing;
        change.decision_text = action.comment;
        change.stamp_decided = true;
        if (action.action == application_action::approve) {
          change.licence_number = action.licence_number && !blank(*action.licence_number)
                                      ? *action.licence_number
                                      : *staff.office_code + "-" + now.substr(0, 4) + "-" + std::to_string(id);
          details = {{"licence_number", *change.licence_number}};
        }
        break;
      }
      case application_action::complete:
        change.stamp_completed = true;
        break;
      default:
        break;
    }
    if (!db::change_state(tx.conn(), change)) return errc::transition_not_allowed;
    db::insert_event(tx.conn(), id, staff.person_id, std::string(to_string(*who)),
                     std::string(to_string(action.action)), change.from, change.to, action.comment,
                     json::serialize(details));
    auto after = *db::find_application(tx.conn(), id);
    std::vector<std::pair<std::string, std::string>> named;  // the applicant reads names, not codes
    for (auto& [code, comment] : action.materials) {
      auto m = std::find_if(service->materials.begin(), service->materials.end(),
                            [&c = code](auto& d) { return d.code == c; });  // (clang 14 captures no bindings)
      named.emplace_back(m != service->materials.end() ? m->name : code, comment);
    }
    notify_step(tx.conn(), after,
                {action.action, action.comment, named, change.due_date, action.deadline, change.licence_number});
    return after;
  });
}

status review::rate(const caller& applicant, std::int64_t id, int stars, const std::string& comment) {
  if (applicant.is_staff()) return errc::applicant_session_required;
  if (stars < 1 || stars > 5 || comment.size() > 500 * 3) return errc::invalid_rating;
  return db::in_transaction(db_, [&](db::transaction& tx) -> status {
    auto row = owned_application(tx.conn(), applicant, id, true);
    if (!row) return row.err();
    if (row->state != "completed") return errc::transition_not_allowed;
    if (!db::insert_rating(tx.conn(), id, applicant.person_id, stars, comment)) return errc::already_rated;
    return ok();
  });
}

std::optional<db::rating_row> review::rating_for(const caller& staff, std::int64_t id) {
  if (staff.staff_role != "head") return std::nullopt;
  auto conn = db_.acquire();
  return db::find_rating(*conn, id);
}

std::vector<db::event_row> review::timeline(std::int64_t id) {
  auto conn = db_.acquire();
  return db::events_of(*conn, id);
}

result<db::application_row> review::resubmit(const caller& applicant, std::int64_t id) {
  if (applicant.is_staff()) return errc::applicant_session_required;
  auto now = today();
  return db::in_transaction(db_, [&](db::transaction& tx) -> result<db::application_row> {
    auto row = owned_application(tx.conn(), applicant, id, true);
    if (!row) return row.err();
    if (row->state != "correction" || !row->correction_from) return errc::transition_not_allowed;
    db::state_change change{id, "correction", *row->correction_from};
    change.end_correction = true;
    json::object details;
    if (*row->correction_from == "accepted" && row->due_date && row->correction_since) {
      // The clock stood still from the day it was sent back: the limit moves on by as many working days.
      int paused = std::max(0, calendar_.working_days_between(*row->correction_since, now).days);
      change.due_date = calendar_.add_working_days(*row->due_date, paused).date;
      details = {{"due_date", *change.due_date}, {"paused_working_days", paused}};
    }
    if (!db::change_state(tx.conn(), change)) return errc::transition_not_allowed;
    db::insert_event(tx.conn(), id, applicant.person_id, "applicant", "resubmit", change.from, change.to, "",
                     json::serialize(details));
    return *db::find_application(tx.conn(), id);
  });
}

}  // namespace hallpass::server::services
