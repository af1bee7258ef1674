/* SPDX-License-Identifier: MIT */
/*
 * test_net_ip.c — addresses for the egress: the class of each range at its
 * edges (the first and last address in, the neighbours out), the IPv4
 * carried inside IPv6 (mapped, compatible, NAT64, 6to4), literal parsing
 * (and the inet_aton forms that must not parse), formatting, socket
 * addresses as a caller hands them (short, odd families), equality and
 * unmapping.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/net_ip.h"
#include "policy/util.h"

static struct net_ip ip(const char *s)
{
	struct net_ip r;
	cr_assert_eq(net_ip_parse(s, &r), 0, "parse %s", s);
	return r;
}

struct class_case {
	const char *addr;
	enum net_ip_class cls;
};

static const struct class_case class_cases[] = {
	{ "0.0.0.0", NET_IP_UNSPECIFIED },
	{ "0.255.255.255", NET_IP_UNSPECIFIED },
	{ "1.0.0.0", NET_IP_PUBLIC },
	{ "8.8.8.8", NET_IP_PUBLIC },
	{ "9.255.255.255", NET_IP_PUBLIC },
	{ "10.0.0.0", NET_IP_PRIVATE },
	{ "10.255.255.255", NET_IP_PRIVATE },
	{ "11.0.0.0", NET_IP_PUBLIC },
	{ "100.63.255.255", NET_IP_PUBLIC },
	{ "100.64.0.0", NET_IP_PRIVATE },
	{ "100.127.255.255", NET_IP_PRIVATE },
	{ "100.128.0.0", NET_IP_PUBLIC },
	{ "126.255.255.255", NET_IP_PUBLIC },
	{ "127.0.0.1", NET_IP_LOOPBACK },
	{ "127.255.255.254", NET_IP_LOOPBACK },
	{ "128.0.0.0", NET_IP_PUBLIC },
	{ "169.253.255.255", NET_IP_PUBLIC },
	{ "169.254.0.0", NET_IP_LINK_LOCAL },
	{ "169.254.169.254", NET_IP_LINK_LOCAL },
	{ "169.255.0.0", NET_IP_PUBLIC },
	{ "172.15.255.255", NET_IP_PUBLIC },
	{ "172.16.0.0", NET_IP_PRIVATE },
	{ "172.31.255.255", NET_IP_PRIVATE },
	{ "172.32.0.0", NET_IP_PUBLIC },
	{ "191.255.255.255", NET_IP_PUBLIC },
	{ "192.0.0.0", NET_IP_RESERVED },
	{ "192.0.0.255", NET_IP_RESERVED },
	{ "192.0.1.0", NET_IP_PUBLIC },
	{ "192.0.2.0", NET_IP_RESERVED },
	{ "192.0.2.255", NET_IP_RESERVED },
	{ "192.0.3.0", NET_IP_PUBLIC },
	{ "192.167.255.255", NET_IP_PUBLIC },
	{ "192.168.0.0", NET_IP_PRIVATE },
	{ "192.168.255.255", NET_IP_PRIVATE },
	{ "192.169.0.0", NET_IP_PUBLIC },
	{ "198.17.255.255", NET_IP_PUBLIC },
	{ "198.18.0.0", NET_IP_RESERVED },
	{ "198.19.255.255", NET_IP_RESERVED },
	{ "198.20.0.0", NET_IP_PUBLIC },
	{ "198.51.99.255", NET_IP_PUBLIC },
	{ "198.51.100.0", NET_IP_RESERVED },
	{ "198.51.100.255", NET_IP_RESERVED },
	{ "198.51.101.0", NET_IP_PUBLIC },
	{ "203.0.112.255", NET_IP_PUBLIC },
	{ "203.0.113.0", NET_IP_RESERVED },
	{ "203.0.113.255", NET_IP_RESERVED },
	{ "203.0.114.0", NET_IP_PUBLIC },
	{ "223.255.255.255", NET_IP_PUBLIC },
	{ "224.0.0.0", NET_IP_MULTICAST },
	{ "239.255.255.255", NET_IP_MULTICAST },
	{ "240.0.0.0", NET_IP_RESERVED },
	{ "255.255.255.254", NET_IP_RESERVED },
	{ "255.255.255.255", NET_IP_MULTICAST },
	/* IPv6 */
	{ "::", NET_IP_UNSPECIFIED },
	{ "::1", NET_IP_LOOPBACK },
	{ "::2", NET_IP_UNSPECIFIED }, /* compat ::0.0.0.2: in 0.0.0.0/8 */
	{ "2606:4700::1111", NET_IP_PUBLIC },
	{ "2001:4860:4860::8888", NET_IP_PUBLIC },
	{ "fbff:ffff::", NET_IP_PUBLIC },
	{ "fc00::", NET_IP_PRIVATE },
	{ "fd12:3456::1", NET_IP_PRIVATE },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NET_IP_PRIVATE },
	{ "fe00::", NET_IP_PUBLIC },
	{ "fe7f:ffff::", NET_IP_PUBLIC },
	{ "fe80::", NET_IP_LINK_LOCAL },
	{ "fe80::1", NET_IP_LINK_LOCAL },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NET_IP_LINK_LOCAL },
	{ "fec0::", NET_IP_PRIVATE },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NET_IP_PRIVATE },
	{ "ff00::", NET_IP_MULTICAST },
	{ "ff02::1", NET_IP_MULTICAST },
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NET_IP_PUBLIC },
	{ "2001:db8::", NET_IP_RESERVED },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", NET_IP_RESERVED },
	{ "2001:db9::", NET_IP_PUBLIC },
	/* IPv4-mapped */
	{ "::ffff:127.0.0.1", NET_IP_LOOPBACK },
	{ "::ffff:169.254.169.254", NET_IP_LINK_LOCAL },
	{ "::ffff:a9fe:a9fe", NET_IP_LINK_LOCAL },
	{ "::ffff:10.1.2.3", NET_IP_PRIVATE },
	{ "::ffff:0.0.0.0", NET_IP_UNSPECIFIED },
	{ "::ffff:8.8.8.8", NET_IP_PUBLIC },
	{ "::ffff:255.255.255.255", NET_IP_MULTICAST },
	/* ::fffe:/96 and ::1:ffff:0:0 are not mapped */
	{ "::fffe:7f00:1", NET_IP_PUBLIC },
	{ "::1:ffff:7f00:1", NET_IP_PUBLIC },
	/* IPv4-compatible */
	{ "::127.0.0.1", NET_IP_LOOPBACK },
	{ "::192.168.1.1", NET_IP_PRIVATE },
	{ "::8.8.8.8", NET_IP_PUBLIC },
	/* NAT64 */
	{ "64:ff9b::127.0.0.1", NET_IP_LOOPBACK },
	{ "64:ff9b::a9fe:a9fe", NET_IP_LINK_LOCAL },
	{ "64:ff9b::8.8.8.8", NET_IP_PUBLIC },
	{ "64:ff9b::224.0.0.1", NET_IP_MULTICAST },
	{ "64:ff9a::7f00:1", NET_IP_PUBLIC },
	/* 6to4: the IPv4 in bytes 2..5 */
	{ "2002:7f00:1::", NET_IP_LOOPBACK },
	{ "2002:a9fe:a9fe::1", NET_IP_LINK_LOCAL },
	{ "2002:c000:204::", NET_IP_RESERVED },
	{ "2002:808:808::1", NET_IP_PUBLIC },
	{ "2003:7f00:1::", NET_IP_PUBLIC },
};

