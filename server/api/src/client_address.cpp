#include "hallpass/server/api/client_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <string>

namespace hallpass::server::api {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The address as a network of its full length; IPv4-mapped IPv6 becomes IPv4.
std::optional<cidr> parse_address(std::string_view text) {
  std::string s(text);
  cidr out;
  if (inet_pton(AF_INET, s.c_str(), out.bytes.data()) == 1) {
    out.prefix = 32;
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(out.bytes.data(), mapped, 12) == 0) {
    std::memmove(out.bytes.data(), out.bytes.data() + 12, 4);
    std::memset(out.bytes.data() + 4, 0, 12);
    out.prefix = 32;
    return out;
  }
  out.v6 = true;
  out.prefix = 128;
  return out;
}

bool contains(const cidr& net, const cidr& addr) {
  if (net.v6 != addr.v6) return false;
  int full = net.prefix / 8, rest = net.prefix % 8;
  if (std::memcmp(net.bytes.data(), addr.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (net.bytes[full] & mask) == (addr.bytes[full] & mask);
}

}  // namespace

std::optional<cidr> parse_cidr(std::string_view text) {
  text = trim(text);
  auto slash = text.find('/');
  auto net = parse_address(text.substr(0, slash));
  if (!net) return std::nullopt;
  if (slash == std::string_view::npos) return net;
  auto bits = text.substr(slash + 1);
  int prefix = -1;
  auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (ec != std::errc() || p != bits.data() + bits.size() || bits.empty() || prefix < 0 || prefix > net->prefix)
    return std::nullopt;
  net->prefix = prefix;
  return net;
}

std::optional<std::vector<cidr>> parse_cidr_list(std::string_view text) {
  std::vector<cidr> out;
  while (!trim(text).empty()) {
    auto comma = text.find(',');
    auto one = parse_cidr(text.substr(0, comma));
    if (!one) return std::nullopt;
    out.push_back(*one);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

bool in_networks(std::string_view address, const std::vector<cidr>& networks) {
  auto a = parse_address(trim(address));
  if (!a) return false;
  for (auto& n : networks)
    if (contains(n, *a)) return true;
  return false;
}

void apply_forwarded_headers(request& req, const std::vector<cidr>& trusted_proxies) {
  if (trusted_proxies.empty() || !in_networks(req.remote_ip, trusted_proxies)) return;
  // Every X-Forwarded-For field, in order, as one list; walked from the right (our side).
  std::vector<std::string_view> hops;
  for (auto& h : req.headers) {
    if (h.name != "x-forwarded-for") continue;
    std::string_view list = h.value;
    while (!list.empty()) {
      auto comma = list.find(',');
      hops.push_back(trim(list.substr(0, comma)));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!parse_address(*it)) break;  // garbage: keep the last address a trusted proxy vouched for
    req.remote_ip = std::string(*it);
    if (!in_networks(*it, trusted_proxies)) break;
  }
  if (auto proto = req.header_value("x-forwarded-proto")) {
    auto comma = proto->rfind(',');  // the value of the proxy nearest to us
    auto last = trim(comma == std::string_view::npos ? *proto : proto->substr(comma + 1));
    if (last == "https") req.secure = true;
    else if (last == "http") req.secure = false;
  }
}

}  // namespace hallpass::server::api
