/* SPDX-License-Identifier: MIT */
/*
 * netmatch.c — allow_net: the syntax of a rule and the question the egress
 * asks of the compiled policy, "may the sandbox reach this host on this
 * port?". Pure: no allocation, no locale (an ASCII-only case fold; in a
 * Turkish locale tolower('I') is not 'i'), no printing. The DNS stub, the
 * HTTP/SOCKS proxy and the supervisor's trapped connect() all ask here, so
 * a name means the same thing to every enforcer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "policy/blob.h"
#include "policy/policy_internal.h"

#define NET_HOST_MAX  253 /* RFC 1035: a name in text form, without its trailing dot */
#define NET_LABEL_MAX 63

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ascii_caseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

/*
 * A dotted-quad IPv4 address, strictly: four decimal numbers 0..255 with no
 * leading zeros. inet_aton() would also take "127.1", "0x7f.0.0.1" and
 * "010.0.0.1" (octal: 8.0.0.1); a rule or a host in any of those forms is
 * refused rather than read one way here and another by the resolver.
 */
static bool parse_ipv4(const char *s, size_t len)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0, nd = 0;
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		while (i < len && is_digit(s[i]) && nd < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			nd++;
			i++;
		}
		if (nd == 0 || nd > 3 || v > 255 || (nd > 1 && s[i - nd] == '0'))
			return false;
	}
	return i == len;
}

