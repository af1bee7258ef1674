/* SPDX-License-Identifier: MIT */
/*
 * test_dns_msg.c — the stub resolver's messages: queries built and parsed
 * back, malformed queries (a table), the stub's own replies (read back with
 * the answer parser), and upstream answers written by hand the way real
 * resolvers shape them: compression, CNAME chains (in and out of order,
 * loops, too long), records for names we did not ask about, wrong ids,
 * hostile pointers, and every truncation and many mutations of a valid
 * answer (meant for ASan+UBSan).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/dns_msg.h"
#include "policy/util.h"

/* A message under construction. */
struct mb {
	uint8_t b[DNS_MSG_MAX + 16];
	size_t n;
};

static void mb_u8(struct mb *m, unsigned v)
{
	cr_assert_lt(m->n, sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void mb_u16(struct mb *m, unsigned v)
{
	mb_u8(m, v >> 8 & 0xff);
	mb_u8(m, v & 0xff);
}

static void mb_u32(struct mb *m, uint32_t v)
{
	mb_u16(m, v >> 16);
	mb_u16(m, v & 0xffff);
}

static void mb_header(struct mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an,
		      unsigned ns, unsigned ar)
{
	m->n = 0;
	mb_u16(m, id);
	mb_u16(m, flags);
	mb_u16(m, qd);
	mb_u16(m, an);
	mb_u16(m, ns);
	mb_u16(m, ar);
}

/*
 * The labels of @dotted ("" writes none), then a pointer to @ptr or, if 0,
 * the root. Returns where the name starts.
 */
static size_t mb_name_to(struct mb *m, const char *dotted, size_t ptr)
{
	size_t start = m->n;
	const char *p = dotted;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		mb_u8(m, (unsigned)l);
		for (size_t i = 0; i < l; i++)
			mb_u8(m, (uint8_t)p[i]);
		p += l + (dot ? 1 : 0);
	}
	if (ptr)
		mb_u16(m, 0xc000 | (unsigned)ptr);
	else
		mb_u8(m, 0);
	return start;
}

static size_t mb_name(struct mb *m, const char *dotted)
{
	return mb_name_to(m, dotted, 0);
}

static void mb_question(struct mb *m, const char *name, unsigned qtype)
{
	mb_name(m, name);
	mb_u16(m, qtype);
	mb_u16(m, DNS_CLASS_IN);
}

/* Type, class, TTL, and a placeholder RDLENGTH: returns its offset for mb_rr_end(). */
static size_t mb_rr(struct mb *m, unsigned type, unsigned class, uint32_t ttl)
{
	mb_u16(m, type);
	mb_u16(m, class);
	mb_u32(m, ttl);
	size_t at = m->n;
	mb_u16(m, 0);
	return at;
}

static void mb_rr_end(struct mb *m, size_t at)
{
	size_t len = m->n - at - 2;
	m->b[at] = (uint8_t)(len >> 8);
	m->b[at + 1] = (uint8_t)len;
}

static void mb_a(struct mb *m, const char *addr, uint32_t ttl)
{
	uint8_t a[4];
	cr_assert_eq(inet_pton(AF_INET, addr, a), 1);
	size_t at = mb_rr(m, DNS_TYPE_A, DNS_CLASS_IN, ttl);
	for (size_t i = 0; i < 4; i++)
		mb_u8(m, a[i]);
	mb_rr_end(m, at);
}

static void mb_aaaa(struct mb *m, const char *addr, uint32_t ttl)
{
	uint8_t a[16];
	cr_assert_eq(inet_pton(AF_INET6, addr, a), 1);
	size_t at = mb_rr(m, DNS_TYPE_AAAA, DNS_CLASS_IN, ttl);
	for (size_t i = 0; i < 16; i++)
		mb_u8(m, a[i]);
	mb_rr_end(m, at);
}

static void assert_addr(const struct net_ip *ip, const char *want)
{
	char buf[64];
	net_ip_format(ip, buf, sizeof(buf));
	cr_assert_str_eq(buf, want);
}

#define RESPONSE 0x8180 /* QR, RD, RA, NOERROR */

/* ---- queries ---- */

Test(dns_msg, query_round_trip)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = dns_build_query(0xbeef, "WWW.Example.COM.", DNS_TYPE_AAAA, buf, sizeof(buf));
	static const uint8_t want[] = { 0xbe, 0xef, 0x01, 0x00, 0,   1,	  0,   0,   0,	 0,   0,
					0,    3,    'w',  'w',	'w', 7,	  'e', 'x', 'a', 'm', 'p',
					'l',  'e',  3,	  'c',	'o', 'm', 0,   0,   28,	 0,   1 };
	cr_assert_eq(n, sizeof(want));
	cr_assert_arr_eq(buf, want, sizeof(want));
	cr_assert_eq(dns_parse_query(buf, n, &q), 0);
	cr_assert_eq(q.id, 0xbeef);
	cr_assert(q.rd);
	cr_assert_eq(q.opcode, 0);
	cr_assert_str_eq(q.name, "www.example.com");
	cr_assert_eq(q.qtype, DNS_TYPE_AAAA);
	cr_assert_eq(q.qclass, DNS_CLASS_IN);
}

