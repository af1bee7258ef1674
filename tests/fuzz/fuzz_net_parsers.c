/* SPDX-License-Identifier: MIT */
/*
 * fuzz_net_parsers.c — libFuzzer target for the parsers the network egress
 * runs outside the sandbox on bytes the sandbox or the network controls:
 * dns_msg, http_head, tls_sni and net_ip. Run by `make fuzz`.
 *
 * The first input byte (modulo NET_FUZZ_COUNT) picks the parser, the rest
 * is its input; tests/fuzz/corpus-net holds a seed for each. Besides ASan
 * and UBSan, each branch asserts the header's contract where that is cheap:
 * the return values listed, ret_* untouched on error, names NUL-terminated,
 * lower case and within their buffers, lengths within their bounds, and the
 * round trips (a parsed query answered and the answer parsed back). A
 * broken contract is abort(), so libFuzzer keeps the reproducer.
 *
 * The prefixes of HTTP heads and TLS records are copied right-aligned into
 * a heap block, so that a read one byte past @len is an ASan report even
 * for a prefix; the other parsers get libFuzzer's own copy of the input,
 * which ends where the input does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/dns_msg.h"
#include "launcher/http_head.h"
#include "policy/net_ip.h"
#include "launcher/tls_sni.h"

enum net_fuzz_target {
	NET_FUZZ_DNS_QUERY,	   /* a query from the sandbox, answered and parsed back */
	NET_FUZZ_DNS_ANSWER,	   /* an upstream answer to the question it carries */
	NET_FUZZ_HTTP_HEAD,	   /* a proxy request head, every prefix, then the rewrite */
	NET_FUZZ_TLS_HELLO,	   /* the first bytes of a CONNECT tunnel */
	NET_FUZZ_TLS_REFRAME,	   /* [fragment size][padding] + a handshake message */
	NET_FUZZ_IP_PARSE,	   /* a literal address, NUL-terminated */
	NET_FUZZ_IP_FROM_SOCKADDR, /* a connect()/sendto() address as the sandbox passed it */
	NET_FUZZ_COUNT,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken contract: abort() so that libFuzzer records the input. */
#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

#define SENTINEL 0xa5

/* @p (@n bytes) still holds SENTINEL: memcmp(), not a loop, for speed. */
static bool untouched(const void *p, size_t n)
{
	static const uint8_t sentinel[1024] = { [0 ... 1023] = SENTINEL };

	CHECK(n <= sizeof(sentinel));
	return !memcmp(p, sentinel, n);
}

/*
 * A DNS name in text form as both dns_* parsers return it: at most
 * DNS_NAME_MAX bytes, NUL-terminated in its buffer, lower case, labels of
 * [a-z0-9_-] separated by single dots, no leading or trailing dot.
 */
static void check_dns_name(const char *name, size_t bufsz)
{
	size_t n = strnlen(name, bufsz);

	CHECK(n < bufsz && n <= DNS_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '.') {
			CHECK(i > 0 && i + 1 < n && name[i - 1] != '.');
			continue;
		}
		CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
	}
}

