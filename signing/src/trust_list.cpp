// The signed trust list: the hall's public keys as JSON, signed by one of its live keys.
#include "p256.hpp"

#include "hallpass/signing/document_code.hpp"

#include <boost/json.hpp>

#include <limits>
#include <set>
#include <stdexcept>

namespace hallpass::signing {
namespace {

namespace json = boost::json;

constexpr std::string_view b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(b64url[(v >> shift) & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(b64url[(v >> 18) & 63]);
    out.push_back(b64url[(v >> 12) & 63]);
    if (rest == 2) out.push_back(b64url[(v >> 6) & 63]);
  }
  return out;
}

// Canonical unpadded base64url only: no padding, no other characters, no stray low bits.
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const auto d = b64url.find(c);
    if (d == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<std::int64_t> integer(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

std::optional<std::uint32_t> key_id_of(const json::value* v) {
  auto n = integer(v);
  if (!n || *n < 0 || *n > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(*n);
}

const trusted_key* find_key(const trust_list& list, std::uint32_t id) {
  for (const auto& k : list.keys)
    if (k.key_id == id) return &k;
  return nullptr;
}

// Every key a well-formed P-256 public key, key ids unique, at least one key.
bool keys_ok(const trust_list& list) {
  if (list.issuer.empty() || list.keys.empty()) return false;
  std::set<std::uint32_t> ids;
  for (const auto& k : list.keys)
    if (!ids.insert(k.key_id).second || !detail::is_p256_public_pem(k.public_pem)) return false;
  return true;
}

std::string serialize_list(const trust_list& list) {
  json::array keys;
  for (const auto& k : list.keys) {
    json::object o;
    o["key_id"] = k.key_id;
    o["public_pem"] = k.public_pem;
    o["created_at"] = k.created_at;
    if (k.retired_at) o["retired_at"] = *k.retired_at;
    else o["retired_at"] = nullptr;
    keys.push_back(std::move(o));
  }
  json::object o;
  o["issuer"] = list.issuer;
  o["issued_at"] = list.issued_at;
  o["keys"] = std::move(keys);
  return json::serialize(o);
}

std::optional<trust_list> read_list(std::string_view text) {
  json::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto& o = doc.get_object();
  trust_list list;
  const auto* issuer = o.if_contains("issuer");
  const auto issued_at = integer(o.if_contains("issued_at"));
  const auto* keys = o.if_contains("keys");
  if (issuer == nullptr || !issuer->is_string() || !issued_at || keys == nullptr || !keys->is_array())
    return std::nullopt;
  list.issuer = issuer->get_string();
  list.issued_at = *issued_at;
  for (const auto& kv : keys->get_array()) {
    if (!kv.is_object()) return std::nullopt;
    const auto& ko = kv.get_object();
    trusted_key k;
    const auto id = key_id_of(ko.if_contains("key_id"));
    const auto* pem = ko.if_contains("public_pem");
    const auto created = integer(ko.if_contains("created_at"));
    if (!id || pem == nullptr || !pem->is_string() || !created) return std::nullopt;
    k.key_id = *id;
    k.public_pem = pem->get_string();
    k.created_at = *created;
    if (const auto* retired = ko.if_contains("retired_at"); retired != nullptr && !retired->is_null()) {
      const auto at = integer(retired);
      if (!at) return std::nullopt;
      k.retired_at = *at;
    }
    list.keys.push_back(std::move(k));
  }
  if (!keys_ok(list)) return std::nullopt;
  return list;
}

}  // namespace

std::string trust_list_json(const trust_list& list, std::uint32_t signer_key_id, std::string_view signer_private_pem) {
  if (!keys_ok(list))
    throw std::invalid_argument("trust list: needs an issuer and P-256 public keys with distinct ids");
  const auto* signer = find_key(list, signer_key_id);
  if (signer == nullptr || signer->retired_at)
    throw std::invalid_argument("trust list: the signer must be a live key of the list");
  const auto text = serialize_list(list);
  const auto signature = p256_sign(signer_private_pem, text);
  if (!p256_verify(signer->public_pem, text, signature))
    throw std::invalid_argument("trust list: the private key is not the signer's");
  json::object doc;
  doc["list"] = text;
  doc["signed_by"] = signer_key_id;
  doc["signature"] = base64url_encode(signature);
  return json::serialize(doc);
}

std::optional<trust_list> parse_trust_list(std::string_view text, const trust_list* trusted) {
  json::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto& o = doc.get_object();
  const auto* list_text = o.if_contains("list");
  const auto signer_id = key_id_of(o.if_contains("signed_by"));
  const auto* signature_text = o.if_contains("signature");
  if (list_text == nullptr || !list_text->is_string() || !signer_id || signature_text == nullptr ||
      !signature_text->is_string())
    return std::nullopt;
  const auto signature = base64url_decode(signature_text->get_string());
  if (!signature || signature->size() != signature_size) return std::nullopt;
  const std::string_view signed_text = list_text->get_string();
  auto list = read_list(signed_text);
  if (!list) return std::nullopt;

  const trust_list& authority = trusted != nullptr ? *trusted : *list;
  const auto* signer = find_key(authority, *signer_id);
  if (signer == nullptr || signer->retired_at) return std::nullopt;
  if (!p256_verify(signer->public_pem, signed_text, *signature)) return std::nullopt;
  if (trusted != nullptr && (list->issuer != trusted->issuer || list->issued_at < trusted->issued_at))
    return std::nullopt;
  return list;
}

}  // namespace hallpass::signing