Test(dns_msg, query_root_and_underscore)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = dns_build_query(1, "", DNS_TYPE_A, buf, sizeof(buf));
	cr_assert_eq(n, 17);
	cr_assert_eq(dns_parse_query(buf, n, &q), 0);
	cr_assert_str_eq(q.name, "");
	cr_assert_eq(dns_build_query(1, ".", DNS_TYPE_A, buf, sizeof(buf)), 17);
	n = dns_build_query(2, "_dmarc.Example-1.org", 16, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(dns_parse_query(buf, n, &q), 0);
	cr_assert_str_eq(q.name, "_dmarc.example-1.org");
	cr_assert_eq(q.qtype, 16);
}

static char long_name[300];

/* Labels of 63 bytes joined to @total bytes of text. */
static const char *name_of_len(size_t total)
{
	size_t i = 0;
	cr_assert_lt(total, sizeof(long_name));
	while (i < total) {
		long_name[i] = (i % 64 == 63) ? '.' : 'a';
		i++;
	}
	long_name[total] = '\0';
	return long_name;
}

Test(dns_msg, build_query_bad_names)
{
	static const char *const bad[] = {
		"..", "a..b", ".a", "a..", "a b", "a*b", "a/b", "é.com", "a\tb", "a.b:53",
	};
	uint8_t buf[512];
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(dns_build_query(1, bad[i], DNS_TYPE_A, buf, sizeof(buf)), 0, "%s",
			     bad[i]);
	char label64[66];
	memset(label64, 'x', 64);
	label64[64] = '\0';
	cr_assert_eq(dns_build_query(1, label64, DNS_TYPE_A, buf, sizeof(buf)), 0);
	label64[63] = '\0';
	cr_assert_gt(dns_build_query(1, label64, DNS_TYPE_A, buf, sizeof(buf)), 0);

	/* 253 bytes of text is the most; with its trailing dot, 254. */
	const char *n253 = name_of_len(253);
	cr_assert_eq(n253[252], 'a');
	cr_assert_eq(dns_build_query(1, n253, DNS_TYPE_A, buf, sizeof(buf)), 12 + 255 + 4);
	struct dns_query q;
	cr_assert_eq(dns_parse_query(buf, 12 + 255 + 4, &q), 0);
	cr_assert_eq(strlen(q.name), 253);
	char with_dot[300];
	snprintf(with_dot, sizeof(with_dot), "%s.", n253);
	cr_assert_eq(dns_build_query(1, with_dot, DNS_TYPE_A, buf, sizeof(buf)), 12 + 255 + 4);
	cr_assert_eq(dns_build_query(1, name_of_len(254), DNS_TYPE_A, buf, sizeof(buf)), 0);
	cr_assert_eq(dns_build_query(1, name_of_len(290), DNS_TYPE_A, buf, sizeof(buf)), 0);
}

Test(dns_msg, build_query_every_short_buffer)
{
	uint8_t buf[64];
	size_t full = dns_build_query(7, "example.org", DNS_TYPE_A, buf, sizeof(buf));
	cr_assert_eq(full, 12 + 13 + 4);
	for (size_t sz = 0; sz < full; sz++) {
		uint8_t small[64];
		memset(small, 0xee, sizeof(small));
		cr_assert_eq(dns_build_query(7, "example.org", DNS_TYPE_A, small, sz), 0, "%zu",
			     sz);
		for (size_t k = sz; k < sizeof(small); k++)
			cr_assert_eq(small[k], 0xee, "size %zu: wrote byte %zu", sz, k);
	}
	cr_assert_eq(dns_build_query(7, "example.org", DNS_TYPE_A, buf, full), full);
}

struct query_case {
	const char *what;
	const uint8_t *msg;
	size_t len;
	int ret;
};

#define Q(what, ret, ...)                                                                         \
	{                                                                                         \
		what, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), \
			ret                                                                       \
	}
#define HDR(flags, qd, an, ns, ar) \
	0x12, 0x34, (flags) >> 8, (flags)&0xff, 0, qd, 0, an, 0, ns, 0, ar
#define QNAME 3, 'f', 'o', 'o', 3, 'c', 'o', 'm', 0
#define QTAIL 0, 1, 0, 1

