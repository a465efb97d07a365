#pragma once
// The life of an application as one typed state machine: its states, the actions that move it,
// who may take each action, and the transition table. The spelling of states and actions here
// is the one used in SQL (schema/0004_review.sql), in JSON and on the pages.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace hallpass::server::services {

enum class application_state {
  draft,         // 待提交
  submitted,     // 待受理
  accepted,      // 审核中: the statutory clock runs
  correction,    // 待补正: sent back to the applicant; the clock stands still
  not_accepted,  // 不予受理 (final)
  approved,      // 准予许可: decided, not yet completed
  rejected,      // 不予许可: decided, not yet completed
  completed,     // 已办结 (final)
  withdrawn,     // 已撤回 (final)
};

enum class application_action {
  submit,              // applicant: 提交
  withdraw,            // applicant: 撤回, before acceptance
  resubmit,            // applicant: 补正后重新提交
  accept,              // 受理
  refuse,              // 不予受理, with reasons
  request_correction,  // 补正: materials reopened, with comments and a deadline
  approve,             // 准予许可, with a decision text
  reject,              // 不予许可, with a decision text
  complete,            // 办结
};

// Who acts: the applicant's side, or a staff role of the office the service belongs to.
enum class actor_role { applicant, clerk, reviewer, head };

constexpr unsigned role_bit(actor_role r) { return 1u << static_cast<unsigned>(r); }

struct transition {
  application_action action;
  application_state from, to;
  unsigned by;  // role_bit()s of who may take it
};

// Every allowed transition; anything else is refused (409 transition_not_allowed).
std::span<const transition> transitions();
// The transition of `action` from `from`, when the table has one (whoever may take it).
const transition* find_transition(application_action action, application_state from);
bool may_take(const transition& t, actor_role who);

std::string_view to_string(application_state s);
std::string_view to_string(application_action a);
std::string_view to_string(actor_role r);
std::optional<application_state> state_from_string(std::string_view s);
std::optional<application_action> action_from_string(std::string_view s);
std::optional<actor_role> staff_role_from_string(std::string_view s);  // clerk, reviewer, head

// Chinese label of a state, as the pages and messages show it.
std::string_view label_zh(application_state s);
// Final states never change again.
bool is_final(application_state s);

}  // namespace hallpass::server::services
