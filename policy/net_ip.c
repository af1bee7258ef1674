/* SPDX-License-Identifier: MIT */
/*
 * net_ip.c — see net_ip.h. The class of an address is what allow_net's
 * "no private networks" rule rests on, so every form that carries an IPv4
 * address inside an IPv6 one is unwrapped first: a sandbox that cannot
 * reach 169.254.169.254 must not reach it as ::ffff:169.254.169.254,
 * 64:ff9b::a9fe:a9fe or 2002:a9fe:a9fe:: either. Text conversion is
 * inet_pton()/inet_ntop(): no locale, no allocation, and glibc's
 * inet_pton() refuses the inet_aton() forms ("010.0.0.1", "0x7f.1",
 * "2130706433") that other parsers read as different addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "policy/net_ip.h"

/* @a/@bits covers @p (both IPv4, network order). */
static bool in4(const uint8_t p[4], uint8_t a, uint8_t b, uint8_t c, unsigned bits)
{
	uint32_t x = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	uint32_t net = (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8;
	uint32_t mask = bits ? ~(uint32_t)0 << (32 - bits) : 0;
	return (x & mask) == (net & mask);
}

static enum net_ip_class class4(const uint8_t p[4])
{
	if (in4(p, 0, 0, 0, 8))
		return NET_IP_UNSPECIFIED;
	if (in4(p, 127, 0, 0, 8))
		return NET_IP_LOOPBACK;
	if (in4(p, 10, 0, 0, 8) || in4(p, 172, 16, 0, 12) || in4(p, 192, 168, 0, 16) ||
	    in4(p, 100, 64, 0, 10))
		return NET_IP_PRIVATE;
	/* 169.254.169.254 is the cloud metadata service: credentials. */
	if (in4(p, 169, 254, 0, 16))
		return NET_IP_LINK_LOCAL;
	if (in4(p, 224, 0, 0, 4) || (p[0] == 255 && p[1] == 255 && p[2] == 255 && p[3] == 255))
		return NET_IP_MULTICAST;
	/* IETF protocol assignments, TEST-NET-1/2/3, benchmarking, class E. */
	if (in4(p, 192, 0, 0, 24) || in4(p, 192, 0, 2, 24) || in4(p, 198, 18, 0, 15) ||
	    in4(p, 198, 51, 100, 24) || in4(p, 203, 0, 113, 24) || in4(p, 240, 0, 0, 4))
		return NET_IP_RESERVED;
	return NET_IP_PUBLIC;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * The IPv4 address an IPv6 address carries, if any: a connection to it
 * reaches that IPv4 host (through the kernel's dual stack, a NAT64 gateway
 * or a 6to4 relay), so it is judged as that host.
 */
static const uint8_t *embedded4(const uint8_t a[16])
{
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	if (all_zero(a, 10) && a[10] == 0xff && a[11] == 0xff)
		return a + 12; /* ::ffff:0:0/96, IPv4-mapped */
	if (all_zero(a, 12)) {
		/* ::/96, IPv4-compatible (deprecated); :: and ::1 are themselves. */
		if (all_zero(a + 12, 3) && a[15] <= 1)
			return NULL;
		return a + 12;
	}
	if (!memcmp(a, nat64, sizeof(nat64)))
		return a + 12; /* 64:ff9b::/96, NAT64 (RFC 6052) */
	if (a[0] == 0x20 && a[1] == 0x02)
		return a + 2; /* 2002::/16, 6to4 (RFC 3056) */
	return NULL;
}

enum net_ip_class net_ip_class(const struct net_ip *ip)
{
	const uint8_t *a = ip->a;

	if (ip->family == AF_INET)
		return class4(a);
	/* Neither family: nothing we can judge is reachable; fail closed. */
	if (ip->family != AF_INET6)
		return NET_IP_RESERVED;

	const uint8_t *v4 = embedded4(a);
	if (v4)
		return class4(v4);
	if (all_zero(a, 16))
		return NET_IP_UNSPECIFIED;
	if (all_zero(a, 15) && a[15] == 1)
		return NET_IP_LOOPBACK;
	if ((a[0] & 0xfe) == 0xfc) /* fc00::/7, unique local */
		return NET_IP_PRIVATE;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) /* fe80::/10 */
		return NET_IP_LINK_LOCAL;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) /* fec0::/10, site-local: deprecated, private */
		return NET_IP_PRIVATE;
	if (a[0] == 0xff)
		return NET_IP_MULTICAST;
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) /* 2001:db8::/32 */
		return NET_IP_RESERVED;
	return NET_IP_PUBLIC;
}