static const struct query_case query_cases[] = {
	Q("plain", 0, HDR(0x0100, 1, 0, 0, 0), QNAME, QTAIL),
	Q("no RD", 0, HDR(0x0000, 1, 0, 0, 0), QNAME, QTAIL),
	Q("AD and CD bits", 0, HDR(0x0130, 1, 0, 0, 0), QNAME, QTAIL),
	Q("EDNS OPT", 0, HDR(0x0100, 1, 0, 0, 1), QNAME, QTAIL, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0,
	  0),
	Q("EDNS OPT with a cookie", 0, HDR(0x0100, 1, 0, 0, 1), QNAME, QTAIL, 0, 0, 41, 0x04, 0xd0,
	  0, 0, 0, 0, 0, 12, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8),
	Q("header only", -EBADMSG, HDR(0x0100, 1, 0, 0, 0)),
	Q("short header", -EBADMSG, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0),
	Q("a response", -EBADMSG, HDR(0x8100, 1, 0, 0, 0), QNAME, QTAIL),
	Q("no question", -EBADMSG, HDR(0x0100, 0, 0, 0, 0)),
	Q("two questions", -EBADMSG, HDR(0x0100, 2, 0, 0, 0), QNAME, QTAIL, QNAME, QTAIL),
	Q("an answer", -EBADMSG, HDR(0x0100, 1, 1, 0, 0), QNAME, QTAIL),
	Q("an authority", -EBADMSG, HDR(0x0100, 1, 0, 1, 0), QNAME, QTAIL),
	Q("two additional", -EBADMSG, HDR(0x0100, 1, 0, 0, 2), QNAME, QTAIL),
	Q("additional not OPT", -EBADMSG, HDR(0x0100, 1, 0, 0, 1), QNAME, QTAIL, 0, 0, 1, 0, 1, 0,
	  0, 0, 0, 0, 0),
	Q("OPT not at the root", -EBADMSG, HDR(0x0100, 1, 0, 0, 1), QNAME, QTAIL, 1, 'a', 0, 0, 41,
	  0x10, 0, 0, 0, 0, 0, 0, 0),
	Q("OPT RDATA past the end", -EBADMSG, HDR(0x0100, 1, 0, 0, 1), QNAME, QTAIL, 0, 0, 41, 0x10,
	  0, 0, 0, 0, 0, 0, 4, 0, 0),
	Q("OPT cut", -EBADMSG, HDR(0x0100, 1, 0, 0, 1), QNAME, QTAIL, 0, 0, 41, 0x10, 0),
	Q("trailing byte", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), QNAME, QTAIL, 0),
	Q("compressed name", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), 3, 'f', 'o', 'o', 0xc0, 12, QTAIL),
	Q("label type 0x40", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), 0x41, 'a', 0, QTAIL),
	Q("label past the end", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), 9, 'f', 'o', 'o'),
	Q("no root label", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), 3, 'f', 'o', 'o'),
	Q("no type", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), QNAME, 0, 1, 0),
	Q("dot inside a label", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), 7, 'f', 'o', 'o', '.', 'c', 'o',
	  'm', 0, QTAIL),
	Q("NUL inside a label", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), 3, 'f', 0, 'o', 0, QTAIL),
	Q("space inside a label", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), 3, 'f', ' ', 'o', 0, QTAIL),
	Q("high byte inside a label", -EBADMSG, HDR(0x0100, 1, 0, 0, 0), 3, 'f', 0xc3, 0xa9, 0,
	  QTAIL),
	Q("opcode IQUERY", -EOPNOTSUPP, HDR(0x0900, 1, 0, 0, 0), QNAME, QTAIL),
	Q("opcode STATUS", -EOPNOTSUPP, HDR(0x1000, 1, 0, 0, 0), QNAME, QTAIL),
	Q("opcode UPDATE, with prerequisites", -EOPNOTSUPP, HDR(0x2800, 1, 1, 0, 0), QNAME, QTAIL,
	  0xc0, 12, 0, 1, 0, 0xff, 0, 0, 0, 0, 0, 0),
	Q("opcode NOTIFY without a question", -EBADMSG, HDR(0x2000, 0, 0, 0, 0)),
};

static size_t query_index[ARRAY_SIZE(query_cases)];

ParameterizedTestParameters(dns_msg, parse_query)
{
	for (size_t i = 0; i < ARRAY_SIZE(query_index); i++)
		query_index[i] = i;
	return cr_make_param_array(size_t, query_index, ARRAY_SIZE(query_index));
}

ParameterizedTest(size_t *i, dns_msg, parse_query)
{
	const struct query_case *tc = &query_cases[*i];
	struct dns_query q;
	memset(&q, 0x5a, sizeof(q));
	int r = dns_parse_query(tc->msg, tc->len, &q);
	cr_assert_eq(r, tc->ret, "%s: %d, expected %d", tc->what, r, tc->ret);
	if (r == -EBADMSG) {
		cr_assert_eq(q.id, 0x5a5a, "%s: out-parameter written on error", tc->what);
		return;
	}
	cr_assert_eq(q.id, 0x1234, "%s", tc->what);
	cr_assert_str_eq(q.name, "foo.com", "%s", tc->what);
	cr_assert_eq(q.qtype, DNS_TYPE_A, "%s", tc->what);
	cr_assert_eq(q.qclass, DNS_CLASS_IN, "%s", tc->what);
	cr_assert_eq(q.opcode, (tc->msg[2] >> 3) & 0xf, "%s", tc->what);
}

Test(dns_msg, parse_query_every_prefix)
{
	static const uint8_t msg[] = {
		HDR(0x0100, 1, 0, 0, 1), QNAME, QTAIL, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0
	};
	struct dns_query q;
	cr_assert_eq(dns_parse_query(msg, sizeof(msg), &q), 0);
	for (size_t len = 0; len < sizeof(msg); len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, msg, len);
		cr_assert_eq(dns_parse_query(copy, len, &q), -EBADMSG, "prefix %zu", len);
		free(copy);
	}
}

Test(dns_msg, parse_query_too_long)
{
	static uint8_t msg[DNS_MSG_MAX + 1];
	static const uint8_t head[] = {
		HDR(0x0100, 1, 0, 0, 1), QNAME, QTAIL, 0, 0, 41, 0x10, 0, 0, 0, 0, 0
	};
	struct dns_query q;
	size_t pad = DNS_MSG_MAX - sizeof(head) - 2;
	memcpy(msg, head, sizeof(head));
	msg[sizeof(head)] = (uint8_t)(pad >> 8);
	msg[sizeof(head) + 1] = (uint8_t)pad;
	cr_assert_eq(dns_parse_query(msg, DNS_MSG_MAX, &q), 0, "EDNS padding to the limit");
	msg[sizeof(head)] = (uint8_t)((pad + 1) >> 8);
	msg[sizeof(head) + 1] = (uint8_t)(pad + 1);
	cr_assert_eq(dns_parse_query(msg, DNS_MSG_MAX + 1, &q), -EBADMSG);
}