/* True when the last label of @s (@len bytes, no trailing dot) is all digits. */
static bool last_label_numeric(const char *s, size_t len)
{
	size_t i = len;
	while (i > 0 && s[i - 1] != '.')
		i--;
	if (i == len)
		return false;
	for (; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* A port as written in a rule: 1..65535, decimal digits, no sign, no leading zero. */
static bool parse_port(const char *s, uint16_t *ret)
{
	unsigned v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*ret = (uint16_t)v;
	return true;
}

int policy_net_rule_parse(const char *text, struct policy_net_rule *ret, const char **ret_why,
			  const char **ret_bad)
{
	struct policy_net_rule r = { 0 };
	const char *colon = strchr(text, ':');
	size_t label = 0;

	*ret_bad = NULL;
	if (strchr(text, '/')) {
		*ret_why = "write a bare name such as api.github.com, no scheme or path";
		return -EINVAL;
	}
	/* Two colons or a bracket can only be IPv6, which the egress does not judge by rule yet. */
	if (text[0] == '[' || (colon && strchr(colon + 1, ':'))) {
		*ret_why = "IPv6 literals are not supported in allow_net yet; use a name";
		return -EINVAL;
	}
	r.host = text;
	r.host_len = colon ? (size_t)(colon - text) : strlen(text);
	if (colon && !parse_port(colon + 1, &r.port)) {
		*ret_why = "bad port (write a number from 1 to 65535 after the ':')";
		return -EINVAL;
	}
	if (r.host_len == 1 && text[0] == '*') {
		*ret_why =
			"'*' alone would admit every host: list the domains, or remove allow_net "
			"for the host network";
		return -EINVAL;
	}
	if (r.host_len >= 2 && text[0] == '*' && text[1] == '.') {
		r.wildcard = true;
		r.host += 2;
		r.host_len -= 2;
		if (r.host_len == 0) {
			*ret_why = "nothing after '*.'";
			return -EINVAL;
		}
	}
	if (r.host_len == 0 || r.host_len > NET_HOST_MAX) {
		*ret_why = "empty or longer than 253 bytes";
		return -EINVAL;
	}
	for (size_t i = 0; i < r.host_len; i++) {
		char c = r.host[i];
		if (c == '.') {
			if (label == 0) {
				*ret_why = "empty label";
				return -EINVAL;
			}
			label = 0;
			continue;
		}
		if (c == '*') {
			*ret_why = "'*' may only start a rule, as in *.example.com";
			return -EINVAL;
		}
		if (!is_ldh(c)) {
			*ret_why =
				"unexpected character (write a bare name such as api.github.com, "
				"no scheme or path)";
			*ret_bad = r.host + i;
			return -EINVAL;
		}
		if (++label > NET_LABEL_MAX) {
			*ret_why = "label over 63 bytes";
			return -EINVAL;
		}
	}
	/* The names the egress is asked about lose their trailing dot; a rule must not need one. */
	if (label == 0) {
		*ret_why = "ends with '.' (write the name without the trailing dot)";
		return -EINVAL;
	}
	/*
	 * No top-level domain is all digits, so a rule ending in a number is an
	 * address: it must be one the resolver and we read the same way.
	 */
	if (last_label_numeric(r.host, r.host_len)) {
		if (!parse_ipv4(r.host, r.host_len)) {
			*ret_why = "not a name (a name cannot end in a number) nor an IPv4 address "
				   "(four numbers 0-255 without leading zeros, as in 10.1.2.3)";
			return -EINVAL;
		}
		if (r.wildcard) {
			*ret_why = "'*.' cannot precede an IPv4 address";
			return -EINVAL;
		}
		r.ipv4 = true;
	}
	*ret = r;
	return 0;
}

/*
 * @host as the rules see it: a name (one trailing dot dropped, letters,
 * digits, '-' and '_' in labels of 1..63 bytes) or a dotted-quad IPv4
 * address; an IPv4-mapped IPv6 address becomes the IPv4 address inside,
 * the destination it really is. Other IPv6 addresses have no rules to
 * match yet. Returns the length of the host in @buf or -1.
 */
static int host_normalize(const char *host, char buf[NET_HOST_MAX + 1])
{
	size_t len = strnlen(host, NET_HOST_MAX + 2), label = 0;

	if (len == 0 || len > NET_HOST_MAX + 1)
		return -1;
	if (memchr(host, ':', len)) {
		struct in6_addr a6;
		if (!inet_pton(AF_INET6, host, &a6) || !IN6_IS_ADDR_V4MAPPED(&a6))
			return -1;
		/* Dotted quad by hand: nothing locale-aware or allocating on this path. */
		size_t n = 0;
		for (int i = 12; i < 16; i++) {
			unsigned v = a6.s6_addr[i];
			if (i > 12)
				buf[n++] = '.';
			if (v >= 100)
				buf[n++] = (char)('0' + v / 100);
			if (v >= 10)
				buf[n++] = (char)('0' + v / 10 % 10);
			buf[n++] = (char)('0' + v % 10);
		}
		buf[n] = '\0';
		return (int)n;
	}
	bool trailing_dot = len > 1 && host[len - 1] == '.';
	if (trailing_dot)
		len--;
	if (len > NET_HOST_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = host[i];
		/* '_' is not in hostnames, but it is in DNS names people reach (_acme...). */
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (!(is_ldh(c) || c == '_') || ++label > NET_LABEL_MAX) {
			return -1;
		}
		buf[i] = c;
	}
	if (label == 0)
		return -1;
	/* "127.1", "0x7f.0.0.1", "10.1.2.3.": the resolver may read these as addresses. */
	if (last_label_numeric(host, len) && (trailing_dot || !parse_ipv4(host, len)))
		return -1;
	buf[len] = '\0';
	return (int)len;
}

static bool port_admitted(uint16_t rule_port, uint16_t port)
{
	if (port == 0)
		return true;
	if (rule_port == 0)
		return port == 80 || port == 443;
	return port == rule_port;
}

static bool host_admitted(const struct policy_net_rule *r, const char *h, size_t hlen)
{
	if (!r->wildcard)
		return hlen == r->host_len && ascii_caseeq(h, r->host, hlen);
	/* Strictly below: "a.example.com", never "example.com" nor "evilexample.com". */
	return hlen > r->host_len + 1 && h[hlen - r->host_len - 1] == '.' &&
	       ascii_caseeq(h + hlen - r->host_len, r->host, r->host_len);
}

int policy_blob_match_net(const struct policy_blob *b, const char *host, uint16_t port)
{
	char h[NET_HOST_MAX + 1];
	uint32_t n = policy_blob_count(b, POLICY_BLOB_ALLOW_NET);
	int hlen;

	if (!host || n == 0)
		return -1;
	hlen = host_normalize(host, h);
	if (hlen < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const struct policy_blob_rule *br = policy_blob_rule(b, POLICY_BLOB_ALLOW_NET, i);
		struct policy_net_rule r;
		const char *why, *bad;
		/* policy_blob_open() refused any rule that does not parse; a NULL check is cheap. */
		if (!br ||
		    policy_net_rule_parse(policy_blob_str(b, br->text_off), &r, &why, &bad) < 0)
			continue;
		if (port_admitted(r.port, port) && host_admitted(&r, h, (size_t)hlen))
			return (int)i;
	}
	return -1;
}