const char *net_ip_class_name(enum net_ip_class c)
{
	switch (c) {
	case NET_IP_PUBLIC:
		return "a public address";
	case NET_IP_LOOPBACK:
		return "a loopback address";
	case NET_IP_PRIVATE:
		return "a private address";
	case NET_IP_LINK_LOCAL:
		return "a link-local address";
	case NET_IP_UNSPECIFIED:
		return "an unspecified address";
	case NET_IP_MULTICAST:
		return "a multicast or broadcast address";
	case NET_IP_RESERVED:
		return "a reserved address";
	default:
		return "an address of unknown class";
	}
}

int net_ip_from_sockaddr(const struct sockaddr *sa, size_t len, struct net_ip *ret_ip,
			 uint16_t *ret_port)
{
	sa_family_t family;

	if (len < sizeof(family))
		return -EINVAL;
	/* memcpy: @sa may be a byte buffer read from the sandbox, of any alignment. */
	memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(family));
	if (family == AF_INET) {
		struct sockaddr_in in;
		/* The kernel refuses a shorter sockaddr_in with EINVAL (tcp_v4_connect). */
		if (len < sizeof(in))
			return -EINVAL;
		memcpy(&in, sa, sizeof(in));
		memset(ret_ip, 0, sizeof(*ret_ip));
		ret_ip->family = AF_INET;
		memcpy(ret_ip->a, &in.sin_addr, 4);
		*ret_port = ntohs(in.sin_port);
		return 0;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 in6;
		/*
		 * The kernel takes the RFC 2133 length (no sin6_scope_id, 24
		 * bytes): read only what the caller passed, the rest is zero.
		 */
		if (len < offsetof(struct sockaddr_in6, sin6_scope_id))
			return -EINVAL;
		memset(&in6, 0, sizeof(in6));
		memcpy(&in6, sa, len < sizeof(in6) ? len : sizeof(in6));
		memset(ret_ip, 0, sizeof(*ret_ip));
		ret_ip->family = AF_INET6;
		memcpy(ret_ip->a, &in6.sin6_addr, 16);
		*ret_port = ntohs(in6.sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

socklen_t net_ip_to_sockaddr(const struct net_ip *ip, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, ip->a, 4);
		return sizeof(*in);
	}
	if (ip->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, ip->a, 16);
		return sizeof(*in6);
	}
	return 0;
}

int net_ip_parse(const char *s, struct net_ip *ret)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	struct net_ip ip = { 0 };
	size_t n = strnlen(s, sizeof(tmp) + 2);

	if (s[0] == '[') {
		/* Brackets only around IPv6, as in a URL's authority. */
		if (n < 3 || n - 2 >= sizeof(tmp) || s[n - 1] != ']')
			return -EINVAL;
		memcpy(tmp, s + 1, n - 2);
		tmp[n - 2] = '\0';
		if (inet_pton(AF_INET6, tmp, ip.a) != 1)
			return -EINVAL;
		ip.family = AF_INET6;
	} else if (n > INET6_ADDRSTRLEN) {
		return -EINVAL;
	} else if (inet_pton(AF_INET, s, ip.a) == 1) {
		ip.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, ip.a) == 1) {
		ip.family = AF_INET6;
	} else {
		return -EINVAL;
	}
	*ret = ip;
	return 0;
}

void net_ip_format(const struct net_ip *ip, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];
	size_t n;

	if (!size)
		return;
	if ((ip->family != AF_INET && ip->family != AF_INET6) ||
	    !inet_ntop(ip->family, ip->a, tmp, sizeof(tmp)))
		tmp[0] = '\0';
	n = strlen(tmp);
	if (n >= size)
		n = size - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}

bool net_ip_equal(const struct net_ip *x, const struct net_ip *y)
{
	if (x->family != y->family)
		return false;
	return !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

struct net_ip net_ip_unmap(const struct net_ip *ip)
{
	struct net_ip r = *ip;

	if (ip->family == AF_INET6 && all_zero(ip->a, 10) && ip->a[10] == 0xff &&
	    ip->a[11] == 0xff) {
		memset(&r, 0, sizeof(r));
		r.family = AF_INET;
		memcpy(r.a, ip->a + 12, 4);
	}
	return r;
}