/* ---- the stub's replies ---- */

static struct dns_query query_for(const char *name, uint16_t qtype)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = dns_build_query(0x4242, name, qtype, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(dns_parse_query(buf, n, &q), 0);
	return q;
}

static struct net_ip addr(const char *s)
{
	struct net_ip ip;
	cr_assert_eq(net_ip_parse(s, &ip), 0);
	return ip;
}

Test(dns_msg, reply_a_read_back)
{
	struct dns_query q = query_for("api.example.com", DNS_TYPE_A);
	struct net_ip addrs[] = { addr("192.0.2.1"), addr("2001:db8::1"), addr("192.0.2.2") };
	uint8_t buf[512];
	struct dns_answer a;
	size_t n = dns_build_reply(&q, DNS_RCODE_NOERROR, addrs, 3, 300, buf, sizeof(buf));
	cr_assert_eq(n, 12 + 17 + 4 + 2 * 16);
	cr_assert_eq(buf[2], 0x81, "QR, RD");
	cr_assert_eq(buf[3], 0x80, "RA, NOERROR");
	cr_assert_eq(buf[5], 1, "QDCOUNT");
	cr_assert_eq(buf[7], 2, "ANCOUNT: the IPv6 address skipped");
	cr_assert_eq(dns_parse_answer(buf, n, 0x4242, "api.example.com", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.rcode, 0);
	cr_assert_not(a.truncated);
	cr_assert_eq(a.naddrs, 2);
	assert_addr(&a.addrs[0], "192.0.2.1");
	assert_addr(&a.addrs[1], "192.0.2.2");
	cr_assert_eq(a.ttl, 300);
}

Test(dns_msg, reply_aaaa_read_back)
{
	struct dns_query q = query_for("v6.example.com", DNS_TYPE_AAAA);
	struct net_ip addrs[] = { addr("192.0.2.1"), addr("2001:db8::1") };
	uint8_t buf[512];
	struct dns_answer a;
	size_t n = dns_build_reply(&q, DNS_RCODE_NOERROR, addrs, 2, 0xffffffff, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(buf[7], 1);
	cr_assert_eq(dns_parse_answer(buf, n, 0x4242, "v6.example.com", DNS_TYPE_AAAA, &a), 0);
	cr_assert_eq(a.naddrs, 1);
	assert_addr(&a.addrs[0], "2001:db8::1");
	cr_assert_eq(a.ttl, 0x7fffffff, "a TTL is never sent above 2^31 - 1");
}

Test(dns_msg, reply_nodata_nxdomain_refused)
{
	struct dns_query q = query_for("example.com", DNS_TYPE_AAAA);
	struct net_ip v4 = addr("192.0.2.1");
	uint8_t buf[512];
	struct dns_answer a;
	/* NOERROR without an address of the type: NODATA. */
	size_t n = dns_build_reply(&q, DNS_RCODE_NOERROR, &v4, 1, 60, buf, sizeof(buf));
	cr_assert_eq(n, 12 + 13 + 4);
	cr_assert_eq(buf[3] & 0xf, 0);
	cr_assert_eq(buf[7], 0);
	cr_assert_eq(dns_parse_answer(buf, n, 0x4242, "example.com", DNS_TYPE_AAAA, &a), 0);
	cr_assert_eq(a.naddrs, 0);
	cr_assert_eq(a.ttl, 0);
	n = dns_build_reply(&q, DNS_RCODE_NOERROR, NULL, 0, 60, buf, sizeof(buf));
	cr_assert_eq(n, 12 + 13 + 4);

	/* Not NOERROR: no records, whatever addresses are passed. */
	q = query_for("example.com", DNS_TYPE_A);
	n = dns_build_reply(&q, DNS_RCODE_NXDOMAIN, &v4, 1, 60, buf, sizeof(buf));
	cr_assert_eq(n, 12 + 13 + 4);
	cr_assert_eq(buf[3], 0x83);
	cr_assert_eq(dns_parse_answer(buf, n, 0x4242, "example.com", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.rcode, DNS_RCODE_NXDOMAIN);
	cr_assert_eq(a.naddrs, 0);
	n = dns_build_reply(&q, DNS_RCODE_REFUSED, &v4, 1, 60, buf, sizeof(buf));
	cr_assert_eq(buf[3], 0x85);

	/* A type other than A/AAAA: NODATA. */
	q = query_for("example.com", 15);
	n = dns_build_reply(&q, DNS_RCODE_NOERROR, &v4, 1, 60, buf, sizeof(buf));
	cr_assert_eq(buf[7], 0);
}

Test(dns_msg, reply_echoes_id_rd_opcode)
{
	static const uint8_t iquery[] = { HDR(0x0800, 1, 0, 0, 0), QNAME, QTAIL };
	struct dns_query q;
	uint8_t buf[512];
	cr_assert_eq(dns_parse_query(iquery, sizeof(iquery), &q), -EOPNOTSUPP);
	size_t n = dns_build_reply(&q, DNS_RCODE_NOTIMP, NULL, 0, 0, buf, sizeof(buf));
	cr_assert_eq(n, sizeof(iquery));
	cr_assert_eq(buf[0], 0x12);
	cr_assert_eq(buf[1], 0x34);
	cr_assert_eq(buf[2], 0x88, "QR, opcode 1, no RD");
	cr_assert_eq(buf[3], 0x84, "RA, NOTIMP");
	cr_assert_arr_eq(buf + 12, iquery + 12, sizeof(iquery) - 12, "the question echoed");
}

Test(dns_msg, reply_every_short_buffer)
{
	struct dns_query q = query_for("example.com", DNS_TYPE_A);
	struct net_ip addrs[] = { addr("192.0.2.1"), addr("192.0.2.2") };
	uint8_t buf[128];
	size_t full = dns_build_reply(&q, 0, addrs, 2, 5, buf, sizeof(buf));
	cr_assert_eq(full, 12 + 13 + 4 + 32);
	for (size_t sz = 0; sz < full; sz++) {
		uint8_t small[128];
		memset(small, 0xee, sizeof(small));
		cr_assert_eq(dns_build_reply(&q, 0, addrs, 2, 5, small, sz), 0, "%zu", sz);
		for (size_t k = sz; k < sizeof(small); k++)
			cr_assert_eq(small[k], 0xee, "size %zu: wrote byte %zu", sz, k);
	}
}

Test(dns_msg, reply_many_addresses)
{
	struct dns_query q = query_for("many.example", DNS_TYPE_A);
	struct net_ip addrs[40];
	uint8_t buf[DNS_MSG_MAX];
	struct dns_answer a;
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		char s[32];
		snprintf(s, sizeof(s), "198.51.100.%zu", i);
		addrs[i] = addr(s);
	}
	size_t n = dns_build_reply(&q, 0, addrs, ARRAY_SIZE(addrs), 30, buf, sizeof(buf));
	cr_assert_eq(buf[7], 40);
	cr_assert_eq(dns_parse_answer(buf, n, 0x4242, "many.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, DNS_ANSWERS_MAX, "the first DNS_ANSWERS_MAX are kept");
	assert_addr(&a.addrs[15], "198.51.100.15");
}

/* ---- upstream answers ---- */

/*
 * www.example.com A, as a recursive resolver answers it: the question at
 * 12, "www.example.com CNAME cdn.example.net" with the owner compressed,
 * "cdn.example.net CNAME edge.cdn.example.net" (target compressed into the
 * previous RDATA), two A records of edge.cdn.example.net, and one record
 * for a name nobody asked about.
 */
static void answer_with_chain(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 6, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", 12);
	size_t at = mb_rr(m, DNS_TYPE_CNAME, DNS_CLASS_IN, 3600);
	size_t cdn = mb_name(m, "cdn.example.net");
	mb_rr_end(m, at);
	mb_name_to(m, "", cdn);
	at = mb_rr(m, DNS_TYPE_CNAME, DNS_CLASS_IN, 600);
	size_t edge = mb_name_to(m, "edge", cdn);
	mb_rr_end(m, at);
	mb_name_to(m, "", edge);
	mb_a(m, "93.184.216.34", 120);
	mb_name_to(m, "", edge);
	mb_a(m, "93.184.216.35", 90);
	/* The smuggled record: an address for another name. */
	mb_name(m, "bank.example.org");
	mb_a(m, "10.0.0.1", 5);
	/* An AAAA of the chain, not asked for. */
	mb_name_to(m, "", edge);
	mb_aaaa(m, "2001:db8::1", 1);
}

Test(dns_msg, answer_cname_chain_compressed)
{
	struct mb m;
	struct dns_answer a;
	answer_with_chain(&m);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 0xabcd, "www.example.com", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.rcode, 0);
	cr_assert_eq(a.naddrs, 2);
	assert_addr(&a.addrs[0], "93.184.216.34");
	assert_addr(&a.addrs[1], "93.184.216.35");
	cr_assert_eq(a.ttl, 90, "the smallest TTL used: not the ignored records' 5 and 1");
	/* The name as the caller may spell it. */
	cr_assert_eq(dns_parse_answer(m.b, m.n, 0xabcd, "WWW.Example.com.", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 2);
}

Test(dns_msg, answer_every_prefix)
{
	struct mb m;
	struct dns_answer a;
	answer_with_chain(&m);
	for (size_t len = 0; len < m.n; len++) {
		/* A copy of exactly @len bytes, so ASan sees any read past it. */
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, m.b, len);
		memset(&a, 0x5a, sizeof(a));
		int r = dns_parse_answer(copy, len, 0xabcd, "www.example.com", DNS_TYPE_A, &a);
		cr_assert_eq(r, -EBADMSG, "prefix %zu: %d", len, r);
		cr_assert_eq(a.naddrs, (size_t)0x5a5a5a5a5a5a5a5a, "prefix %zu: @ret written", len);
		free(copy);
	}
}

Test(dns_msg, answer_mutations)
{
	struct mb m;
	struct dns_answer a;
	static const uint8_t values[] = { 0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc1, 0xff };
	answer_with_chain(&m);
	for (size_t pos = 0; pos < m.n; pos++) {
		for (size_t v = 0; v < ARRAY_SIZE(values); v++) {
			uint8_t *copy = malloc(m.n);
			memcpy(copy, m.b, m.n);
			copy[pos] = values[v];
			int r = dns_parse_answer(copy, m.n, 0xabcd, "www.example.com", DNS_TYPE_A,
						 &a);
			cr_assert(r == 0 || r == -EBADMSG, "byte %zu = %#x: %d", pos, values[v], r);
			if (r == 0)
				cr_assert_leq(a.naddrs, DNS_ANSWERS_MAX);
			free(copy);
		}
	}
}

Test(dns_msg, answer_out_of_order_chain)
{
	struct mb m;
	struct dns_answer a;
	mb_header(&m, 1, RESPONSE, 1, 3, 0, 0);
	mb_question(&m, "a.example", DNS_TYPE_AAAA);
	mb_name(&m, "c.example");
	mb_aaaa(&m, "2001:db8::c", 50);
	mb_name(&m, "B.EXAMPLE");
	size_t at = mb_rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 40);
	mb_name(&m, "C.example");
	mb_rr_end(&m, at);
	mb_name(&m, "a.Example");
	at = mb_rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 30);
	mb_name(&m, "b.example");
	mb_rr_end(&m, at);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 1, "a.example", DNS_TYPE_AAAA, &a), 0);
	cr_assert_eq(a.naddrs, 1);
	assert_addr(&a.addrs[0], "2001:db8::c");
	cr_assert_eq(a.ttl, 30);
}