static size_t class_index[ARRAY_SIZE(class_cases)];

ParameterizedTestParameters(net_ip, class)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_index); i++)
		class_index[i] = i;
	return cr_make_param_array(size_t, class_index, ARRAY_SIZE(class_index));
}

ParameterizedTest(size_t *i, net_ip, class)
{
	const struct class_case *tc = &class_cases[*i];
	struct net_ip a = ip(tc->addr);
	enum net_ip_class got = net_ip_class(&a);
	cr_assert_eq(got, tc->cls, "%s: %s, expected %s", tc->addr, net_ip_class_name(got),
		     net_ip_class_name(tc->cls));
}

Test(net_ip, class_unknown_family_fails_closed)
{
	struct net_ip a = { .family = AF_UNIX };
	cr_assert_eq(net_ip_class(&a), NET_IP_RESERVED);
}

Test(net_ip, class_names)
{
	static const enum net_ip_class all[] = {
		NET_IP_PUBLIC,	    NET_IP_LOOPBACK,  NET_IP_PRIVATE,  NET_IP_LINK_LOCAL,
		NET_IP_UNSPECIFIED, NET_IP_MULTICAST, NET_IP_RESERVED,
	};
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		const char *n = net_ip_class_name(all[i]);
		cr_assert(n && (!strncmp(n, "a ", 2) || !strncmp(n, "an ", 3)), "%d", (int)all[i]);
		for (size_t k = 0; k < i; k++)
			cr_assert_str_neq(n, net_ip_class_name(all[k]));
	}
	cr_assert_str_eq(net_ip_class_name(NET_IP_LINK_LOCAL), "a link-local address");
	cr_assert_not_null(net_ip_class_name((enum net_ip_class)99));
}

struct parse_case {
	const char *in;
	int family; /* 0: -EINVAL */
	const char *out;
};

