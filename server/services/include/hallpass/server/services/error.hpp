#pragma once
// Expected failures of the rules, as values: a stable error code and, where it helps, details.
// Nothing here knows HTTP; the api layer maps each code to a status and a message (one table,
// api/src/error_table.cpp).
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hallpass/server/identity/validators.hpp"

namespace hallpass::server::services {

enum class errc {
  // input
  invalid_input,  // a rule of identity/ (resident ID, USCC, mobile, password); see error::rule
  invalid_channel, invalid_person_name, invalid_unit_name, invalid_unit_number, invalid_role, invalid_date,
  invalid_window, window_in_past, invalid_scope, unknown_service_code, admin_has_no_scope, legal_rep_needs_no_grant, invalid_step,
  match_number_required, invalid_contact_name, invalid_email, invalid_postcode, invalid_address, invalid_page_order,
  invalid_idempotency_key, idempotency_key_reused, empty_upload, unsupported_media_type, video_needs_resumable_upload, pdf_required, video_too_large,
  invalid_upload_range, upload_offset_mismatch, range_not_satisfiable, video_upload_not_found, form_incomplete,
  materials_missing,  // error::items lists the material codes
  password_unchanged, invalid_code, mobile_unchanged, invalid_action, invalid_rating, reason_required, decision_required, invalid_deadline, deadline_in_past, materials_required,
  unsupported_id_type,
  // sessions and rights
  invalid_credentials, wrong_password, invalid_unit_login, too_many_attempts, rate_limited, too_many_uploads, unauthenticated, session_invalid, grant_revoked,
  csrf_token_invalid, no_role_in_unit, grant_not_valid_now, out_of_scope, agents_cannot_grant,
  only_legal_rep_manages_admin, unit_managers_only, cannot_change_own_grant, app_channel_required, not_staff_of_office,
  staff_session_required, applicant_session_required, staff_role_not_allowed, not_the_legal_rep, invalid_client,
  // things not found
  unit_not_found, person_not_found, legal_rep_not_found, grant_not_found, service_not_found, application_not_found, office_not_found,
  material_not_found, variant_not_found, case_not_found, page_not_found, no_pages, upload_code_not_found, upload_code_invalid, ticket_not_found,
  message_not_found, identity_check_not_found, session_not_found, signing_key_not_found, signed_document_not_found,
  // conflicts and states
  person_exists, mobile_taken, unit_exists, grant_exists, admin_exists, agent_limit_reached, application_not_draft,
  service_for_persons, already_submitted, cannot_withdraw, material_full, upload_code_expired, upload_code_revoked,
  upload_code_used_up, ticket_expired, ticket_cancelled, ticket_already_confirmed, ticket_claimed_by_another,
  ticket_not_scanned, ticket_state_conflict, user_code_ambiguous, ticket_not_confirmed, ticket_already_redeemed, invalid_poll_secret,
  wrong_match_number, transition_not_allowed, already_rated, tolerated_materials_missing, material_not_open,
  document_not_available, identity_check_pending, identity_check_failed, identity_check_mismatch,
  identity_check_expired, identity_check_used, client_id_taken,
  // capacity and faults
  imaging_busy, database_unavailable, storage_full, pdf_failed, documents_unavailable, registration_unavailable,
  real_name_unavailable, real_name_answer_invalid, internal,
};

struct error {
  errc code;
  int retry_after = 0;                          // seconds until a retry may succeed (limits, busy)
  std::vector<std::string> items;               // e.g. the missing material codes
  std::optional<identity::rule_message> rule;   // for errc::invalid_input

  error(errc c) : code(c) {}  // NOLINT: an errc is an error
  error(errc c, int retry) : code(c), retry_after(retry) {}
  static error broken_rule(const identity::rule_message& m) {
    error e(errc::invalid_input);
    e.rule = m;
    return e;
  }
};

// Thrown by result::or_throw() to end a request with that error; the api layer catches it.
struct failure {
  error err;
};

// A value, or an error for an expected failure.
template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}  // NOLINT
  result(error e) : v_(std::move(e)) {}      // NOLINT
  result(errc c) : v_(error(c)) {}           // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  const error& err() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // The value, or throw failure.
  T& or_throw() & {
    if (!ok()) throw failure{err()};
    return value();
  }
  T or_throw() && {  // by value: `for (auto& x : f().or_throw())` must not dangle
    if (!ok()) throw failure{err()};
    return std::move(*this).value();
  }

 private:
  std::variant<T, error> v_;
};

struct none {};
using status = result<none>;
inline status ok() { return none{}; }

}  // namespace hallpass::server::services