/* A chain a0 -> a1 -> ... -> a@links, and an A record at its end. */
static void answer_long_chain(struct mb *m, unsigned links)
{
	char owner[16], target[16];
	mb_header(m, 9, RESPONSE, 1, links + 1, 0, 0);
	mb_question(m, "a0.example", DNS_TYPE_A);
	for (unsigned i = 0; i < links; i++) {
		snprintf(owner, sizeof(owner), "a%u.example", i);
		snprintf(target, sizeof(target), "a%u.example", i + 1);
		mb_name(m, owner);
		size_t at = mb_rr(m, DNS_TYPE_CNAME, DNS_CLASS_IN, 100);
		mb_name(m, target);
		mb_rr_end(m, at);
	}
	snprintf(owner, sizeof(owner), "a%u.example", links);
	mb_name(m, owner);
	mb_a(m, "192.0.2.9", 100);
}

Test(dns_msg, answer_chain_limit)
{
	struct mb m;
	struct dns_answer a;
	answer_long_chain(&m, 8);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 9, "a0.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 1, "8 links are followed");
	answer_long_chain(&m, 9);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 9, "a0.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 0, "the 9th is not");
}

Test(dns_msg, answer_cname_loop)
{
	struct mb m;
	struct dns_answer a;
	mb_header(&m, 2, RESPONSE, 1, 3, 0, 0);
	mb_question(&m, "x.example", DNS_TYPE_A);
	mb_name(&m, "x.example");
	size_t at = mb_rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 10);
	mb_name(&m, "y.example");
	mb_rr_end(&m, at);
	mb_name(&m, "y.example");
	at = mb_rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 10);
	mb_name(&m, "x.example");
	mb_rr_end(&m, at);
	mb_name(&m, "y.example");
	mb_a(&m, "192.0.2.7", 10);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 2, "x.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 1);
	assert_addr(&a.addrs[0], "192.0.2.7");
}

