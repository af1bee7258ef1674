/* SPDX-License-Identifier: MIT */
/*
 * http_head.c — see http_head.h. Strict where leniency has been an attack:
 * lines end in CRLF only and a bare CR or LF is refused (two parsers that
 * split lines differently disagree on which headers there are: request
 * smuggling, RFC 9112 2.2); no obs-fold; no whitespace between a field name
 * and its colon (RFC 9112 5.1); Content-Length with Transfer-Encoding, or
 * two different lengths, is refused rather than guessed at (RFC 9112 6.3);
 * no userinfo in a target ("http://allowed.example@evil.example/" names
 * evil.example); host names limited to the bytes of DNS names, so the name
 * judged is the name resolved.
 */
#include <errno.h>
#include <string.h>

#include "launcher/http_head.h"
#include "policy/net_ip.h"

#define HTTP_CONTENT_LENGTH_MAX (1LL << 53)

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* @s (@n bytes) equals the lower-case @lit, ignoring ASCII case. */
static bool eq_nocase(const char *s, size_t n, const char *lit)
{
	size_t i = 0;
	for (; i < n && lit[i]; i++)
		if (lower(s[i]) != lit[i])
			return false;
	return i == n && !lit[i];
}

/* Digits only (no sign, no space), at most @max. */
static int parse_decimal(const char *s, size_t n, long long max, long long *ret)
{
	long long v = 0;

	if (n == 0)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EBADMSG;
		v = v * 10 + (s[i] - '0');
		if (v > max) /* checked at each digit: v * 10 cannot overflow */
			return -EBADMSG;
	}
	*ret = v;
	return 0;
}

/*
 * An authority (host[:port], [v6][:port]) into @host (HTTP_HOST_MAX + 1
 * bytes: lower case, no brackets) and @port (0 when absent).
 */
static int parse_authority(const char *s, size_t n, char *host, uint16_t *port)
{
	size_t hlen, rest;
	const char *h;

	if (n == 0)
		return -EBADMSG;
	if (s[0] == '[') {
		const char *end = memchr(s, ']', n);
		struct net_ip ip;
		char tmp[HTTP_HOST_MAX + 1];

		if (!end)
			return -EBADMSG;
		h = s + 1;
		hlen = (size_t)(end - h);
		rest = (size_t)(end + 1 - s);
		if (hlen == 0 || hlen > HTTP_HOST_MAX)
			return -EBADMSG;
		memcpy(tmp, h, hlen);
		tmp[hlen] = '\0';
		/* IPv6 only: a zone ("%25eth0") or "[1.2.3.4]" is not an address here. */
		if (net_ip_parse(tmp, &ip) < 0 || ip.family != AF_INET6)
			return -EBADMSG;
	} else {
		const char *colon = memchr(s, ':', n);
		h = s;
		hlen = colon ? (size_t)(colon - s) : n;
		rest = hlen;
		if (hlen == 0 || hlen > HTTP_HOST_MAX)
			return -EBADMSG;
		/* A DNS name or an IPv4 literal: no userinfo, no %-escapes. */
		for (size_t i = 0; i < hlen; i++) {
			char c = h[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
				return -EBADMSG;
		}
	}
	*port = 0;
	if (rest < n) {
		long long p;
		if (s[rest] != ':' || parse_decimal(s + rest + 1, n - rest - 1, 65535, &p) < 0 ||
		    p == 0)
			return -EBADMSG;
		*port = (uint16_t)p;
	}
	for (size_t i = 0; i < hlen; i++)
		host[i] = lower(h[i]);
	host[hlen] = '\0';
	return 0;
}

/* The request target into @h: CONNECT's authority-form, or http:// absolute-form. */
static int parse_target(const char *t, size_t n, struct http_head *h)
{
	size_t i = 0;

	for (size_t k = 0; k < n; k++)
		if ((unsigned char)t[k] <= 0x20 || (unsigned char)t[k] >= 0x7f)
			return -EBADMSG;
	if (h->connect) {
		int r = parse_authority(t, n, h->host, &h->port);
		if (r < 0)
			return r;
		return h->port ? 0 : -EBADMSG;
	}
	if (t[0] == '/' || (n == 1 && t[0] == '*'))
		return -EINVAL;

	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1) */
	while (i < n && ((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
			 (i > 0 && ((t[i] >= '0' && t[i] <= '9') || t[i] == '+' || t[i] == '-' ||
				    t[i] == '.'))))
		i++;
	if (i == 0 || n - i < 3 || t[i] != ':' || t[i + 1] != '/' || t[i + 2] != '/')
		return -EBADMSG;
	if (!eq_nocase(t, i, "http"))
		return -EPROTONOSUPPORT;
	i += 3;
	/* A fragment is never sent (RFC 9110 7.1); one here hides what follows. */
	if (memchr(t, '#', n))
		return -EBADMSG;

	size_t a = i;
	while (i < n && t[i] != '/' && t[i] != '?')
		i++;
	/* "http://host?q" has no path to point at: clients send "http://host/?q". */
	if (i < n && t[i] == '?')
		return -EBADMSG;
	int r = parse_authority(t + a, i - a, h->host, &h->port);
	if (r < 0)
		return r;
	if (!h->port)
		h->port = 80;
	if (i < n) {
		h->path = t + i;
		h->path_len = n - i;
	} else {
		h->path = "/";
		h->path_len = 1;
	}
	return 0;
}

/* The request line @l (@n bytes, without CRLF). */
static int parse_request_line(const char *l, size_t n, struct http_head *h)
{
	const char *sp1 = memchr(l, ' ', n), *sp2;
	size_t mlen, tlen, vlen;

	if (!sp1)
		return -EBADMSG;
	mlen = (size_t)(sp1 - l);
	if (mlen == 0 || mlen >= sizeof(h->method))
		return -EBADMSG;
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar(l[i]))
			return -EBADMSG;
	sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
	if (!sp2) /* HTTP/0.9 "GET /": no version */
		return -EBADMSG;
	tlen = (size_t)(sp2 - sp1 - 1);
	vlen = n - mlen - tlen - 2;
	/* HTTP-version is case-sensitive (RFC 9112 2.3); a 1.x newer than 1.1 reads as 1.1. */
	if (tlen == 0 || vlen != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) || sp2[8] < '0' || sp2[8] > '9')
		return -EBADMSG;
	h->version_minor = sp2[8] - '0';
	memcpy(h->method, l, mlen);
	h->method[mlen] = '\0';
	/* Methods are case-sensitive (RFC 9110 9.1): "connect" is not CONNECT. */
	h->connect = !strcmp(h->method, "CONNECT");
	return parse_target(sp1 + 1, tlen, h);
}