static const struct net_ip dns_fuzz_addrs[] = {
	{ AF_INET, { 192, 0, 2, 1 } },
	{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
	{ 0, { 1, 2, 3, 4 } }, /* neither family: never answered */
	{ AF_INET, { 198, 51, 100, 7 } },
	{ AF_INET6, { 0xfe, 0x80, [15] = 2 } },
};

/* dns_build_reply() into a heap block of exactly @outsz bytes. */
static size_t build_reply_exact(const struct dns_query *q, int rcode, size_t naddrs, uint32_t ttl,
				size_t outsz, uint8_t *copy)
{
	uint8_t *out = malloc(outsz ? outsz : 1);
	size_t n;

	if (!out)
		abort();
	n = dns_build_reply(q, rcode, dns_fuzz_addrs, naddrs, ttl, out, outsz);
	CHECK(n <= outsz);
	if (copy && n)
		memcpy(copy, out, n);
	free(out);
	return n;
}

/* A parsed query: answer it, parse the answer back, and rebuild the query. */
static void dns_round_trip(const struct dns_query *q, bool notimp)
{
	uint8_t reply[DNS_MSG_MAX], exact[DNS_MSG_MAX];
	size_t naddrs = q->id % (sizeof(dns_fuzz_addrs) / sizeof(dns_fuzz_addrs[0]) + 1);
	int rcode = notimp	       ? DNS_RCODE_NOTIMP
		    : (q->id >> 8) % 4 ? DNS_RCODE_NOERROR
				       : DNS_RCODE_NXDOMAIN;
	uint32_t ttl = (uint32_t)q->id * 65537u; /* reaches past 2^31 - 1 */
	struct dns_answer a;
	struct dns_query back;
	size_t n, expect = 0;

	n = dns_build_reply(q, rcode, dns_fuzz_addrs, naddrs, ttl, reply, sizeof(reply));
	/* A name we parsed has a wire form, and one question fits DNS_MSG_MAX. */
	CHECK(n >= 12);
	/* Exactly n bytes suffice and give the same bytes; n - 1 do not. */
	CHECK(build_reply_exact(q, rcode, naddrs, ttl, n, exact) == n);
	CHECK(!memcmp(exact, reply, n));
	CHECK(build_reply_exact(q, rcode, naddrs, ttl, n - 1, NULL) == 0);
	CHECK(reply[0] == q->id >> 8 && reply[1] == (q->id & 0xff));
	CHECK((reply[2] & 0x80) && ((reply[2] >> 3) & 0xf) == q->opcode &&
	      (reply[3] & 0xf) == rcode);

	/* Our own answer is never taken for a query (no stub loops). */
	CHECK(dns_parse_query(reply, n, &back) == -EBADMSG);

	int r = dns_parse_answer(reply, n, q->id, q->name, q->qtype, &a);
	if (notimp || q->qclass != DNS_CLASS_IN) {
		/* An answer with opcode != 0 or another class is not ours to use. */
		CHECK(r == -EBADMSG);
	} else {
		int family = q->qtype == DNS_TYPE_A	 ? AF_INET
			     : q->qtype == DNS_TYPE_AAAA ? AF_INET6
							 : 0;
		CHECK(r == 0 && a.rcode == rcode && !a.truncated);
		for (size_t i = 0; rcode == DNS_RCODE_NOERROR && family && i < naddrs; i++) {
			if (dns_fuzz_addrs[i].family != family)
				continue;
			CHECK(expect < a.naddrs &&
			      net_ip_equal(&a.addrs[expect], &dns_fuzz_addrs[i]));
			expect++;
		}
		CHECK(a.naddrs == expect);
		CHECK(a.ttl == (expect ? (ttl > 0x7fffffff ? 0x7fffffff : ttl) : 0));
	}

	if (notimp)
		return;
	/* The name goes upstream as it came: a query for it parses back to it. */
	n = dns_build_query(q->id, q->name, q->qtype, reply, sizeof(reply));
	CHECK(n >= 12);
	CHECK(dns_parse_query(reply, n, &back) == 0);
	CHECK(back.id == q->id && back.rd && back.qtype == q->qtype &&
	      back.qclass == DNS_CLASS_IN && !strcmp(back.name, q->name));
}

static void fuzz_dns_query(const uint8_t *msg, size_t len)
{
	struct dns_query q;
	int r;

	memset(&q, SENTINEL, sizeof(q));
	r = dns_parse_query(msg, len, &q);
	CHECK(r == 0 || r == -EBADMSG || r == -EOPNOTSUPP);
	if (r == -EBADMSG) {
		CHECK(untouched(&q, sizeof(q)));
		return;
	}
	check_dns_name(q.name, sizeof(q.name));
	CHECK((r == 0) == (q.opcode == 0) && q.opcode <= 15);
	dns_round_trip(&q, r == -EOPNOTSUPP);
}

/*
 * The question of @msg as text, as the resolver that sent it would have
 * spelled it (uncompressed labels from offset 12; a pointer cannot point
 * backwards from there). Bytes are kept as they are: a name with a dot or
 * a NUL inside a label is one the parser must not match. False: none.
 */
static bool dns_question(const uint8_t *msg, size_t len, char *name, size_t namesz, uint16_t *qtype)
{
	size_t pos = 12, t = 0;

	while (pos < len && msg[pos] && msg[pos] < 64) {
		size_t l = msg[pos];
		if (l > len - pos - 1 || t + l + 2 > namesz)
			return false;
		if (t)
			name[t++] = '.';
		memcpy(name + t, msg + pos + 1, l);
		t += l;
		pos += 1 + l;
	}
	if (pos >= len || msg[pos] || len - pos - 1 < 2)
		return false;
	name[t] = '\0';
	*qtype = (uint16_t)(msg[pos + 1] << 8 | msg[pos + 2]);
	return true;
}

static void check_answer(const uint8_t *msg, size_t len, uint16_t qtype, const struct dns_answer *a)
{
	int family = qtype == DNS_TYPE_A ? AF_INET : qtype == DNS_TYPE_AAAA ? AF_INET6 : 0;

	CHECK(a->rcode >= 0 && a->rcode <= 15);
	CHECK(a->naddrs <= DNS_ANSWERS_MAX && a->ttl <= 0x7fffffff);
	CHECK(family || a->naddrs == 0);
	for (size_t i = 0; i < a->naddrs; i++) {
		size_t alen = family == AF_INET ? 4 : 16;
		CHECK(a->addrs[i].family == family);
		/* Every address is some record's RDATA: nothing invented. */
		CHECK(memmem(msg + 12, len - 12, a->addrs[i].a, alen));
	}
}

/*
 * The names dns_build_query() must take (a reference for its write_name()):
 * at most DNS_NAME_MAX bytes once one trailing dot is dropped, labels of 1
 * to 63 bytes of [A-Za-z0-9_-]; "" and "." are the root.
 */
static bool dns_name_ok(const char *name)
{
	size_t n = strlen(name), l = 0;

	if (n && name[n - 1] == '.')
		n--;
	if (n > DNS_NAME_MAX)
		return false;
	for (size_t i = 0; n && i <= n; i++) {
		char c = i < n ? name[i] : '.';
		if (c == '.') {
			if (l == 0 || l > 63)
				return false;
			l = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
		l++;
	}
	return true;
}

/* The query the stub sends upstream for @name: built iff the name is good, and parses back. */
static void check_build_query(uint16_t id, const char *name, uint16_t qtype)
{
	uint8_t out[DNS_MSG_MAX];
	char expect[DNS_NAME_MAX + 2];
	struct dns_query back;
	size_t n = dns_build_query(id, name, qtype, out, sizeof(out)), l;

	CHECK((n != 0) == dns_name_ok(name));
	if (!n)
		return;
	l = strlen(name);
	if (l && name[l - 1] == '.')
		l--;
	for (size_t i = 0; i < l; i++)
		expect[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] + 32) : name[i];
	expect[l] = '\0';
	CHECK(dns_parse_query(out, n, &back) == 0);
	CHECK(back.id == id && back.rd && back.qtype == qtype && back.qclass == DNS_CLASS_IN &&
	      !strcmp(back.name, expect));
}

static void fuzz_dns_answer(const uint8_t *msg, size_t len)
{
	char name[DNS_NAME_MAX + 64], variant[DNS_NAME_MAX + 64];
	struct dns_answer a, b;
	uint16_t id = len >= 2 ? (uint16_t)(msg[0] << 8 | msg[1]) : 0, qtype = DNS_TYPE_A;
	int r, r2;

	if (!dns_question(msg, len, name, sizeof(name), &qtype))
		strcpy(name, "example.com");
	check_build_query(id, name, qtype);
	memset(&a, SENTINEL, sizeof(a));
	r = dns_parse_answer(msg, len, id, name, qtype, &a);
	CHECK(r == 0 || r == -EBADMSG || r == -EINVAL);
	/* -EINVAL is about @name only, and only when it is too long. */
	CHECK(r != -EINVAL || strlen(name) > DNS_NAME_MAX);
	if (r < 0) {
		CHECK(untouched(&a, sizeof(a)));
	} else {
		check_answer(msg, len, qtype, &a);
	}

	/* The same name in upper case with a trailing dot is the same name. */
	size_t n = strlen(name);
	for (size_t i = 0; i < n; i++)
		variant[i] = name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 32) : name[i];
	variant[n] = '.';
	variant[n + 1] = '\0';
	memset(&b, SENTINEL, sizeof(b));
	r2 = dns_parse_answer(msg, len, id, variant, qtype, &b);
	if (n <= DNS_NAME_MAX && (n == 0 || name[n - 1] != '.')) {
		CHECK(r2 == r);
		CHECK(r2 < 0 || (a.rcode == b.rcode && a.truncated == b.truncated &&
				 a.naddrs == b.naddrs && a.ttl == b.ttl));
		for (size_t i = 0; r2 == 0 && i < a.naddrs; i++)
			CHECK(net_ip_equal(&a.addrs[i], &b.addrs[i]));
	}
}