static const struct parse_case parse_cases[] = {
	{ "192.0.2.1", AF_INET, "192.0.2.1" },
	{ "0.0.0.0", AF_INET, "0.0.0.0" },
	{ "255.255.255.255", AF_INET, "255.255.255.255" },
	{ "2001:db8::1", AF_INET6, "2001:db8::1" },
	{ "[2001:db8::1]", AF_INET6, "2001:db8::1" },
	{ "2001:DB8:0:0:0:0:0:1", AF_INET6, "2001:db8::1" },
	{ "::", AF_INET6, "::" },
	{ "[::1]", AF_INET6, "::1" },
	{ "::ffff:1.2.3.4", AF_INET6, "::ffff:1.2.3.4" },
	{ "fe80::1", AF_INET6, "fe80::1" },
	/* names, not literals */
	{ "", 0, NULL },
	{ "example.com", 0, NULL },
	{ "localhost", 0, NULL },
	{ "1.2.3", 0, NULL },
	{ "1.2.3.4.5", 0, NULL },
	{ "256.0.0.1", 0, NULL },
	{ " 1.2.3.4", 0, NULL },
	{ "1.2.3.4 ", 0, NULL },
	/* inet_aton's forms: other parsers read them as 127.0.0.1 or 8.0.0.1 */
	{ "010.0.0.1", 0, NULL },
	{ "0x7f.0.0.1", 0, NULL },
	{ "0x7f000001", 0, NULL },
	{ "2130706433", 0, NULL },
	{ "127.1", 0, NULL },
	/* brackets around IPv6 only, and whole */
	{ "[1.2.3.4]", 0, NULL },
	{ "[]", 0, NULL },
	{ "[", 0, NULL },
	{ "[::1", 0, NULL },
	{ "::1]", 0, NULL },
	{ "[[::1]]", 0, NULL },
	{ "fe80::1%eth0", 0, NULL },
	{ "[fe80::1%25eth0]", 0, NULL },
	{ "1:2:3:4:5:6:7:8:9", 0, NULL },
	{ "::ffff:1.2.3.4.5", 0, NULL },
	{ "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000", 0, NULL },
	{ "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]", 0, NULL },
};

static size_t parse_index[ARRAY_SIZE(parse_cases)];

ParameterizedTestParameters(net_ip, parse)
{
	for (size_t i = 0; i < ARRAY_SIZE(parse_index); i++)
		parse_index[i] = i;
	return cr_make_param_array(size_t, parse_index, ARRAY_SIZE(parse_index));
}

ParameterizedTest(size_t *i, net_ip, parse)
{
	const struct parse_case *tc = &parse_cases[*i];
	struct net_ip a = { .family = -1 };
	char buf[INET6_ADDRSTRLEN];
	int r = net_ip_parse(tc->in, &a);
	if (!tc->family) {
		cr_assert_eq(r, -EINVAL, "\"%s\": %d", tc->in, r);
		cr_assert_eq(a.family, -1, "\"%s\": out-parameter written on error", tc->in);
		return;
	}
	cr_assert_eq(r, 0, "\"%s\": %d", tc->in, r);
	cr_assert_eq(a.family, tc->family, "\"%s\"", tc->in);
	net_ip_format(&a, buf, sizeof(buf));
	cr_assert_str_eq(buf, tc->out, "\"%s\"", tc->in);
}

Test(net_ip, parse_ipv4_clears_the_rest)
{
	struct net_ip a;
	memset(&a, 0xaa, sizeof(a));
	cr_assert_eq(net_ip_parse("1.2.3.4", &a), 0);
	for (size_t i = 4; i < 16; i++)
		cr_assert_eq(a.a[i], 0);
}

Test(net_ip, format_truncates_and_terminates)
{
	struct net_ip a = ip("2001:db8::1234");
	char buf[8];
	memset(buf, 'x', sizeof(buf));
	net_ip_format(&a, buf, 5);
	cr_assert_str_eq(buf, "2001");
	cr_assert_eq(buf[5], 'x', "no write past size");
	net_ip_format(&a, buf, 1);
	cr_assert_str_eq(buf, "");
	buf[0] = 'y';
	net_ip_format(&a, buf, 0);
	cr_assert_eq(buf[0], 'y', "size 0 writes nothing");

	struct net_ip bad = { .family = AF_UNIX };
	net_ip_format(&bad, buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
}

Test(net_ip, sockaddr_ipv4)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(443) };
	struct net_ip a = { 0 };
	uint16_t port = 0;
	inet_pton(AF_INET, "93.184.216.34", &in.sin_addr);
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&in, sizeof(in), &a, &port), 0);
	cr_assert_eq(a.family, AF_INET);
	cr_assert_eq(port, 443);
	struct net_ip want = ip("93.184.216.34");
	cr_assert(net_ip_equal(&a, &want));
	/* Too short for the family: the kernel would say EINVAL too. */
	a.family = -1;
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&in, sizeof(in) - 1, &a, &port),
		     -EINVAL);
	cr_assert_eq(a.family, -1);
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&in, 1, &a, &port), -EINVAL);
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&in, 0, &a, &port), -EINVAL);
}