/* Transfer-Encoding's list: chunked must come once, and last (RFC 9112 6.3). */
static int parse_transfer_encoding(const char *v, size_t n, int *nchunked, bool *last_chunked)
{
	size_t i = 0;

	while (i < n) {
		size_t s = i, e;
		while (i < n && v[i] != ',')
			i++;
		e = i++;
		while (s < e && is_ows(v[s]))
			s++;
		while (e > s && is_ows(v[e - 1]))
			e--;
		if (s == e) /* empty list elements are allowed (RFC 9110 5.6.1) */
			continue;
		*last_chunked = eq_nocase(v + s, e - s, "chunked");
		if (*last_chunked && ++*nchunked > 1)
			return -EBADMSG;
	}
	return 0;
}

struct head_state {
	bool te_seen, te_last_chunked;
	int nchunked;
};

static int parse_header(const char *l, size_t n, struct http_head *h, struct head_state *st)
{
	const char *colon;
	size_t nlen, vs, ve;
	int r;

	/* obs-fold: a continuation line is refused (RFC 9112 5.2). */
	if (n == 0 || is_ows(l[0]))
		return -EBADMSG;
	colon = memchr(l, ':', n);
	if (!colon)
		return -EBADMSG;
	nlen = (size_t)(colon - l);
	if (nlen == 0)
		return -EBADMSG;
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar(l[i]))
			return -EBADMSG;
	vs = nlen + 1;
	ve = n;
	while (vs < ve && is_ows(l[vs]))
		vs++;
	while (ve > vs && is_ows(l[ve - 1]))
		ve--;

	if (eq_nocase(l, nlen, "host")) {
		char host[HTTP_HOST_MAX + 1];
		uint16_t port;
		r = parse_authority(l + vs, ve - vs, host, &port);
		if (r < 0)
			return r;
		if (h->has_host_header &&
		    (strcmp(host, h->host_header) || port != h->host_header_port))
			return -EBADMSG;
		h->has_host_header = true;
		memcpy(h->host_header, host, sizeof(host));
		h->host_header_port = port;
	} else if (eq_nocase(l, nlen, "content-length")) {
		long long cl;
		r = parse_decimal(l + vs, ve - vs, HTTP_CONTENT_LENGTH_MAX, &cl);
		if (r < 0)
			return r;
		if (h->content_length >= 0 && h->content_length != cl)
			return -EBADMSG;
		h->content_length = cl;
	} else if (eq_nocase(l, nlen, "transfer-encoding")) {
		st->te_seen = true;
		r = parse_transfer_encoding(l + vs, ve - vs, &st->nchunked, &st->te_last_chunked);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The end of the head, or an error that no more bytes can mend: a control
 * byte, a bare CR or LF. Checked over what has arrived, so a client that
 * speaks something else (TLS to the plain port, LF-only lines) is refused
 * at once rather than after HTTP_HEAD_MAX bytes.
 */
static int find_head_end(const char *buf, size_t len, size_t *ret)
{
	size_t scan = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;

	for (size_t i = 0; i < scan; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\r') {
			if (i + 1 < scan && buf[i + 1] != '\n')
				return -EBADMSG;
		} else if (c == '\n') {
			if (i == 0 || buf[i - 1] != '\r')
				return -EBADMSG;
			if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
				*ret = i + 1;
				return 0;
			}
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return -EBADMSG;
		}
	}
	return len >= HTTP_HEAD_MAX ? -E2BIG : -EAGAIN;
}