static void check_host(const char *host)
{
	size_t n = strnlen(host, HTTP_HOST_MAX + 1);

	CHECK(n >= 1 && n <= HTTP_HOST_MAX);
	for (size_t i = 0; i < n; i++)
		CHECK(!(host[i] >= 'A' && host[i] <= 'Z') && (unsigned char)host[i] > 0x20 &&
		      (unsigned char)host[i] < 0x7f);
}

/* @s (@n bytes) names header @lit (lower case), ignoring case. */
static bool header_is(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (n != l)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
		if (c != lit[i])
			return false;
	}
	return true;
}

static void check_rewrite(const char *buf, const struct http_head *h)
{
	size_t outsz = h->head_len + 512, n, hosts = 0, connections = 0;
	char *out = malloc(outsz), *exact;
	struct http_head again;
	int r;

	if (!out)
		abort();
	n = http_rewrite_for_origin(buf, h, out, outsz);
	/* Without its target and with "Host:" and "Connection:" of its own, it always fits. */
	CHECK(h->connect ? n == 0 : n > 0);
	CHECK(n <= outsz);
	if (!n)
		goto out;
	/* Exactly n bytes suffice and give the same bytes; n - 1 do not. */
	exact = malloc(n);
	if (!exact)
		abort();
	CHECK(http_rewrite_for_origin(buf, h, exact, n) == n && !memcmp(exact, out, n));
	CHECK(http_rewrite_for_origin(buf, h, exact, n - 1) == 0);
	free(exact);

	CHECK(n >= 4 && !memcmp(out + n - 4, "\r\n\r\n", 4));
	size_t mlen = strlen(h->method);
	CHECK(n > mlen + 1 + h->path_len && !memcmp(out, h->method, mlen) && out[mlen] == ' ' &&
	      !memcmp(out + mlen + 1, h->path, h->path_len));
	/* The origin sees one Host, the judged one, and one Connection: close. */
	for (size_t pos = (size_t)((char *)memmem(out, n, "\r\n", 2) - out) + 2; pos + 2 < n;) {
		const char *line = out + pos, *eol = memmem(line, n - pos, "\r\n", 2), *colon;
		CHECK(eol);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon) {
			size_t nl = (size_t)(colon - line);
			hosts += header_is(line, nl, "host");
			connections += header_is(line, nl, "connection");
			CHECK(!header_is(line, nl, "proxy-authorization") &&
			      !header_is(line, nl, "proxy-connection") &&
			      !header_is(line, nl, "keep-alive"));
		}
		pos += (size_t)(eol - line) + 2;
	}
	CHECK(hosts == 1 && connections == 1);
	/*
	 * What reaches the origin is origin-form: never a proxy request again
	 * (unless its new Host line took it past HTTP_HEAD_MAX).
	 */
	r = http_parse_request_head(out, n, &again);
	CHECK(r == -EINVAL || (n > HTTP_HEAD_MAX && r == -E2BIG));
