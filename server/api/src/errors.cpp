#include "hallpass/server/api/api_error.hpp"

namespace hallpass::server::api::errors {

api_error bad_request(std::string code, std::string message, std::string message_en) {
  return {400, std::move(code), std::move(message), std::move(message_en)};
}
api_error malformed_json() { return bad_request("malformed_json", "请求内容不是有效的 JSON 对象", "The request body is not a valid JSON object"); }
api_error unknown_field(const std::string& f) {
  return bad_request("unknown_field", "不支持的字段：" + f, "Unknown field: " + f);
}
api_error missing_field(const std::string& f) {
  return bad_request("missing_field", "缺少字段或类型不对：" + f, "Missing or mistyped field: " + f);
}
api_error json_required() {
  return {415, "unsupported_media_type", "请求内容类型必须是 application/json", "The request body must be sent as application/json"};
}
api_error not_found() { return {404, "not_found", "未找到", "Not found"}; }
api_error route_not_found() { return {404, "route_not_found", "没有这个接口", "No such endpoint"}; }
api_error method_not_allowed() { return {405, "method_not_allowed", "该接口不支持此请求方法", "Method not allowed on this endpoint"}; }
api_error payload_too_large() {
  return {413, "payload_too_large", "请求内容过大", "The request body is too large"};
}
api_error request_timeout() {
  return {408, "request_timeout", "网络太慢，请求未能按时传完，请在网络较好的地方重试",
          "The request did not arrive in time; try again on a better connection"};
}
api_error server_busy() {
  return {503, "server_busy", "服务器繁忙，请稍后重试", "The server is busy; try again shortly", 5};
}
api_error rate_limited(int retry_after) {
  return {429, "rate_limited", "操作过于频繁，请稍后再试", "Too many requests; try again later", retry_after};
}
api_error database_unavailable() {
  return {503, "database_unavailable", "服务暂时不可用，请稍后再试", "The service is temporarily unavailable; try again shortly", 5};
}
api_error storage_full() {
  return {503, "storage_full", "服务器存储空间已满，本次内容未保存，请稍后再试",
          "The server's storage is full; nothing was saved. Try again later", 60};
}
api_error internal() { return {500, "internal_error", "服务器内部错误", "Internal server error"}; }

}  // namespace hallpass::server::api::errors