Test(net_ip, sockaddr_ipv6)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(8443) };
	struct net_ip a = { 0 };
	uint16_t port = 0;
	inet_pton(AF_INET6, "::ffff:169.254.169.254", &in6.sin6_addr);
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&in6, sizeof(in6), &a, &port), 0);
	cr_assert_eq(a.family, AF_INET6);
	cr_assert_eq(port, 8443);
	cr_assert_eq(net_ip_class(&a), NET_IP_LINK_LOCAL);

	/*
	 * The RFC 2133 length (24: no scope id) is what the kernel takes, and
	 * a caller's buffer may end there: read no further (ASan checks).
	 */
	size_t l24 = offsetof(struct sockaddr_in6, sin6_scope_id);
	uint8_t *exact = malloc(l24);
	cr_assert_not_null(exact);
	memcpy(exact, &in6, l24);
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)exact, l24, &a, &port), 0);
	cr_assert_eq(port, 8443);
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)exact, l24 - 1, &a, &port), -EINVAL);
	free(exact);
}

Test(net_ip, sockaddr_unaligned)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80) };
	uint8_t raw[sizeof(in) + 1];
	struct net_ip a;
	uint16_t port;
	in.sin_addr.s_addr = htonl(0x7f000001);
	memcpy(raw + 1, &in, sizeof(in));
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)(raw + 1), sizeof(in), &a, &port), 0);
	cr_assert_eq(port, 80);
	cr_assert_eq(net_ip_class(&a), NET_IP_LOOPBACK);
}

Test(net_ip, sockaddr_other_families)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNIX };
	struct net_ip a;
	uint16_t port;
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&ss, sizeof(ss), &a, &port),
		     -EAFNOSUPPORT);
	ss.ss_family = AF_UNSPEC;
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&ss, sizeof(ss), &a, &port),
		     -EAFNOSUPPORT);
	ss.ss_family = AF_NETLINK;
	cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&ss, 2, &a, &port), -EAFNOSUPPORT);
}

Test(net_ip, to_sockaddr_round_trip)
{
	static const char *const addrs[] = { "10.1.2.3", "2001:db8::5", "::ffff:8.8.4.4" };
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		struct net_ip a = ip(addrs[i]), b;
		struct sockaddr_storage ss;
		uint16_t port;
		socklen_t len = net_ip_to_sockaddr(&a, 53, &ss);
		cr_assert_eq(len, a.family == AF_INET ? sizeof(struct sockaddr_in)
						      : sizeof(struct sockaddr_in6));
		cr_assert_eq(ss.ss_family, a.family);
		cr_assert_eq(net_ip_from_sockaddr((struct sockaddr *)&ss, len, &b, &port), 0);
		cr_assert_eq(port, 53);
		cr_assert(net_ip_equal(&a, &b), "%s", addrs[i]);
	}
	struct net_ip bad = { .family = AF_UNIX };
	struct sockaddr_storage ss;
	cr_assert_eq(net_ip_to_sockaddr(&bad, 1, &ss), 0);
}

Test(net_ip, equal)
{
	struct net_ip v4 = ip("1.2.3.4"), mapped = ip("::ffff:1.2.3.4");
	cr_assert(net_ip_equal(&v4, &v4));
	cr_assert_not(net_ip_equal(&v4, &mapped), "a mapped IPv4 is not the IPv4");
	struct net_ip other = ip("1.2.3.5");
	cr_assert_not(net_ip_equal(&v4, &other));
	struct net_ip six = ip("2001:db8::1"), six2 = ip("2001:db8:0::1"), six3 = ip("2001:db8::2");
	cr_assert(net_ip_equal(&six, &six2));
	cr_assert_not(net_ip_equal(&six, &six3));
}

Test(net_ip, unmap)
{
	struct net_ip mapped = ip("::ffff:169.254.169.254"), v4 = ip("169.254.169.254");
	struct net_ip u = net_ip_unmap(&mapped);
	cr_assert_eq(u.family, AF_INET);
	cr_assert(net_ip_equal(&u, &v4));
	for (size_t i = 4; i < 16; i++)
		cr_assert_eq(u.a[i], 0);

	static const char *const unchanged[] = { "1.2.3.4", "::1.2.3.4", "64:ff9b::1.2.3.4",
						 "2001:db8::1", "::fffe:1.2.3.4" };
	for (size_t i = 0; i < ARRAY_SIZE(unchanged); i++) {
		struct net_ip a = ip(unchanged[i]), b = net_ip_unmap(&a);
		cr_assert(net_ip_equal(&a, &b), "%s", unchanged[i]);
	}
}