out:
	free(out);
}

static void check_head(const char *buf, size_t len, const struct http_head *h)
{
	CHECK(h->head_len >= 4 && h->head_len <= len && h->head_len <= HTTP_HEAD_MAX);
	CHECK(!memcmp(buf + h->head_len - 4, "\r\n\r\n", 4));
	CHECK(strnlen(h->method, sizeof(h->method)) < sizeof(h->method) && h->method[0]);
	CHECK(h->connect == !strcmp(h->method, "CONNECT"));
	check_host(h->host);
	CHECK(h->port != 0);
	CHECK(h->version_minor >= 0 && h->version_minor <= 9);
	if (h->has_host_header)
		check_host(h->host_header);
	CHECK(h->content_length >= -1);
	CHECK(!h->chunked || (h->content_length == -1 && h->version_minor >= 1));
	if (!h->connect) {
		/* In the head, or the literal "/" (never strcmp() the head: no NUL there). */
		uintptr_t p = (uintptr_t)h->path, b = (uintptr_t)buf;
		CHECK(h->path && h->path_len >= 1 && h->path[0] == '/');
		if (p >= b && p < b + h->head_len)
			CHECK(p > b && h->path_len <= h->head_len - (p - b));
		else
			CHECK(h->path_len == 1 && h->path[1] == '\0');
	}
}

