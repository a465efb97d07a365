#pragma once
// The client's own address and scheme behind a load balancer: X-Forwarded-For and
// X-Forwarded-Proto are believed only from peers inside the trusted-proxies networks.
#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "hallpass/server/net/http.hpp"

namespace hallpass::server::api {

// An IPv4 or IPv6 network ("10.0.0.0/8", "2001:db8::/32"; a bare address is a /32 or /128).
struct cidr {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};  // IPv4 in the first 4
  int prefix = 0;
};

std::optional<cidr> parse_cidr(std::string_view text);
// Comma-separated networks (spaces allowed); nullopt when one of them is malformed.
std::optional<std::vector<cidr>> parse_cidr_list(std::string_view text);
// Whether the address (IPv4-mapped IPv6 counts as IPv4) lies in one of the networks.
bool in_networks(std::string_view address, const std::vector<cidr>& networks);

// When the peer is a trusted proxy: req.remote_ip becomes the right-most X-Forwarded-For
// address that is not itself a trusted proxy, and req.secure follows X-Forwarded-Proto.
// Otherwise both headers are ignored.
void apply_forwarded_headers(request& req, const std::vector<cidr>& trusted_proxies);

}  // namespace hallpass::server::api
