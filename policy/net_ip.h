/* SPDX-License-Identifier: MIT */
/*
 * net_ip.h — IP addresses for the egress: one type for IPv4 and IPv6,
 * conversion from and to socket addresses, and the class of an address
 * (loopback, private, link-local, ...), which decides whether allow_net
 * may reach it. Pure: no I/O, no allocation.
 */
#ifndef AIGATE_NET_IP_H
#define AIGATE_NET_IP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address: AF_INET (the first 4 bytes of @a) or AF_INET6 (16 bytes). */
struct net_ip {
	int family;
	uint8_t a[16];
};

enum net_ip_class {
	NET_IP_PUBLIC,
	NET_IP_LOOPBACK,    /* 127.0.0.0/8, ::1 */
	NET_IP_PRIVATE,	    /* 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7 */
	NET_IP_LINK_LOCAL,  /* 169.254/16 (cloud metadata), fe80::/10 */
	NET_IP_UNSPECIFIED, /* 0.0.0.0/8, :: */
	NET_IP_MULTICAST,   /* 224/4, ff00::/8, 255.255.255.255 */
	NET_IP_RESERVED,    /* 240/4, 192.0.0/24, 198.18/15, documentation ranges, ... */
};

/**
 * net_ip_class() - the class of @ip. IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * IPv6 addresses are classified by the IPv4 address they carry: otherwise
 * ::ffff:169.254.169.254 would pass as a public IPv6 address. An address
 * of neither family is NET_IP_RESERVED (never public).
 */
enum net_ip_class net_ip_class(const struct net_ip *ip);

/** net_ip_class_name() - "a loopback address", "a private address", ... for messages. */
const char *net_ip_class_name(enum net_ip_class c);

/**
 * net_ip_from_sockaddr() - the address and port (host order) of @sa
 * (@len bytes, as a caller passed it). 0, or -EAFNOSUPPORT (not
 * AF_INET/AF_INET6), -EINVAL (@len too short for the family).
 */
int net_ip_from_sockaddr(const struct sockaddr *sa, size_t len, struct net_ip *ret_ip,
			 uint16_t *ret_port);

/**
 * net_ip_to_sockaddr() - fill @ss with @ip:@port; returns the length to
 * pass to connect (0: @ip is of neither family).
 */
socklen_t net_ip_to_sockaddr(const struct net_ip *ip, uint16_t port, struct sockaddr_storage *ss);

/**
 * net_ip_parse() - a literal address: "192.0.2.1", "2001:db8::1" or
 * "[2001:db8::1]". 0 or -EINVAL (not a literal: a name). Dotted-quad only:
 * the inet_aton() forms ("127.1", "0x7f.0.0.1", "010.0.0.1", "2130706433")
 * and IPv6 zones ("fe80::1%eth0") are not literals here.
 */
int net_ip_parse(const char *s, struct net_ip *ret);

/** net_ip_format() - the address as text (no brackets); always NUL-terminates. */
void net_ip_format(const struct net_ip *ip, char *buf, size_t size);

/** net_ip_equal() - same family and address (a mapped IPv4 is not equal to the IPv4). */
bool net_ip_equal(const struct net_ip *x, const struct net_ip *y);

/** net_ip_unmap() - ::ffff:a.b.c.d as the AF_INET a.b.c.d; any other address unchanged. */
struct net_ip net_ip_unmap(const struct net_ip *ip);

#endif