/*
 * http_parse_request_head() on @len bytes in a block of exactly @len,
 * @h initialized to the sentinel and checked untouched on error.
 */
static int parse_head_exact(const uint8_t *data, size_t len, uint8_t *block, size_t blocksz,
			    struct http_head *h)
{
	const char *buf = (const char *)block + blocksz - len;
	int r;

	if (data != (const uint8_t *)buf)
		memcpy(block + blocksz - len, data, len);
	memset(h, SENTINEL, sizeof(*h));
	r = http_parse_request_head(buf, len, h);
	CHECK(r == 0 || r == -EAGAIN || r == -E2BIG || r == -EBADMSG || r == -EPROTONOSUPPORT ||
	      r == -EINVAL);
	if (r < 0)
		CHECK(untouched(h, sizeof(*h)));
	/* Only a head that has reached HTTP_HEAD_MAX without ending is too big to wait for. */
	CHECK(r != -EAGAIN || len < HTTP_HEAD_MAX);
	if (r == 0)
		check_head(buf, len, h);
	return r;
}

/*
 * Every prefix of a head until the answer is known: -EAGAIN, then one
 * answer that no more bytes change (the peer's bytes arrive in any
 * pieces). Past 1024 bytes the prefixes are sampled (the walk is
 * quadratic); the full length is always checked.
 */