Test(dns_msg, answer_only_other_names)
{
	struct mb m;
	struct dns_answer a;
	mb_header(&m, 3, RESPONSE, 1, 3, 0, 0);
	mb_question(&m, "allowed.example", DNS_TYPE_A);
	mb_name(&m, "evil.example");
	mb_a(&m, "169.254.169.254", 10);
	/* A name whose label holds a dot prints as "allowed.example" but is one label. */
	mb_u8(&m, 15);
	for (const char *p = "allowed.example"; *p; p++)
		mb_u8(&m, (uint8_t)*p);
	mb_u8(&m, 0);
	mb_a(&m, "10.0.0.2", 10);
	/* A CNAME owned by another name does not join the chain. */
	mb_name(&m, "other.example");
	size_t at = mb_rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 10);
	mb_name(&m, "allowed.example");
	mb_rr_end(&m, at);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 3, "allowed.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 0);
}

Test(dns_msg, answer_unprintable_cname_target)
{
	struct mb m;
	struct dns_answer a;
	mb_header(&m, 4, RESPONSE, 1, 3, 0, 0);
	mb_question(&m, "q.example", DNS_TYPE_A);
	mb_name(&m, "q.example");
	size_t at = mb_rr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 10);
	/* One label "x.example": printed, it would read as the name x.example. */
	mb_u8(&m, 9);
	for (const char *p = "x.example"; *p; p++)
		mb_u8(&m, (uint8_t)*p);
	mb_u8(&m, 0);
	mb_rr_end(&m, at);
	mb_name(&m, "x.example");
	mb_a(&m, "10.0.0.3", 10);
	mb_name(&m, "t\x01.example");
	mb_a(&m, "10.0.0.4", 10);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 4, "q.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 0, "a target we cannot print ends the chain");
}

Test(dns_msg, answer_flags_and_rcodes)
{
	struct mb m;
	struct dns_answer a;
	mb_header(&m, 5, RESPONSE | 0x0200, 1, 0, 0, 0);
	mb_question(&m, "big.example", DNS_TYPE_A);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 5, "big.example", DNS_TYPE_A, &a), 0);
	cr_assert(a.truncated);
	mb_header(&m, 5, RESPONSE | DNS_RCODE_NXDOMAIN, 1, 0, 1, 0);
	mb_question(&m, "nx.example", DNS_TYPE_A);
	mb_name(&m, "example");
	size_t at = mb_rr(&m, 6, DNS_CLASS_IN, 900); /* SOA, ignored */
	mb_name(&m, "ns.example");
	mb_name(&m, "host.example");
	for (int i = 0; i < 5; i++)
		mb_u32(&m, 1);
	mb_rr_end(&m, at);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 5, "nx.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.rcode, DNS_RCODE_NXDOMAIN);
	cr_assert_not(a.truncated);
	cr_assert_eq(a.naddrs, 0);
}

