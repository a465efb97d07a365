// Answers serialized by hand into one buffer: Beast's serializer walks a view of a dozen buffers
// for every write, a tenth of what the server spends on a small answer.
#include <boost/beast/http/status.hpp>

#include <charconv>

#include "hallpass/server/net/http.hpp"

namespace hallpass::server {

namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  auto start = out.size();
  out.append(name).append(": ").append(value);
  for (auto i = start; i < out.size(); ++i)
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  out.append("\r\n");
}

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

// RFC 9110 §8.6: no Content-Length on 1xx and 204; a 304 keeps what its GET would have said,
// which this server does not know.
bool has_no_length(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

std::string wire_bytes(response&& r, std::string_view request_id, const wire_head& how) {
  std::string out;
  std::size_t headers_size = 0;
  for (auto& h : r.headers) headers_size += h.name.size() + h.value.size() + 4;
  out.reserve(160 + headers_size + (how.head_only ? 0 : r.body.size()));
  out.append(how.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(r.status));
  out.push_back(' ');
  out.append(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(r.status)));
  out.append("\r\n");
  if (!r.content_type.empty()) append_field(out, "Content-Type", r.content_type);
  append_field(out, "X-Request-Id", request_id);
  for (auto& h : r.headers) append_field(out, h.name, h.value);
  if (how.hsts) out.append("Strict-Transport-Security: max-age=31536000\r\n");
  // HTTP/1.1 keeps a connection unless told; HTTP/1.0 closes it unless told.
  if (how.version == 10 && how.keep_alive && !how.until_close) out.append("Connection: keep-alive\r\n");
  if (how.version != 10 && (!how.keep_alive || how.until_close)) out.append("Connection: close\r\n");
  if (!how.until_close && !has_no_length(r.status)) {
    out.append("Content-Length: ");
    append_number(out, r.body.size());
    out.append("\r\n");
  }
  out.append("\r\n");
  if (!how.head_only) out.append(r.body);
  return out;
}

}  // namespace hallpass::server