static void fuzz_http_head(const uint8_t *data, size_t len)
{
	uint8_t *block = malloc(len ? len : 1);
	struct http_head h;
	int settled = -EAGAIN, r;
	size_t p;

	if (!block)
		abort();
	for (p = 0; p <= len && settled == -EAGAIN; p += p < 1024 ? 1 : 1 + len / 128) {
		settled = parse_head_exact(data, p, block, len ? len : 1, &h);
	}
	r = parse_head_exact(data, len, block, len ? len : 1, &h);
	CHECK(r == settled || settled == -EAGAIN);
	if (r == 0) {
		/* The head ends where it ended in the shortest prefix that held it. */
		struct http_head first;
		size_t hl = h.head_len;
		CHECK(parse_head_exact(data, hl, block, len, &first) == 0 && first.head_len == hl);
		/* One byte short, the same bytes have nothing to refuse yet: wait. */
		CHECK(parse_head_exact(data, hl - 1, block, len, &first) == -EAGAIN);
		parse_head_exact(data, len, block, len, &h);
		check_rewrite((const char *)block, &h);
	}
	free(block);

	if (r == -EAGAIN && len) {
		/* Pad to HTTP_HEAD_MAX by repeating the bytes: the answer is no longer -EAGAIN. */
		size_t big = HTTP_HEAD_MAX + (data[0] & 0xf);
		uint8_t *rep = malloc(big);
		if (!rep)
			abort();
		size_t have = len < big ? len : big;
		memcpy(rep, data, have);
		for (; have < big; have *= 2)
			memcpy(rep + have, rep, big - have < have ? big - have : have);
		r = parse_head_exact(rep, big, rep, big, &h);
		CHECK(r != -EAGAIN);
		if (r == 0)
			check_rewrite((const char *)rep, &h);
		free(rep);
	}
}

/* A returned SNI: lower case, [a-z0-9._-], no empty label, no trailing dot. */
static void check_sni(const char *name, size_t size)
{
	size_t n = strnlen(name, size);

	CHECK(n >= 1 && n < size && n <= 253);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '.') {
			CHECK(i > 0 && i + 1 < n && name[i - 1] != '.');
			continue;
		}
		CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
	}
}

/* tls_client_hello_sni() on @len bytes at the end of @block, @name of @size. */
static int sni_exact(const uint8_t *data, size_t len, uint8_t *block, size_t blocksz, char *name,
		     size_t size)
{
	int r;

	memcpy(block + blocksz - len, data, len);
	memset(name, SENTINEL, size);
	r = tls_client_hello_sni(block + blocksz - len, len, name, size);
	CHECK(r == 0 || r == -EAGAIN || r == -ENOENT || r == -ENOTSUP || r == -EBADMSG);
	/* With TLS_HELLO_MAX bytes buffered, the answer is never "wait". */
	CHECK(r != -EAGAIN || len < TLS_HELLO_MAX);
	if (r == 0)
		check_sni(name, size);
	else
		CHECK(untouched(name, size));
	return r;
}

/*
 * The SNI of @len bytes, checked against prefixes (each -EAGAIN or the same
 * answer: a prefix of a valid ClientHello always waits) and against name
 * buffers one byte too small and just large enough. @name: 256 bytes.
 */
static int fuzz_sni(const uint8_t *data, size_t len, char *name)
{
	uint8_t *block = malloc(len ? len : 1);
	size_t bs = len ? len : 1, step = len / 48 + 1;
	char other[256];
	int r;

	if (!block)
		abort();
	r = sni_exact(data, len, block, bs, name, 256);
	/*
	 * Every prefix of the first 32 bytes (the record and handshake
	 * headers), then about 48 from an offset that varies with the input.
	 */
	for (size_t p = 0; p < len; p += p < 32 ? 1 : step) {
		if (p == 32)
			p += len % step;
		if (p >= len)
			break;
		int rp = sni_exact(data, p, block, bs, other, sizeof(other));
		CHECK(rp == -EAGAIN || rp == r);
		CHECK(rp != 0 || !strcmp(other, name));
	}
	if (r == 0) {
		size_t n = strlen(name);
		CHECK(sni_exact(data, len, block, bs, other, n) == -EBADMSG);
		CHECK(sni_exact(data, len, block, bs, other, n + 1) == 0 && !strcmp(other, name));
	}
	free(block);
	return r;
}

/* @msg as TLS handshake records of @frag bytes each (the last shorter). */
static uint8_t *frame_records(const uint8_t *msg, size_t len, size_t frag, size_t *ret_len)
{
	size_t nrec = (len + frag - 1) / frag, total = len + 5 * nrec, o = 0;
	uint8_t *buf = malloc(total ? total : 1);

	if (!buf)
		abort();
	for (size_t i = 0; i < len; i += frag) {
		size_t m = len - i < frag ? len - i : frag;
		buf[o++] = 22;
		buf[o++] = 3;
		buf[o++] = 1;
		buf[o++] = (uint8_t)(m >> 8);
		buf[o++] = (uint8_t)m;
		memcpy(buf + o, msg + i, m);
		o += m;
	}
	*ret_len = total;
	return buf;
}

