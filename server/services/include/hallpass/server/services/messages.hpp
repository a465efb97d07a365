#pragma once
// The applicant's message centre (PRODUCT.md §10): a message for each step of an application
// that concerns the applicant, written in the transaction of that step together with its outbox
// row for the SMS platform; reminders two working days before a 补正 or 容缺 supply deadline;
// the list, read state and unread count of a caller's messages, pushed to open centres.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hallpass/server/db/applications_store.hpp"
#include "hallpass/server/db/database.hpp"
#include "hallpass/server/db/messages_store.hpp"
#include "hallpass/server/services/application_state.hpp"
#include "hallpass/server/services/caller.hpp"
#include "hallpass/server/services/clock.hpp"
#include "hallpass/server/services/error.hpp"
#include "hallpass/server/services/event_hub.hpp"
#include "hallpass/server/services/working_calendar.hpp"

namespace hallpass::server::services {

// Working days before a deadline on which its reminder is made.
constexpr int reminder_working_days = 2;

// What a staff action tells the applicant. `details` are the event's (due_date, deadline, ...).
struct step_notice {
  application_action action;
  std::string comment;
  std::vector<std::pair<std::string, std::string>> materials;  // request_correction: material name → comment
  std::optional<std::string> due_date, deadline, licence_number;
};
// Writes the message (and its outbox row) for the step in the caller's transaction; nothing for
// actions that do not concern the applicant.
void notify_step(db::connection& c, const db::application_row& app, const step_notice& step);

// The message centre of a caller: its unit's, or for a personal session its own.
db::recipient recipient_of(const caller& who);

struct message_page {
  std::vector<db::message_row> items;
  std::int64_t unread = 0;
};

class messages {
 public:
  // events: the messages channel, whose events ("u<unit>", "p<person>", "r<reader>", or
  // "refresh" after a lost connection) all arrive on id 0.
  messages(db::pool& db, const clock& clock, const working_calendar& calendar, event_hub& events);
  ~messages();  // stops the thread that counts unread messages for open streams
  messages(const messages&) = delete;
  messages& operator=(const messages&) = delete;

  static constexpr int max_page = 100;
  // Newest first; only ids below `before`. invalid_input for a limit outside 1..max_page.
  result<message_page> list(const caller& who, int limit, std::optional<std::int64_t> before);
  // One message (message_not_found when not the caller's), or all with no id. The unread count after.
  result<std::int64_t> mark_read(const caller& who, std::optional<std::int64_t> id);

  // push(unread) now and whenever the caller's messages or read state change, on any node, until
  // the returned subscription is ended with unwatch(). push runs on a thread of this service.
  std::uint64_t watch(const caller& who, std::function<void(std::int64_t unread)> push);
  void unwatch(std::uint64_t subscription);

  // Makes the reminders due today (the China date of the clock) that were not made yet; how many.
  int send_reminders();

 private:
  void enqueue(std::function<void(db::connection&)> job);
  void run();

  db::pool& db_;
  const clock& clock_;
  const working_calendar& calendar_;
  event_hub& events_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void(db::connection&)>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hallpass::server::services
