#include "hallpass/server/api/api_error.hpp"

#include <array>

namespace hallpass::server::api {

namespace {

using services::errc;

struct entry {
  errc code;
  int status;
  const char* wire_code;
  const char* message;     // Chinese
  const char* message_en;  // English
};

// Every error a service can return, with what the client sees. A test checks that each errc
// has exactly one row.
constexpr entry table[] = {
    {errc::invalid_input, 422, "invalid_input", "", ""},
    {errc::invalid_channel, 400, "invalid_channel", "登录渠道只能是 web、app 或 kiosk", "channel must be web, app or kiosk"},
    {errc::invalid_person_name, 422, "invalid_name", "姓名不能为空", "The name must not be empty"},
    {errc::invalid_unit_name, 422, "invalid_name", "单位名称不能为空", "The unit name must not be empty"},
    {errc::invalid_unit_number, 422, "invalid_unit_number", "单位编号应为 6 到 20 位数字", "The unit number must be 6 to 20 digits"},
    {errc::invalid_role, 422, "invalid_role", "角色只能是管理员或经办人", "role must be admin or agent"},
    {errc::invalid_date, 422, "invalid_date", "日期格式应为 YYYY-MM-DD", "Dates must be YYYY-MM-DD"},
    {errc::invalid_window, 422, "invalid_window", "授权结束日期早于开始日期", "The authorisation ends before it starts"},
    {errc::window_in_past, 422, "window_in_past", "授权结束日期已过", "The authorisation end date has already passed"},
    {errc::unknown_service_code, 422, "unknown_service_code", "业务范围中有办事事项目录中没有的事项编码",
     "The business scope names a service code that is not in the catalogue (error.unknown lists them)"},
    {errc::invalid_code, 422, "invalid_code", "验证码错误或已失效，请重新获取", "The code is wrong, used or expired; ask for a new one"},
    {errc::mobile_unchanged, 422, "mobile_unchanged", "该手机号码已是您的登记号码", "This mobile is already yours"},
    {errc::unsupported_id_type, 422, "unsupported_id_type", "目前只能使用居民身份证注册", "Only the resident ID card can be used for now"},
    {errc::not_the_legal_rep, 403, "not_the_legal_rep", "只有法定代表人本人可以注册单位：请以法定代表人的个人账号登录，并填写本人的证件号码和姓名",
     "Only the legal representative registers the unit: sign in with their own account and give their own ID number and name"},
    {errc::session_not_found, 404, "session_not_found", "没有找到该登录设备，可能已经退出", "No such live session of yours; it may have ended already"},
    {errc::signing_key_not_found, 404, "signing_key_not_found", "没有该签名密钥，或已停用", "No such live signing key"},
    {errc::signed_document_not_found, 404, "signed_document_not_found", "没有该编号的文书，或已撤销",
     "No document with that serial, or it is revoked already"},
    {errc::identity_check_not_found, 404, "identity_check_not_found", "没有找到这次实名认证，请重新认证",
     "No such identity check; start a new one"},
    {errc::identity_check_pending, 409, "identity_check_pending", "实名认证还没有完成，请先用手机扫码完成认证",
     "The identity check is not finished yet: complete it on the phone first"},
    {errc::identity_check_failed, 409, "identity_check_failed", "实名认证未通过", "The identity check did not pass"},
    {errc::identity_check_mismatch, 422, "identity_check_mismatch", "实名认证的姓名或证件号码与填写的不一致",
     "The identity check was made for another name or ID number"},
    {errc::identity_check_expired, 410, "identity_check_expired", "实名认证已超过 10 分钟，请重新认证",
     "The identity check passed more than 10 minutes ago; check again"},
    {errc::identity_check_used, 409, "identity_check_used", "这次实名认证已经用过，请重新认证",
     "This identity check has been used already; check again"},
    {errc::registration_unavailable, 503, "registration_unavailable", "网上注册暂未开通，请到经办窗口注册",
     "Registration online is not available here; register at a service window"},
    {errc::real_name_unavailable, 503, "real_name_unavailable", "实名认证服务暂时无法使用，请稍后再试",
     "The identity check service cannot be reached; try again later"},
    {errc::real_name_answer_invalid, 502, "real_name_answer_invalid", "实名认证服务的答复无法核实，请稍后再试",
     "The identity check service's answer could not be verified; try again later"},
    {errc::client_id_taken, 409, "client_id_taken", "这个终端编号已登记为其他设备", "This client id is registered to another kind of device"},
    {errc::invalid_client, 401, "invalid_client", "终端未登记、已停用或凭据不对", "Unknown or revoked client, or wrong client credentials"},
    {errc::mobile_taken, 409, "mobile_taken", "该手机号码已被其他账号登记", "Another account has registered this mobile"},
    {errc::unit_managers_only, 403, "unit_managers_only", "只有单位的法定代表人或管理员可以查看操作记录",
     "Only the unit's legal representative or administrator may see its activity"},
    {errc::password_unchanged, 422, "password_unchanged", "新密码不能与原密码相同", "The new password must differ from the current one"},
    {errc::wrong_password, 403, "wrong_password", "原密码不正确", "The current password is wrong"},
    {errc::invalid_scope, 422, "invalid_scope", "业务范围应列出 1 到 200 个有效的事项编码", "The business scope must list 1 to 200 valid service codes"},
    {errc::admin_has_no_scope, 422, "admin_has_no_scope", "管理员可办理全部业务，不设业务范围", "An administrator may do all business; a scope applies to agents only"},
    {errc::legal_rep_needs_no_grant, 422, "legal_rep_needs_no_grant", "法定代表人无需授权", "The legal representative needs no grant"},
    {errc::invalid_step, 422, "invalid_step", "步骤无效", "Unknown step"},
    {errc::match_number_required, 400, "missing_field", "缺少字段或类型不对：match_number（请选择电脑屏幕上显示的数字）",
     "Missing or mistyped field: match_number (pick the number shown on the computer's screen)"},
    {errc::invalid_contact_name, 422, "invalid_contact_name", "请填写经办人姓名", "Enter the contact person's name"},
    {errc::invalid_email, 422, "invalid_email", "电子邮箱格式不正确", "The e-mail address is malformed"},
    {errc::invalid_postcode, 422, "invalid_postcode", "邮编应为 6 位数字", "The postcode must be 6 digits"},
    {errc::invalid_address, 422, "invalid_address", "地址过长", "The address is too long"},
    {errc::invalid_page_order, 422, "invalid_page_order", "页面列表应包含该材料的每一页各一次", "The order must list every page of the material exactly once"},
    {errc::invalid_idempotency_key, 400, "invalid_idempotency_key", "Idempotency-Key 应为 1 到 100 个字符", "Idempotency-Key must be 1 to 100 characters"},
    {errc::idempotency_key_reused, 422, "idempotency_key_reused", "同一个 Idempotency-Key 用于了不同的照片", "This Idempotency-Key was used for a different photo"},
    {errc::empty_upload, 400, "empty_upload", "没有收到照片", "The upload is empty"},
    {errc::pdf_required, 415, "pdf_required", "该材料请上传 PDF 文件", "This material is uploaded as a PDF file"},
    {errc::video_too_large, 413, "video_too_large", "视频文件过大，超过该材料允许的大小", "The video is larger than this material allows"},
    {errc::invalid_upload_range, 400, "invalid_upload_range", "上传分段的长度或位置不正确（Upload-Length、Upload-Offset）", "The piece's length or position is invalid (Upload-Length, Upload-Offset)"},
    {errc::upload_offset_mismatch, 409, "upload_offset_mismatch", "上传位置与已接收的不一致，请查询进度后从已接收处继续", "The piece does not start where the upload stopped; ask for the progress and resume from there"},
    {errc::range_not_satisfiable, 416, "range_not_satisfiable", "请求的范围超出文件长度", "The requested range lies beyond the file"},
    {errc::video_upload_not_found, 404, "video_upload_not_found", "没有这个视频上传", "No such video upload"},
    {errc::video_needs_resumable_upload, 415, "video_needs_resumable_upload", "视频材料请用视频上传（支持断点续传），不能作为照片上传", "A video material is uploaded as a video (resumable), not as a photo"},
    {errc::unsupported_media_type, 415, "unsupported_media_type", "只能上传 JPEG、PNG、WebP 或 HEIC 格式的照片", "Only JPEG, PNG, WebP or HEIC photos can be uploaded"},
    {errc::form_incomplete, 422, "form_incomplete", "请先完成信息填写", "Fill in the application form first"},
    {errc::materials_missing, 422, "materials_missing", "还有必需的材料没有上传", "Required materials are missing"},
    {errc::invalid_action, 422, "invalid_action", "未知的办理操作", "Unknown action"},
    {errc::invalid_rating, 422, "invalid_rating", "评价应为 1 到 5 星，留言不超过 500 字", "A rating is 1 to 5 stars with a comment of at most 500 characters"},
    {errc::reason_required, 422, "reason_required", "请填写理由", "A reason is required"},
    {errc::decision_required, 422, "decision_required", "请填写决定内容", "The decision text is required"},
    {errc::invalid_deadline, 422, "invalid_deadline", "补正期限格式应为 YYYY-MM-DD", "The deadline must be YYYY-MM-DD"},
    {errc::deadline_in_past, 422, "deadline_in_past", "补正期限不能早于今天", "The deadline must not be in the past"},
    {errc::materials_required, 422, "materials_required", "请选择需要补正的材料并逐项填写意见", "Choose the materials to correct, each with a comment"},
    {errc::invalid_credentials, 401, "invalid_credentials", "账号或密码错误", "Wrong account or password"},
    {errc::invalid_unit_login, 401, "invalid_credentials", "单位、账号或密码错误，或您在该单位没有有效的授权", "Wrong unit, account or password, or no valid authorisation for this unit"},
    {errc::too_many_attempts, 429, "too_many_attempts", "登录失败次数过多，请稍后再试", "Too many failed logins; try again later"},
    {errc::rate_limited, 429, "rate_limited", "操作过于频繁，请稍后再试", "Too many requests; try again later"},
    {errc::too_many_uploads, 429, "too_many_uploads", "上传照片过于频繁，请稍后再试", "Too many photos in a short time; try again later"},
    {errc::unauthenticated, 401, "unauthenticated", "请先登录", "Please sign in"},
    {errc::session_invalid, 401, "session_invalid", "登录已失效，请重新登录", "Your session has ended; please sign in again"},
    {errc::grant_revoked, 401, "grant_revoked", "您在该单位的授权已变更或撤销，请重新登录", "Your authorisation for this unit was changed or revoked; please sign in again"},
    {errc::csrf_token_invalid, 403, "csrf_token_invalid", "页面已过期，请刷新后重试", "Missing or wrong CSRF token; reload the page"},
    {errc::no_role_in_unit, 403, "no_role_in_unit", "您不是该单位的法定代表人、管理员或经办人", "You are not the legal representative, administrator or an agent of this unit"},
    {errc::grant_not_valid_now, 403, "grant_not_valid_now", "您在该单位的授权不在有效期内", "Your authorisation for this unit is outside its validity period"},
    {errc::out_of_scope, 403, "out_of_scope", "该业务不在您的授权范围内", "This business is outside your authorised scope"},
    {errc::agents_cannot_grant, 403, "agents_cannot_grant", "经办人不能查看或管理授权", "Agents cannot view, grant or change authorisations"},
    {errc::only_legal_rep_manages_admin, 403, "only_legal_rep_manages_admin", "只有法定代表人可以设置管理员", "Only the legal representative can appoint or change the administrator"},
    {errc::not_staff_of_office, 403, "not_staff_of_office", "您不是该部门的工作人员", "You are not staff of this office"},
    {errc::staff_session_required, 403, "staff_session_required", "请使用工作人员账号登录", "Sign in as hall staff"},
    {errc::applicant_session_required, 403, "applicant_session_required", "工作人员账号不能办理申请人业务", "A staff session cannot act as an applicant"},
    {errc::staff_role_not_allowed, 403, "staff_role_not_allowed", "您的岗位不能进行此操作", "Your role in the office cannot take this action"},
    {errc::app_channel_required, 403, "app_channel_required", "请使用手机 App 扫码并确认登录", "Only a phone app session can scan and confirm a login"},
    {errc::cannot_change_own_grant, 403, "cannot_change_own_grant", "不能修改自己的授权", "You cannot change your own grant"},
    {errc::unit_not_found, 404, "unit_not_found", "未找到该单位", "Unit not found"},
    {errc::person_not_found, 404, "person_not_found", "未找到该人员，请核对姓名和证件号码；尚未注册的，请其先在网上办事大厅点“立即注册”（/register）注册个人账号，或到经办窗口注册",
     "No registered person with this name and ID number; they register first, online at /register (立即注册) or at a service window"},
    {errc::legal_rep_not_found, 404, "person_not_found", "未找到法定代表人，请先注册个人账号", "The legal representative is not registered"},
    {errc::grant_not_found, 404, "grant_not_found", "未找到该授权", "Grant not found"},
    {errc::service_not_found, 404, "service_not_found", "没有这个办事事项", "No such service"},
    {errc::application_not_found, 404, "application_not_found", "未找到该办件", "Application not found"},
    {errc::material_not_found, 404, "material_not_found", "该事项没有这项材料", "No such material for this service"},
    {errc::variant_not_found, 422, "variant_not_found", "该事项没有这种办理类型（如申请、变更、延续）", "This service has no such variant (e.g. application, change, extension)"},
    {errc::case_not_found, 422, "case_not_found", "该事项没有这种适用情形", "This service has no such case"},
    {errc::service_for_persons, 403, "service_for_persons", "该事项由个人本人办理，请以个人身份登录后申请", "This service is for persons: sign in as yourself, not for a unit"},
    {errc::message_not_found, 404, "message_not_found", "未找到该消息", "Message not found"},
    {errc::page_not_found, 404, "page_not_found", "未找到该页", "Page not found"},
    {errc::no_pages, 404, "no_pages", "该材料还没有页面", "This material has no pages yet"},
    {errc::upload_code_not_found, 404, "upload_code_not_found", "未找到该上传码", "Upload code not found"},
    {errc::upload_code_invalid, 404, "upload_code_invalid", "上传码无效，请在电脑上重新生成二维码", "Unknown upload code; create a new one on the computer"},
    {errc::ticket_not_found, 404, "ticket_not_found", "二维码无效，请刷新网页上的二维码后重新扫描", "Unknown QR code; refresh the QR code on the web page and scan again"},
    {errc::person_exists, 409, "person_exists", "该证件号码或手机号已注册", "This ID number or mobile is already registered"},
    {errc::unit_exists, 409, "unit_exists", "该统一社会信用代码或单位编号已存在", "This USCC or unit number already exists"},
    {errc::grant_exists, 409, "grant_exists", "该人员已有本单位的授权，请修改或撤销原授权", "This person already holds a grant of this unit; change or revoke it"},
    {errc::admin_exists, 409, "admin_exists", "每个单位只能设置一名管理员", "A unit may have only one administrator"},
    {errc::agent_limit_reached, 409, "agent_limit_reached", "每个单位最多可添加 10 名经办人", "A unit may have at most 10 agents"},
    {errc::application_not_draft, 409, "application_not_draft", "办件已提交，材料不能再修改", "The application was submitted; its materials are frozen"},
    {errc::already_submitted, 409, "already_submitted", "办件已提交", "The application was already submitted"},
    {errc::cannot_withdraw, 409, "cannot_withdraw", "该办件已受理或办结，不能撤回", "This application can no longer be withdrawn"},
    {errc::material_full, 409, "material_full", "该材料的页数已达上限", "This material already has the most pages allowed"},
    {errc::upload_code_expired, 410, "upload_code_expired", "上传码已过期，请在电脑上重新生成", "The upload code has expired; create a new one on the computer"},
    {errc::upload_code_revoked, 410, "upload_code_revoked", "上传码已作废", "The upload code was revoked"},
    {errc::upload_code_used_up, 410, "upload_code_used_up", "上传码已失效或已达到页数上限，请在电脑上重新生成", "The upload code has expired or reached its page limit; create a new one"},
    {errc::ticket_expired, 410, "ticket_expired", "二维码已失效，请刷新后重新扫描", "The QR code has expired; refresh it and scan again"},
    {errc::ticket_cancelled, 409, "ticket_cancelled", "本次登录已取消", "This login was cancelled"},
    {errc::ticket_already_confirmed, 409, "ticket_already_confirmed", "本次登录已确认过", "This login was already confirmed"},
    {errc::ticket_claimed_by_another, 409, "ticket_claimed_by_another", "该二维码已被其他手机扫描", "Another phone has already scanned this QR code"},
    {errc::user_code_ambiguous, 409, "user_code_ambiguous", "该用户码对应多个登录请求，请在设备上获取新的用户码",
     "This user code matches more than one login request; get a new code on the device"},
    {errc::ticket_not_scanned, 409, "ticket_not_scanned", "请先扫描二维码", "Scan the QR code first"},
    {errc::ticket_state_conflict, 409, "ticket_state_conflict", "登录状态已变化，请重试", "The login changed state; try again"},
    {errc::ticket_not_confirmed, 409, "ticket_not_confirmed", "尚未在手机上确认登录", "The login is not confirmed on the phone yet"},
    {errc::ticket_already_redeemed, 409, "ticket_already_redeemed", "本次登录已完成", "This login was already redeemed"},
    {errc::invalid_poll_secret, 401, "invalid_poll_secret", "登录凭据无效", "Wrong poll secret for this login ticket"},
    {errc::wrong_match_number, 422, "wrong_match_number", "数字不匹配，本次登录已取消，请刷新网页重新扫码", "The number does not match; this login was cancelled. Refresh the web page and scan again"},
    {errc::office_not_found, 404, "office_not_found", "没有该部门", "No such office"},
    {errc::transition_not_allowed, 409, "transition_not_allowed", "办件当前状态不允许此操作", "The application's state does not allow this action"},
    {errc::already_rated, 409, "already_rated", "该办件已评价", "This application has been rated already"},
    {errc::tolerated_materials_missing, 409, "tolerated_materials_missing", "容缺材料尚未补齐，不能作出决定", "Tolerated materials are still missing; no decision can be released"},
    {errc::material_not_open, 409, "material_not_open", "该材料当前不可上传", "This material cannot be changed now"},
    {errc::document_not_available, 409, "document_not_available", "办件尚未办理到这一步，暂无此文书",
     "The application has not reached the step that produces this document"},
    {errc::imaging_busy, 503, "imaging_busy", "照片处理繁忙，请稍后再试", "Photo processing is busy; try again shortly"},
    {errc::storage_full, 503, "storage_full", "服务器存储空间已满，本次内容未保存，请稍后再试",
     "The server's storage is full; nothing was saved. Try again later"},
    {errc::database_unavailable, 503, "database_unavailable", "服务暂时不可用，请稍后再试", "The service is temporarily unavailable; try again shortly"},
    {errc::pdf_failed, 500, "pdf_failed", "生成 PDF 失败", "Could not make the PDF"},
    {errc::documents_unavailable, 503, "documents_unavailable", "暂时无法生成文书，请联系大厅工作人员",
     "Documents cannot be produced now (the server has no CJK font); ask the hall's staff"},
    {errc::internal, 500, "internal", "服务器内部错误", "Internal server error"},
};

}  // namespace

std::size_t error_table_size() { return std::size(table); }

api_error to_api_error(const services::error& e) {
  for (auto& row : table) {
    if (row.code != e.code) continue;
    api_error out{row.status, row.wire_code, row.message, row.message_en, e.retry_after};
    if (e.rule) {  // a rule of identity/: its own code and text
      out.code = std::string(e.rule->code);
      out.message = std::string(e.rule->message);
      out.message_en = std::string(e.rule->message_en);
    }
    if (out.status == 429 || out.status == 503)
      out.retry_after = std::max(1, e.retry_after);
    return out;
  }
  return errors::internal();
}

}  // namespace hallpass::server::api