/*
 * The offset of the extensions' length in ClientHello @m (@len bytes), if
 * the fields before it fit in @len; 0 otherwise.
 */
static size_t hello_extensions_at(const uint8_t *m, size_t len)
{
	size_t pos = 4 + 2 + 32; /* header, legacy_version, random */

	if (pos >= len)
		return 0;
	pos += 1 + (size_t)m[pos]; /* legacy_session_id */
	if (pos + 2 > len)
		return 0;
	pos += 2 + ((size_t)m[pos] << 8 | m[pos + 1]); /* cipher_suites */
	if (pos + 1 > len)
		return 0;
	pos += 1 + (size_t)m[pos]; /* legacy_compression_methods */
	return pos + 2 <= len ? pos : 0;
}

/*
 * @m with a padding extension (RFC 7685) of @pad zero bytes first in its
 * extensions, the two lengths that hold it raised to match: a few bytes of
 * input reach a ClientHello of TLS_HELLO_MAX. NULL: no room for it.
 */
static uint8_t *hello_padded(const uint8_t *m, size_t len, size_t pad, size_t *ret_len)
{
	size_t at = hello_extensions_at(m, len), ext, hs;
	uint8_t *p;

	if (!at)
		return NULL;
	ext = ((size_t)m[at] << 8 | m[at + 1]) + 4 + pad;
	if (ext > 0xffff)
		return NULL;
	p = calloc(1, len + 4 + pad);
	if (!p)
		abort();
	hs = ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]) + 4 + pad;
	memcpy(p, m, at);
	p[1] = (uint8_t)(hs >> 16);
	p[2] = (uint8_t)(hs >> 8);
	p[3] = (uint8_t)hs;
	p[at] = (uint8_t)(ext >> 8);
	p[at + 1] = (uint8_t)ext;
	p[at + 2] = 0x00;
	p[at + 3] = 21; /* padding */
	p[at + 4] = (uint8_t)(pad >> 8);
	p[at + 5] = (uint8_t)pad;
	memcpy(p + at + 6 + pad, m + at + 2, len - at - 2);
	*ret_len = len + 4 + pad;
	return p;
}

/*
 * [fragment size - 1][padding] + a handshake message: the message in one
 * record and in records of that size give the same answer, as long as both
 * end within TLS_HELLO_MAX (the fragmented one can pass it: that limit's
 * path). A padding byte with its top bit set inserts (byte & 0x7f) * 512
 * bytes of padding extension first.
 */
static void fuzz_tls_reframe(const uint8_t *data, size_t len)
{
	char one[256], many[256];
	size_t frag, nlen, olen, mlen;
	uint8_t *n, *o, *padded = NULL;
	const uint8_t *msg;
	int rn, ro;

	if (len < 3)
		return;
	frag = (size_t)data[0] + 1;
	msg = data + 2;
	mlen = len - 2;
	if (data[1] & 0x80) {
		padded = hello_padded(msg, mlen, (size_t)(data[1] & 0x7f) * 512, &mlen);
		if (padded)
			msg = padded;
		else
			mlen = len - 2;
	}
	n = frame_records(msg, mlen, frag, &nlen);
	rn = fuzz_sni(n, nlen, many);
	free(n);
	if (mlen <= 16384 && nlen + 6 <= TLS_HELLO_MAX) {
		o = frame_records(msg, mlen, 16384, &olen);
		ro = fuzz_sni(o, olen, one);
		free(o);
		CHECK(ro == rn);
		CHECK(ro != 0 || !strcmp(one, many));
	}
	free(padded);
}