int http_parse_request_head(const char *buf, size_t len, struct http_head *ret)
{
	struct http_head h = { .content_length = -1 };
	struct head_state st = { 0 };
	size_t head_len, pos, nheaders = 0;
	const char *eol;
	int r;

	r = find_head_end(buf, len, &head_len);
	if (r < 0)
		return r;
	/* Every line in [0, head_len) ends in CRLF: find_head_end() saw to it. */
	eol = memchr(buf, '\r', head_len);
	r = parse_request_line(buf, (size_t)(eol - buf), &h);
	if (r < 0)
		return r;
	pos = (size_t)(eol - buf) + 2;
	for (;;) {
		size_t n;
		eol = memchr(buf + pos, '\r', head_len - pos);
		n = (size_t)(eol - (buf + pos));
		if (n == 0)
			break;
		if (++nheaders > HTTP_HEADERS_MAX)
			return -E2BIG;
		r = parse_header(buf + pos, n, &h, &st);
		if (r < 0)
			return r;
		pos += n + 2;
	}
	if (st.te_seen) {
		/*
		 * Both framings, or a last coding that is not chunked (the body
		 * would end only at close), or TE in HTTP/1.0 (RFC 9112 6.1):
		 * a peer that reads the length differently sees another request.
		 */
		if (h.content_length >= 0 || !st.te_last_chunked || h.version_minor == 0)
			return -EBADMSG;
		h.chunked = true;
	}
	h.head_len = head_len;
	*ret = h;
	return 0;
}

struct out {
	char *p;
	size_t size, len;
	bool overflow;
};

static void out_put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || n > o->size - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static bool hop_by_hop(const char *name, size_t n)
{
	static const char *const names[] = {
		"proxy-connection",
		"proxy-authorization",
		"connection",
		"keep-alive",
		/* Ours instead, from the request target: see below. */
		"host",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (eq_nocase(name, n, names[i]))
			return true;
	return false;
}

size_t http_rewrite_for_origin(const char *buf, const struct http_head *h, char *out, size_t outsz)
{
	struct out o = { .p = out, .size = outsz };
	const char *eol;
	size_t pos;

	if (h->connect || !h->path || h->head_len < 4)
		return 0;
	out_str(&o, h->method);
	out_put(&o, " ", 1);
	out_put(&o, h->path, h->path_len);
	out_str(&o, " HTTP/1.1\r\n");
	/*
	 * The Host the origin sees is the host that was judged: a proxy
	 * replaces the received Host with the target's (RFC 9112 3.2.2).
	 * Forwarding the client's would let it ask an allowed address for
	 * another virtual host (domain fronting).
	 */
	out_str(&o, "Host: ");
	if (strchr(h->host, ':')) {
		out_put(&o, "[", 1);
		out_str(&o, h->host);
		out_put(&o, "]", 1);
	} else {
		out_str(&o, h->host);
	}
	if (h->port != 80) {
		char port[8];
		size_t n = sizeof(port);
		unsigned v = h->port;
		do {
			port[--n] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		port[--n] = ':';
		out_put(&o, port + n, sizeof(port) - n);
	}
	out_str(&o, "\r\n");

	eol = memchr(buf, '\r', h->head_len);
	pos = eol ? (size_t)(eol - buf) + 2 : h->head_len;
	while (pos + 2 < h->head_len) {
		const char *line = buf + pos, *colon;
		size_t n;
		eol = memchr(line, '\r', h->head_len - pos);
		if (!eol)
			break;
		n = (size_t)(eol - line);
		colon = memchr(line, ':', n);
		if (!colon || !hop_by_hop(line, (size_t)(colon - line)))
			out_put(&o, line, n + 2);
		pos += n + 2;
	}
	out_str(&o, "Connection: close\r\n\r\n");
	return o.overflow ? 0 : o.len;
}
