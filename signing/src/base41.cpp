// Base 41 over the URL-safe QR alphanumeric characters, and the document URL that carries it.
#include "hallpass/signing/document_code.hpp"

namespace hallpass::signing {
namespace {

constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-:";
static_assert(alphabet.size() == 41);

int digit_of(char c) {
  const auto at = alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view without_trailing_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

constexpr std::string_view document_path = "/V/";

}  // namespace

std::string base41_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / 2 * 3 + 2);
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    unsigned v = static_cast<unsigned char>(bytes[i]) * 256u + static_cast<unsigned char>(bytes[i + 1]);
    for (int k = 0; k < 3; ++k, v /= 41) out.push_back(alphabet[v % 41]);
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]);
    out.push_back(alphabet[v % 41]);
    out.push_back(alphabet[v / 41]);
  }
  return out;
}

std::optional<std::string> base41_decode(std::string_view text) {
  if (text.size() % 3 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 3 * 2 + 1);
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    const int a = digit_of(text[i]), b = digit_of(text[i + 1]), c = digit_of(text[i + 2]);
    if (a < 0 || b < 0 || c < 0) return std::nullopt;
    const unsigned v = static_cast<unsigned>(a + b * 41 + c * 41 * 41);
    if (v > 0xffff) return std::nullopt;
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xff));
  }
  if (i < text.size()) {  // two characters left: one byte
    const int a = digit_of(text[i]), b = digit_of(text[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    const unsigned v = static_cast<unsigned>(a + b * 41);
    if (v > 0xff) return std::nullopt;
    out.push_back(static_cast<char>(v));
  }
  return out;
}

std::string document_url(std::string_view base_url, std::string_view payload) {
  std::string out;
  for (char c : without_trailing_slash(base_url)) out.push_back(upper(c));
  out.append(document_path);
  out.append(base41_encode(payload));
  return out;
}

std::optional<std::string> payload_of_url(std::string_view url, std::string_view base_url) {
  base_url = without_trailing_slash(base_url);
  if (base_url.empty() || url.size() < base_url.size() + document_path.size()) return std::nullopt;
  if (!iequal(url.substr(0, base_url.size()), base_url)) return std::nullopt;
  url.remove_prefix(base_url.size());
  if (!iequal(url.substr(0, document_path.size()), document_path)) return std::nullopt;
  url.remove_prefix(document_path.size());
  if (url.empty()) return std::nullopt;
  return base41_decode(url);
}

}  // namespace hallpass::signing