Test(dns_msg, answer_ttl_top_bit_is_zero)
{
	struct mb m;
	struct dns_answer a;
	mb_header(&m, 6, RESPONSE, 1, 2, 0, 0);
	mb_question(&m, "t.example", DNS_TYPE_A);
	mb_name_to(&m, "", 12);
	mb_a(&m, "192.0.2.1", 0x80000000u);
	mb_name_to(&m, "", 12);
	mb_a(&m, "192.0.2.2", 60);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 6, "t.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 2);
	cr_assert_eq(a.ttl, 0);
}

Test(dns_msg, answer_other_class_ignored)
{
	struct mb m;
	struct dns_answer a;
	mb_header(&m, 6, RESPONSE, 1, 1, 0, 0);
	mb_question(&m, "t.example", DNS_TYPE_A);
	mb_name_to(&m, "", 12);
	size_t at = mb_rr(&m, DNS_TYPE_A, 3 /* CH */, 60);
	mb_u32(&m, 0x0a000001);
	mb_rr_end(&m, at);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 6, "t.example", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 0);
}

struct bad_answer {
	const char *what;
	void (*build)(struct mb *m);
};

static void bad_id(struct mb *m)
{
	answer_with_chain(m);
	m->b[1] ^= 1;
}

static void bad_not_response(struct mb *m)
{
	answer_with_chain(m);
	m->b[2] &= 0x7f;
}

static void bad_opcode(struct mb *m)
{
	answer_with_chain(m);
	m->b[2] |= 0x08;
}

static void bad_other_question(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.org", DNS_TYPE_A);
	mb_name_to(m, "", 12);
	mb_a(m, "192.0.2.1", 1);
}

static void bad_question_type(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 0, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_AAAA);
}

static void bad_question_class(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 0, 0, 0);
	mb_name(m, "www.example.com");
	mb_u16(m, DNS_TYPE_A);
	mb_u16(m, 3);
}

static void bad_question_one_label(struct mb *m)
{
	/* One label "www.example.com": prints as our name, is not our name. */
	mb_header(m, 0xabcd, RESPONSE, 1, 0, 0, 0);
	mb_u8(m, 15);
	for (const char *p = "www.example.com"; *p; p++)
		mb_u8(m, (uint8_t)*p);
	mb_u8(m, 0);
	mb_u16(m, DNS_TYPE_A);
	mb_u16(m, DNS_CLASS_IN);
}

static void bad_no_question(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE | DNS_RCODE_SERVFAIL, 0, 0, 0, 0);
}

static void bad_two_questions(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 2, 0, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_question(m, "www.example.com", DNS_TYPE_A);
}

static void bad_forward_pointer(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", m->n + 12); /* to the A record's address */
	mb_a(m, "192.0.2.1", 1);
}

static void bad_self_pointer(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", m->n);
	mb_a(m, "192.0.2.1", 1);
}

static void bad_pointer_loop(struct mb *m)
{
	/* "x" then a pointer back to "x": x.x.x.x... */
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	size_t at = m->n;
	mb_name_to(m, "x", at);
	mb_a(m, "192.0.2.1", 1);
}

static void bad_pointer_into_header(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", 4);
	mb_a(m, "192.0.2.1", 1);
}

static void bad_pointer_in_question_to_header(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 0, 0, 0);
	mb_name_to(m, "www", 2);
	mb_u16(m, DNS_TYPE_A);
	mb_u16(m, DNS_CLASS_IN);
}

static void bad_a_length(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", 12);
	size_t at = mb_rr(m, DNS_TYPE_A, DNS_CLASS_IN, 1);
	mb_u32(m, 0xc0000201);
	mb_u8(m, 0);
	mb_rr_end(m, at);
}

static void bad_aaaa_length(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", 12);
	size_t at = mb_rr(m, DNS_TYPE_AAAA, DNS_CLASS_IN, 1);
	mb_u32(m, 0x20010db8);
	mb_rr_end(m, at);
}

static void bad_cname_rdlength(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", 12);
	size_t at = mb_rr(m, DNS_TYPE_CNAME, DNS_CLASS_IN, 1);
	mb_name(m, "cdn.example.net");
	mb_u8(m, 0); /* a byte more than the name */
	mb_rr_end(m, at);
}

static void bad_rdlength_past_end(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", 12);
	mb_a(m, "192.0.2.1", 1);
	m->b[m->n - 5] = 5;
}

static void bad_more_records_than_bytes(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 2, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	mb_name_to(m, "", 12);
	mb_a(m, "192.0.2.1", 1);
}

/*
 * Names to point at sit in the RDATA of a NULL record owned by
 * "pad.example": the answer parser never reads them as records.
 */
static size_t mb_pad_begin(struct mb *m)
{
	mb_name(m, "pad.example");
	return mb_rr(m, 10 /* NULL */, DNS_CLASS_IN, 1);
}

/* A chain of @k pointers, the first to @to, each next to the one before: returns the last. */
static size_t mb_pointer_chain(struct mb *m, size_t to, int k)
{
	size_t prev = to;
	for (int i = 0; i < k; i++) {
		size_t at = m->n;
		mb_name_to(m, "", prev);
		prev = at;
	}
	return prev;
}