static void check_ip(const struct net_ip *ip)
{
	struct net_ip un = net_ip_unmap(ip), back;
	struct sockaddr_storage ss;
	uint16_t port;
	socklen_t sl;

	CHECK(ip->family == AF_INET || ip->family == AF_INET6);
	/* A mapped address is judged as the IPv4 address it carries. */
	CHECK(net_ip_class(&un) == net_ip_class(ip));
	CHECK(net_ip_class_name(net_ip_class(ip))[0]);
	sl = net_ip_to_sockaddr(ip, 443, &ss);
	CHECK(sl > 0);
	CHECK(net_ip_from_sockaddr((struct sockaddr *)&ss, sl, &back, &port) == 0);
	CHECK(net_ip_equal(&back, ip) && port == 443);
}

static void fuzz_ip_parse(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1), text[INET6_ADDRSTRLEN], small[8];
	struct net_ip ip, again;
	int r;

	if (!s)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	memset(&ip, SENTINEL, sizeof(ip));
	r = net_ip_parse(s, &ip);
	CHECK(r == 0 || r == -EINVAL);
	if (r < 0) {
		CHECK(untouched(&ip, sizeof(ip)));
		goto out;
	}
	check_ip(&ip);
	/* Brackets only around IPv6. */
	CHECK(s[0] != '[' || ip.family == AF_INET6);
	net_ip_format(&ip, text, sizeof(text));
	CHECK(net_ip_parse(text, &again) == 0 && net_ip_equal(&ip, &again));
	/* Dotted-quad only: an IPv4 literal is its own canonical spelling. */
	if (ip.family == AF_INET)
		CHECK(!strcmp(text, s));
	for (size_t sz = 1; sz <= sizeof(small); sz++) {
		net_ip_format(&ip, small, sz);
		CHECK(strnlen(small, sz) < sz && !strncmp(small, text, strlen(small)));
	}
out:
	free(s);
}

static void fuzz_ip_from_sockaddr(const uint8_t *data, size_t len)
{
	struct net_ip ip;
	uint16_t port = 0x5a5a, fam;
	/* data is as the sandbox wrote it: any length, any alignment (data + 1). */
	int r;

	memset(&ip, SENTINEL, sizeof(ip));
	r = net_ip_from_sockaddr((const struct sockaddr *)data, len, &ip, &port);
	CHECK(r == 0 || r == -EINVAL || r == -EAFNOSUPPORT);
	if (r < 0) {
		CHECK(untouched(&ip, sizeof(ip)) && port == 0x5a5a);
		return;
	}
	memcpy(&fam, data, sizeof(fam));
	CHECK(fam == ip.family);
	CHECK(port == (uint16_t)(data[2] << 8 | data[3]));
	if (ip.family == AF_INET)
		CHECK(len >= sizeof(struct sockaddr_in) && !memcmp(ip.a, data + 4, 4));
	else
		CHECK(len >= 24 && !memcmp(ip.a, data + 8, 16));
	check_ip(&ip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[256];

	if (size < 1)
		return 0;
	switch (data[0] % NET_FUZZ_COUNT) {
	case NET_FUZZ_DNS_QUERY:
		fuzz_dns_query(data + 1, size - 1);
		break;
	case NET_FUZZ_DNS_ANSWER:
		fuzz_dns_answer(data + 1, size - 1);
		break;
	case NET_FUZZ_HTTP_HEAD:
		fuzz_http_head(data + 1, size - 1);
		break;
	case NET_FUZZ_TLS_HELLO:
		(void)fuzz_sni(data + 1, size - 1, name);
		break;
	case NET_FUZZ_TLS_REFRAME:
		fuzz_tls_reframe(data + 1, size - 1);
		break;
	case NET_FUZZ_IP_PARSE:
		fuzz_ip_parse(data + 1, size - 1);
		break;
	case NET_FUZZ_IP_FROM_SOCKADDR:
		fuzz_ip_from_sockaddr(data + 1, size - 1);
		break;
	default:
		break;
	}
	return 0;
}
