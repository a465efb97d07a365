// Trusted-proxy networks: parsing CIDR lists (IPv4 and IPv6) and matching peer addresses.
#include <gtest/gtest.h>

#include "hallpass/server/api/client_address.hpp"

using namespace hallpass::server::api;

TEST(ClientAddress, ParsesCidrListsAndRefusesMalformedOnes) {
  EXPECT_EQ(parse_cidr_list("")->size(), 0u);
  EXPECT_EQ(parse_cidr_list("10.0.0.0/8, 192.168.1.1,2001:db8::/32 , ::1")->size(), 4u);
  for (auto bad : {"10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "10.0.0.0/8x", "::1/129", "proxy.example", "10.0.0.0/8,,"})
    EXPECT_FALSE(parse_cidr_list(bad)) << bad;
}

TEST(ClientAddress, MatchesAddressesInsideTheNetworks) {
  auto nets = *parse_cidr_list("10.0.0.0/8,172.16.0.0/12,2001:db8::/33,127.0.0.1");
  EXPECT_TRUE(in_networks("10.255.0.1", nets));
  EXPECT_TRUE(in_networks("172.31.255.255", nets));
  EXPECT_FALSE(in_networks("172.32.0.1", nets));
  EXPECT_TRUE(in_networks("127.0.0.1", nets));
  EXPECT_FALSE(in_networks("127.0.0.2", nets));
  EXPECT_TRUE(in_networks("::ffff:10.1.1.1", nets)) << "IPv4-mapped IPv6 is IPv4";
  EXPECT_TRUE(in_networks("2001:db8:7fff::1", nets));
  EXPECT_FALSE(in_networks("2001:db8:8000::1", nets));
  EXPECT_FALSE(in_networks("not an address", nets));
  EXPECT_TRUE(in_networks("::5", *parse_cidr_list("::/0")));
  EXPECT_FALSE(in_networks("10.0.0.1", *parse_cidr_list("::/0")));
}

TEST(ClientAddress, ForwardedHeadersCountOnlyFromATrustedPeer) {
  auto nets = *parse_cidr_list("10.0.0.0/8");
  hallpass::server::request req;
  req.remote_ip = "10.0.0.5";
  req.headers = {{"x-forwarded-for", "203.0.113.1, 198.51.100.7"}, {"x-forwarded-for", "10.0.0.9"},
                 {"x-forwarded-proto", "https"}};
  auto trusted = req;
  apply_forwarded_headers(trusted, nets);
  EXPECT_EQ(trusted.remote_ip, "198.51.100.7");
  EXPECT_TRUE(trusted.secure);

  auto untrusted = req;
  untrusted.remote_ip = "192.0.2.1";
  apply_forwarded_headers(untrusted, nets);
  EXPECT_EQ(untrusted.remote_ip, "192.0.2.1");
  EXPECT_FALSE(untrusted.secure);

  auto garbage = req;
  garbage.headers = {{"x-forwarded-for", "<script>, 10.0.0.7"}};
  apply_forwarded_headers(garbage, nets);
  EXPECT_EQ(garbage.remote_ip, "10.0.0.7") << "stops at an entry that is no address";
}