static void bad_long_name(struct mb *m)
{
	/* 5 labels of 63 through pointers: 321 bytes of wire name. */
	mb_header(m, 0xabcd, RESPONSE, 1, 2, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	size_t at = mb_pad_begin(m);
	char label[64];
	memset(label, 'l', 63);
	label[63] = '\0';
	size_t prev = mb_name(m, label);
	for (int i = 0; i < 4; i++)
		prev = mb_name_to(m, label, prev);
	mb_rr_end(m, at);
	mb_name_to(m, "", prev);
	mb_a(m, "192.0.2.1", 1);
}

static void bad_too_many_pointers(struct mb *m)
{
	/* The owner points to the last of 32 chained pointers, the first to the question: 33 jumps. */
	mb_header(m, 0xabcd, RESPONSE, 1, 2, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	size_t at = mb_pad_begin(m);
	size_t last = mb_pointer_chain(m, 12, 32);
	mb_rr_end(m, at);
	mb_name_to(m, "", last);
	mb_a(m, "192.0.2.1", 1);
}

static void bad_long_message(struct mb *m)
{
	mb_header(m, 0xabcd, RESPONSE, 1, 0, 0, 0);
	mb_question(m, "www.example.com", DNS_TYPE_A);
	while (m->n <= DNS_MSG_MAX)
		mb_u8(m, 0);
}

static const struct bad_answer bad_answers[] = {
	{ "wrong id", bad_id },
	{ "QR clear", bad_not_response },
	{ "opcode", bad_opcode },
	{ "another question", bad_other_question },
	{ "another type", bad_question_type },
	{ "another class", bad_question_class },
	{ "question of one label with dots", bad_question_one_label },
	{ "no question", bad_no_question },
	{ "two questions", bad_two_questions },
	{ "forward pointer", bad_forward_pointer },
	{ "pointer to itself", bad_self_pointer },
	{ "pointer loop", bad_pointer_loop },
	{ "pointer into the header", bad_pointer_into_header },
	{ "question pointer into the header", bad_pointer_in_question_to_header },
	{ "A of 5 bytes", bad_a_length },
	{ "AAAA of 4 bytes", bad_aaaa_length },
	{ "CNAME RDLENGTH", bad_cname_rdlength },
	{ "RDLENGTH past the end", bad_rdlength_past_end },
	{ "ANCOUNT past the end", bad_more_records_than_bytes },
	{ "name over 255 bytes", bad_long_name },
	{ "33 pointers", bad_too_many_pointers },
	{ "longer than DNS_MSG_MAX", bad_long_message },
};

static size_t bad_index[ARRAY_SIZE(bad_answers)];

ParameterizedTestParameters(dns_msg, bad_answer)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_index); i++)
		bad_index[i] = i;
	return cr_make_param_array(size_t, bad_index, ARRAY_SIZE(bad_index));
}

ParameterizedTest(size_t *i, dns_msg, bad_answer)
{
	const struct bad_answer *tc = &bad_answers[*i];
	struct mb m;
	struct dns_answer a;
	memset(&a, 0x5a, sizeof(a));
	tc->build(&m);
	int r = dns_parse_answer(m.b, m.n, 0xabcd, "www.example.com", DNS_TYPE_A, &a);
	cr_assert_eq(r, -EBADMSG, "%s: %d", tc->what, r);
	cr_assert_eq(a.rcode, 0x5a5a5a5a, "%s: @ret written on error", tc->what);
}

Test(dns_msg, answer_32_pointers_is_fine)
{
	struct mb m;
	struct dns_answer a;
	mb_header(&m, 0xabcd, RESPONSE, 1, 2, 0, 0);
	mb_question(&m, "www.example.com", DNS_TYPE_A);
	size_t at = mb_pad_begin(&m);
	size_t last = mb_pointer_chain(&m, 12, 31);
	mb_rr_end(&m, at);
	mb_name_to(&m, "", last);
	mb_a(&m, "192.0.2.1", 1);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 0xabcd, "www.example.com", DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 1);
}

Test(dns_msg, answer_longest_name)
{
	/* 253 bytes of text, 255 of wire form: the most; a byte more is refused. */
	char name[260];
	struct mb m;
	struct dns_answer a;
	snprintf(name, sizeof(name), "%s", name_of_len(253));
	mb_header(&m, 0xabcd, RESPONSE, 1, 1, 0, 0);
	mb_question(&m, name, DNS_TYPE_A);
	mb_name_to(&m, "", 12);
	mb_a(&m, "192.0.2.1", 1);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 0xabcd, name, DNS_TYPE_A, &a), 0);
	cr_assert_eq(a.naddrs, 1);

	/* Labels of 63, 63, 63 and 62: 254 bytes of text, 256 of wire form. */
	name[252] = 'a';
	name[253] = 'a';
	name[254] = '\0';
	cr_assert_eq(strlen(name), 254);
	mb_header(&m, 0xabcd, RESPONSE, 1, 0, 0, 0);
	mb_question(&m, name, DNS_TYPE_A);
	cr_assert_eq(m.n, 12 + 256 + 4);
	name[253] = '\0';
	cr_assert_eq(dns_parse_answer(m.b, m.n, 0xabcd, name, DNS_TYPE_A, &a), -EBADMSG);
}

Test(dns_msg, answer_name_too_long)
{
	struct mb m;
	struct dns_answer a;
	answer_with_chain(&m);
	cr_assert_eq(dns_parse_answer(m.b, m.n, 0xabcd, name_of_len(254), DNS_TYPE_A, &a), -EINVAL);
}
