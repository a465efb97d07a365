#include "hallpass/server/services/messages.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace hallpass::server::services {

namespace json = boost::json;

namespace {

db::recipient recipient_of_app(const db::application_row& app) {
  if (app.unit_id) return {app.unit_id, std::nullopt};
  return {std::nullopt, app.person_id};
}

// The message and its outbox row. The SMS platform gets the person (the applicant) and their
// masked mobile, never a clear number: HallPass keeps mobiles only hashed and masked.
std::optional<std::int64_t> write(db::connection& c, const db::application_row& app, db::new_message m) {
  m.application_id = app.id;
  m.to = recipient_of_app(app);
  auto mobile = db::person_mobile_masked(c, app.person_id);
  json::object payload{{"application_id", app.id},
                       {"kind", m.kind},
                       {"unit_id", app.unit_id ? json::value(*app.unit_id) : json::value(nullptr)},
                       {"person_id", app.person_id},
                       {"mobile_masked", mobile ? json::value(*mobile) : json::value(nullptr)},
                       {"text", m.title + "：" + m.body},
                       {"text_en", m.title_en + ": " + m.body_en}};
  return db::insert_message(c, m, json::serialize(payload));
}

std::string number(const db::application_row& app) { return std::to_string(app.id); }

}  // namespace

void notify_step(db::connection& c, const db::application_row& app, const step_notice& s) {
  db::new_message m;
  m.kind = std::string(to_string(s.action));
  auto no = number(app);
  switch (s.action) {
    case application_action::accept:
      m.title = "申请已受理";
      m.title_en = "Application accepted";
      m.body = "您的申请（编号 " + no + "）已受理，办结期限 " + s.due_date.value_or("") + "。";
      m.body_en = "Your application " + no + " was accepted; it is due by " + s.due_date.value_or("") + ".";
      break;
    case application_action::refuse:
      m.title = "申请不予受理";
      m.title_en = "Application not accepted";
      m.body = "您的申请（编号 " + no + "）不予受理。理由：" + s.comment;
      m.body_en = "Your application " + no + " was not accepted. Reason: " + s.comment;
      break;
    case application_action::request_correction: {
      std::string list, list_en;
      for (auto& [code, comment] : s.materials) {
        list += (list.empty() ? "" : "；") + code + "：" + comment;
        list_en += (list_en.empty() ? "" : "; ") + code + ": " + comment;
      }
      m.title = "请补正材料";
      m.title_en = "Corrections requested";
      m.body = "您的申请（编号 " + no + "）需要补正，请于 " + s.deadline.value_or("") + " 前补正：" + list;
      m.body_en = "Your application " + no + " needs corrections by " + s.deadline.value_or("") + ": " + list_en;
      break;
    }
    case application_action::approve:
      m.title = "准予许可";
      m.title_en = "Application approved";
      m.body = "您的申请（编号 " + no + "）准予许可，许可证号 " + s.licence_number.value_or("") + "。" + s.comment;
      m.body_en = "Your application " + no + " was approved, licence number " + s.licence_number.value_or("") +
                  ". " + s.comment;
      break;
    case application_action::reject:
      m.title = "不予许可";
      m.title_en = "Application rejected";
      m.body = "您的申请（编号 " + no + "）不予许可。理由：" + s.comment;
      m.body_en = "Your application " + no + " was rejected. Reason: " + s.comment;
      break;
    case application_action::complete:
      m.title = "申请已办结";
      m.title_en = "Application completed";
      m.body = "您的申请（编号 " + no + "）已办结。";
      m.body_en = "Your application " + no + " is completed.";
      break;
    default:
      return;  // the applicant's own steps
  }
  write(c, app, std::move(m));
}

db::recipient recipient_of(const caller& who) {
  if (who.unit_id) return {who.unit_id, std::nullopt};
  return {std::nullopt, who.person_id};
}

messages::messages(db::pool& db, const clock& clock, const working_calendar& calendar, event_hub& events)
    : db_(db), clock_(clock), calendar_(calendar), events_(events), thread_([this] { run(); }) {}

messages::~messages() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

result<message_page> messages::list(const caller& who, int limit, std::optional<std::int64_t> before) {
  if (who.is_staff()) return errc::applicant_session_required;
  if (limit < 1 || limit > max_page) return errc::invalid_input;
  auto to = recipient_of(who);
  auto conn = db_.acquire();
  return message_page{db::messages_of(*conn, to, who.person_id, before, limit),
                      db::unread_count(*conn, to, who.person_id)};
}

result<std::int64_t> messages::mark_read(const caller& who, std::optional<std::int64_t> id) {
  if (who.is_staff()) return errc::applicant_session_required;
  auto to = recipient_of(who);
  return db::in_transaction(db_, [&](db::transaction& tx) -> result<std::int64_t> {
    if (!db::mark_read(tx.conn(), to, who.person_id, id)) return errc::message_not_found;
    return db::unread_count(tx.conn(), to, who.person_id);
  });
}

std::uint64_t messages::watch(const caller& who, std::function<void(std::int64_t)> push) {
  auto to = recipient_of(who);
  auto reader = who.person_id;
  // The event names of the notify trigger in schema/0005_messages.sql.
  std::string mine(1, to.unit_id ? 'u' : 'p'), read_by_me(1, 'r');
  mine += std::to_string(to.unit_id.value_or(reader));
  read_by_me += std::to_string(reader);
  auto count = [to, reader, push](db::connection& c) { push(db::unread_count(c, to, reader)); };
  enqueue(count);
  return events_.subscribe(0, [this, mine, read_by_me, count](const std::string& event) {
    if (event == mine || event == read_by_me || event == "refresh") enqueue(count);
  });
}

void messages::unwatch(std::uint64_t subscription) { events_.unsubscribe(subscription); }

void messages::enqueue(std::function<void(db::connection&)> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void messages::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    try {
      auto conn = db_.acquire();
      job(*conn);
    } catch (const std::exception&) {
      // Database away: the stream shows the count again on the next change.
    }
    lock.lock();
  }
}

int messages::send_reminders() {
  auto today = china_date(clock_.now());
  // Deadlines from today up to the day two working days ahead.
  auto last = calendar_.add_working_days(today, reminder_working_days).date;
  int made = 0;
  db::in_transaction(db_, [&](db::transaction& tx) {
    for (auto& d : db::open_deadlines(tx.conn(), today, last)) {
      auto app = db::find_application(tx.conn(), d.application_id);
      if (!app) continue;
      db::new_message m;
      m.kind = d.kind;
      m.reminder_key = d.kind + ":" + std::to_string(d.application_id) + ":" + d.deadline;
      auto no = number(*app);
      if (d.kind == "correction_due") {
        m.title = "补正期限将至";
        m.title_en = "Correction deadline approaching";
        m.body = "您的申请（编号 " + no + "）请于 " + d.deadline + " 前补正材料并重新提交。";
        m.body_en = "Please correct and resubmit application " + no + " by " + d.deadline + ".";
      } else {
        m.title = "容缺材料补交期限将至";
        m.title_en = "Deadline for missing materials approaching";
        m.body = "您的申请（编号 " + no + "）容缺受理的材料请于 " + d.deadline + " 前补交。";
        m.body_en = "Please supply the materials still missing from application " + no + " by " + d.deadline + ".";
      }
      if (write(tx.conn(), *app, std::move(m))) ++made;
    }
  });
  return made;
}

}  // namespace hallpass::server::services
