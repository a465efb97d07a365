#include "hallpass/server/services/application_state.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace hallpass::server::services {

namespace {

using st = application_state;
using ac = application_action;
constexpr unsigned applicant = role_bit(actor_role::applicant);
constexpr unsigned clerk = role_bit(actor_role::clerk);
constexpr unsigned reviewer = role_bit(actor_role::reviewer);
constexpr unsigned head = role_bit(actor_role::head);

constexpr std::array table{
    transition{ac::submit, st::draft, st::submitted, applicant},
    transition{ac::withdraw, st::draft, st::withdrawn, applicant},
    transition{ac::withdraw, st::submitted, st::withdrawn, applicant},
    transition{ac::accept, st::submitted, st::accepted, clerk | head},
    transition{ac::refuse, st::submitted, st::not_accepted, clerk | head},
    // Sent back before acceptance (一次性告知) by the clerk, or during review by the reviewer.
    transition{ac::request_correction, st::submitted, st::correction, clerk | head},
    transition{ac::request_correction, st::accepted, st::correction, reviewer | head},
    // Back to where it was sent back from; the service decides which (correction_from).
    transition{ac::resubmit, st::correction, st::submitted, applicant},
    transition{ac::resubmit, st::correction, st::accepted, applicant},
    transition{ac::approve, st::accepted, st::approved, reviewer | head},
    transition{ac::reject, st::accepted, st::rejected, reviewer | head},
    transition{ac::complete, st::approved, st::completed, clerk | reviewer | head},
    transition{ac::complete, st::rejected, st::completed, clerk | reviewer | head},
};

constexpr std::array<std::pair<st, std::string_view>, 9> state_names{{
    {st::draft, "draft"},
    {st::submitted, "submitted"},
    {st::accepted, "accepted"},
    {st::correction, "correction"},
    {st::not_accepted, "not_accepted"},
    {st::approved, "approved"},
    {st::rejected, "rejected"},
    {st::completed, "completed"},
    {st::withdrawn, "withdrawn"},
}};
constexpr std::array<std::pair<ac, std::string_view>, 9> action_names{{
    {ac::submit, "submit"},
    {ac::withdraw, "withdraw"},
    {ac::resubmit, "resubmit"},
    {ac::accept, "accept"},
    {ac::refuse, "refuse"},
    {ac::request_correction, "request_correction"},
    {ac::approve, "approve"},
    {ac::reject, "reject"},
    {ac::complete, "complete"},
}};
constexpr std::array<std::pair<actor_role, std::string_view>, 4> role_names{{
    {actor_role::applicant, "applicant"},
    {actor_role::clerk, "clerk"},
    {actor_role::reviewer, "reviewer"},
    {actor_role::head, "head"},
}};

template <class Table, class Key>
std::string_view name_of(const Table& t, Key k) {
  for (auto& [key, name] : t)
    if (key == k) return name;
  return "";
}
template <class Table>
auto key_of(const Table& t, std::string_view name) -> std::optional<typename Table::value_type::first_type> {
  for (auto& [key, n] : t)
    if (n == name) return key;
  return std::nullopt;
}

}  // namespace

std::span<const transition> transitions() { return table; }

const transition* find_transition(application_action action, application_state from) {
  auto it = std::find_if(table.begin(), table.end(), [&](auto& t) { return t.action == action && t.from == from; });
  return it == table.end() ? nullptr : &*it;
}

bool may_take(const transition& t, actor_role who) { return (t.by & role_bit(who)) != 0; }

std::string_view to_string(application_state s) { return name_of(state_names, s); }
std::string_view to_string(application_action a) { return name_of(action_names, a); }
std::string_view to_string(actor_role r) { return name_of(role_names, r); }
std::optional<application_state> state_from_string(std::string_view s) { return key_of(state_names, s); }
std::optional<application_action> action_from_string(std::string_view s) { return key_of(action_names, s); }
std::optional<actor_role> staff_role_from_string(std::string_view s) {
  auto r = key_of(role_names, s);
  if (r == actor_role::applicant) return std::nullopt;
  return r;
}

std::string_view label_zh(application_state s) {
  switch (s) {
    case st::draft: return "待提交";
    case st::submitted: return "待受理";
    case st::accepted: return "审核中";
    case st::correction: return "待补正";
    case st::not_accepted: return "不予受理";
    case st::approved: return "准予许可";
    case st::rejected: return "不予许可";
    case st::completed: return "已办结";
    case st::withdrawn: return "已撤回";
  }
  return "";
}

bool is_final(application_state s) {
  return s == st::not_accepted || s == st::completed || s == st::withdrawn;
}

}  // namespace hallpass::server::services
