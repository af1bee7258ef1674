/* SPDX-License-Identifier: MIT */
/*
 * test_http_head.c — the proxy's request heads: CONNECT and absolute-form
 * requests as clients send them (a table: the fields parsed), every error
 * the header lists (a table: the code), incomplete heads at every length,
 * the limits, and the head rewritten for the origin.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/http_head.h"
#include "policy/util.h"

struct ok_case {
	const char *in;
	const char *method;
	bool connect;
	const char *host;
	unsigned port;
	const char *path; /* NULL for CONNECT */
	int minor;
	const char *host_header; /* NULL: none */
	unsigned host_header_port;
	long long content_length;
	bool chunked;
};

static const struct ok_case ok_cases[] = {
	{ "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "CONNECT", true,
	  "example.com", 443, NULL, 1, "example.com", 443, -1, false },
	{ "CONNECT Example.COM:443 HTTP/1.0\r\n\r\n", "CONNECT", true, "example.com", 443, NULL, 0,
	  NULL, 0, -1, false },
	{ "CONNECT [2001:DB8::1]:8443 HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n", "CONNECT",
	  true, "2001:db8::1", 8443, NULL, 1, "2001:db8::1", 8443, -1, false },
	{ "CONNECT 192.0.2.1:1 HTTP/1.1\r\n\r\n", "CONNECT", true, "192.0.2.1", 1, NULL, 1, NULL, 0,
	  -1, false },
	{ "CONNECT a.b:65535 HTTP/1.1\r\n\r\n", "CONNECT", true, "a.b", 65535, NULL, 1, NULL, 0, -1,
	  false },
	{ "CONNECT a.b:00443 HTTP/1.1\r\n\r\n", "CONNECT", true, "a.b", 443, NULL, 1, NULL, 0, -1,
	  false },
	{ "CONNECT _srv.x-y.example:443 HTTP/1.1\r\nUser-Agent: curl/8.5.0\r\n"
	  "Proxy-Connection: Keep-Alive\r\n\r\n",
	  "CONNECT", true, "_srv.x-y.example", 443, NULL, 1, NULL, 0, -1, false },
	{ "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", false,
	  "example.com", 80, "/", 1, "example.com", 0, -1, false },
	{ "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", false,
	  "example.com", 80, "/", 1, "example.com", 0, -1, false },
	{ "GET HTTP://Example.COM:8080/a/b?c=d&e HTTP/1.1\r\nhOsT:   Example.COM:8080  \r\n\r\n",
	  "GET", false, "example.com", 8080, "/a/b?c=d&e", 1, "example.com", 8080, -1, false },
	{ "HEAD http://[::1]:81/x HTTP/1.0\r\n\r\n", "HEAD", false, "::1", 81, "/x", 0, NULL, 0, -1,
	  false },
	{ "POST http://api.example/v1 HTTP/1.1\r\nHost: api.example\r\nContent-Length: 12\r\n"
	  "content-length: 12\r\n\r\n",
	  "POST", false, "api.example", 80, "/v1", 1, "api.example", 0, 12, false },
	{ "POST http://api.example/v1 HTTP/1.1\r\nContent-Length: 9007199254740992\r\n\r\n", "POST",
	  false, "api.example", 80, "/v1", 1, NULL, 0, 9007199254740992LL, false },
	{ "POST http://api.example/v1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "POST", false,
	  "api.example", 80, "/v1", 1, NULL, 0, 0, false },
	{ "PUT http://api.example/v1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "PUT", false,
	  "api.example", 80, "/v1", 1, NULL, 0, -1, true },
	{ "PUT http://api.example/v1 HTTP/1.1\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n", "PUT",
	  false, "api.example", 80, "/v1", 1, NULL, 0, -1, true },
	{ "PUT http://api.example/v1 HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n",
	  "PUT", false, "api.example", 80, "/v1", 1, NULL, 0, -1, true },
	{ "PUT http://api.example/v1 HTTP/1.1\r\nTransfer-Encoding: ,chunked,\r\n\r\n", "PUT",
	  false, "api.example", 80, "/v1", 1, NULL, 0, -1, true },
	{ "OPTIONS http://a.example:80 HTTP/1.9\r\nX-Empty:\r\nX-Tab:\tv\tw\t\r\n"
	  "X-High: caf\xc3\xa9\r\n\r\n",
	  "OPTIONS", false, "a.example", 80, "/", 9, NULL, 0, -1, false },
	{ "M-SEARCH http://239.255.255.250:1900/ HTTP/1.1\r\nHost: 239.255.255.250:1900\r\n"
	  "Host: 239.255.255.250:1900\r\n\r\n",
	  "M-SEARCH", false, "239.255.255.250", 1900, "/", 1, "239.255.255.250", 1900, -1, false },
	/* a method of 15 bytes fits */
	{ "ABCDEFGHIJKLMNO http://a/ HTTP/1.1\r\n\r\n", "ABCDEFGHIJKLMNO", false, "a", 80, "/", 1,
	  NULL, 0, -1, false },
	/* "connect" is not CONNECT: a method is case-sensitive */
	{ "connect http://a:443/ HTTP/1.1\r\n\r\n", "connect", false, "a", 443, "/", 1, NULL, 0, -1,
	  false },
};

static size_t ok_index[ARRAY_SIZE(ok_cases)];

ParameterizedTestParameters(http_head, ok)
{
	for (size_t i = 0; i < ARRAY_SIZE(ok_index); i++)
		ok_index[i] = i;
	return cr_make_param_array(size_t, ok_index, ARRAY_SIZE(ok_index));
}

ParameterizedTest(size_t *i, http_head, ok)
{
	const struct ok_case *tc = &ok_cases[*i];
	size_t len = strlen(tc->in);
	/* The body's first bytes follow the head: they are not the head's. */
	char *buf = malloc(len + 5);
	struct http_head h;
	memcpy(buf, tc->in, len);
	memcpy(buf + len, "body", 5);
	int r = http_parse_request_head(buf, len + 4, &h);
	cr_assert_eq(r, 0, "%s: %d", tc->in, r);
	cr_assert_str_eq(h.method, tc->method, "%s", tc->in);
	cr_assert_eq(h.connect, tc->connect, "%s", tc->in);
	cr_assert_str_eq(h.host, tc->host, "%s", tc->in);
	cr_assert_eq(h.port, tc->port, "%s", tc->in);
	if (tc->path) {
		cr_assert_not_null(h.path, "%s", tc->in);
		cr_assert_eq(h.path_len, strlen(tc->path), "%s", tc->in);
		cr_assert_arr_eq(h.path, tc->path, h.path_len, "%s", tc->in);
	} else {
		cr_assert_null(h.path, "%s", tc->in);
	}
	cr_assert_eq(h.version_minor, tc->minor, "%s", tc->in);
	cr_assert_eq(h.has_host_header, tc->host_header != NULL, "%s", tc->in);
	if (tc->host_header)
		cr_assert_str_eq(h.host_header, tc->host_header, "%s", tc->in);
	cr_assert_eq(h.host_header_port, tc->host_header_port, "%s", tc->in);
	cr_assert_eq(h.content_length, tc->content_length, "%s", tc->in);
	cr_assert_eq(h.chunked, tc->chunked, "%s", tc->in);
	cr_assert_eq(h.head_len, len, "%s", tc->in);
	free(buf);
}

struct err_case {
	const char *in;
	int ret;
};

static const struct err_case err_cases[] = {
	/* not complete */
	{ "", -EAGAIN },
	{ "CONNECT a:443 HTTP/1.1", -EAGAIN },
	{ "CONNECT a:443 HTTP/1.1\r\n", -EAGAIN },
	{ "CONNECT a:443 HTTP/1.1\r\n\r", -EAGAIN },
	{ "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n", -EAGAIN },
	/* line endings: CRLF only */
	{ "CONNECT a:443 HTTP/1.1\n\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\nHost: a\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\rX", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\nX: a\rb\r\n\r\n", -EBADMSG },
	{ "\r\nCONNECT a:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	/* control bytes */
	{ "\x16\x03\x01\x02\x00\x01", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\nX: a\x01\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\nX: a\x7f\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443\x0b HTTP/1.1\r\n\r\n", -EBADMSG },
	/* request line */
	{ "CONNECT a:443\r\n\r\n", -EBADMSG },
	{ "GET http://a/\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/2.0\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 http/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1 \r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.10\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.x\r\n\r\n", -EBADMSG },
	{ "CONNECT  a:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ " CONNECT a:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT\ta:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443\tHTTP/1.1\r\n\r\n", -EBADMSG },
	{ "ABCDEFGHIJKLMNOP http://a/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GE(T http://a/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://a/\xc3\xa9 HTTP/1.1\r\n\r\n", -EBADMSG },
	/* CONNECT's authority */
	{ "CONNECT a HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a: HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT :443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a:0 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a:65536 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a:99999999999999999999 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a:+443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443:1 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT ::1:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT [::1] HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT [::1]443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT [::1:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT [1.2.3.4]:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT [fe80::1%25eth0]:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT []:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT user@a:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT a%2eb:443 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT http://a:443/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "CONNECT /a HTTP/1.1\r\n\r\n", -EBADMSG },
	/* absolute-form */
	{ "GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n", -EINVAL },
	{ "GET / HTTP/1.1\r\n\r\n", -EINVAL },
	{ "OPTIONS * HTTP/1.1\r\n\r\n", -EINVAL },
	{ "GET https://a/ HTTP/1.1\r\n\r\n", -EPROTONOSUPPORT },
	{ "GET HTTPS://a/ HTTP/1.1\r\n\r\n", -EPROTONOSUPPORT },
	{ "GET ftp://a/ HTTP/1.1\r\n\r\n", -EPROTONOSUPPORT },
	{ "GET ws://a/ HTTP/1.1\r\n\r\n", -EPROTONOSUPPORT },
	{ "GET file:///etc/passwd HTTP/1.1\r\n\r\n", -EPROTONOSUPPORT },
	{ "GET http:/a/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http:a HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET a.example:80 HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET 1http://a/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET ://a/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http:/// HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http:// HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://allowed.example@evil.example/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://a:/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://a:0/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://a?x HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://a/#frag HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://a#@b/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://a\\b/ HTTP/1.1\r\n\r\n", -EBADMSG },
	{ "GET http://[::1/ HTTP/1.1\r\n\r\n", -EBADMSG },
	/* headers */
	{ "CONNECT a:443 HTTP/1.1\r\nNoColon\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\n: v\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\nHost : a\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\nX(y): a\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\nX: a\r\n\tfolded\r\n\r\n", -EBADMSG },
	{ "CONNECT a:443 HTTP/1.1\r\n X: a\r\n\r\n", -EBADMSG },
	/* Host */
	{ "GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -EBADMSG },
	{ "GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: a:80\r\n\r\n", -EBADMSG },
	{ "GET http://a/ HTTP/1.1\r\nHost:\r\n\r\n", -EBADMSG },
	{ "GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n", -EBADMSG },
	{ "GET http://a/ HTTP/1.1\r\nHost: u@a\r\n\r\n", -EBADMSG },
	{ "GET http://a/ HTTP/1.1\r\nHost: a:x\r\n\r\n", -EBADMSG },
	{ "GET http://a/ HTTP/1.1\r\nHost: ::1\r\n\r\n", -EBADMSG },
	{ "GET http://a/ HTTP/1.1\r\nHost: a/\r\n\r\n", -EBADMSG },
	/* Content-Length, Transfer-Encoding */
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: +1\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length:\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: 9007199254740993\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	  -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
	  -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: gzip\r\n\r\n",
	  -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", -EBADMSG },
	{ "POST http://a/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG },
};

static size_t err_index[ARRAY_SIZE(err_cases)];

ParameterizedTestParameters(http_head, errors)
{
	for (size_t i = 0; i < ARRAY_SIZE(err_index); i++)
		err_index[i] = i;
	return cr_make_param_array(size_t, err_index, ARRAY_SIZE(err_index));
}

ParameterizedTest(size_t *i, http_head, errors)
{
	const struct err_case *tc = &err_cases[*i];
	size_t len = strlen(tc->in);
	/* Exactly @len bytes, so ASan sees any read past them. */
	char *buf = malloc(len ? len : 1);
	struct http_head h;
	memcpy(buf, tc->in, len);
	memset(&h, 0x5a, sizeof(h));
	int r = http_parse_request_head(buf, len, &h);
	cr_assert_eq(r, tc->ret, "%s: %d, expected %d", tc->in, r, tc->ret);
	cr_assert_eq(h.port, 0x5a5a, "%s: @ret written on error", tc->in);
	free(buf);
}

Test(http_head, every_prefix_is_eagain)
{
	static const char *const heads[] = {
		"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
		"User-Agent: curl/8.5.0\r\nProxy-Connection: Keep-Alive\r\n\r\n",
		"POST http://[2001:db8::1]:8080/upload?x=1 HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n"
		"Transfer-Encoding: chunked\r\n\r\n",
	};
	for (size_t k = 0; k < ARRAY_SIZE(heads); k++) {
		size_t len = strlen(heads[k]);
		struct http_head h;
		for (size_t n = 0; n < len; n++) {
			char *buf = malloc(n ? n : 1);
			memcpy(buf, heads[k], n);
			cr_assert_eq(http_parse_request_head(buf, n, &h), -EAGAIN, "%zu of %s", n,
				     heads[k]);
			free(buf);
		}
		cr_assert_eq(http_parse_request_head(heads[k], len, &h), 0);
		cr_assert_eq(h.head_len, len);
	}
}

/* "GET http://a/ HTTP/1.1\r\n" then @n headers of @each bytes, then the blank line. */
static char *head_with_headers(size_t n, size_t each, bool end, size_t *ret_len)
{
	static const char rl[] = "GET http://a/ HTTP/1.1\r\n";
	size_t len = strlen(rl) + n * each + (end ? 2 : 0);
	char *buf = malloc(len + 1), *p = buf;
	cr_assert_not_null(buf);
	cr_assert_geq(each, 6);
	p += sprintf(p, "%s", rl);
	for (size_t i = 0; i < n; i++) {
		memcpy(p, "X:", 2);
		memset(p + 2, 'v', each - 4);
		memcpy(p + each - 2, "\r\n", 2);
		p += each;
	}
	if (end)
		memcpy(p, "\r\n", 2);
	buf[len] = '\0';
	*ret_len = len;
	return buf;
}

Test(http_head, header_count_limit)
{
	struct http_head h;
	size_t len;
	char *buf = head_with_headers(HTTP_HEADERS_MAX, 8, true, &len);
	cr_assert_eq(http_parse_request_head(buf, len, &h), 0);
	free(buf);
	buf = head_with_headers(HTTP_HEADERS_MAX + 1, 8, true, &len);
	cr_assert_eq(http_parse_request_head(buf, len, &h), -E2BIG);
	free(buf);
}

Test(http_head, size_limit)
{
	struct http_head h;
	size_t len, rl = strlen("GET http://a/ HTTP/1.1\r\n");
	/* A head of exactly HTTP_HEAD_MAX bytes: one header fills what the line and the end leave. */
	char *buf = head_with_headers(1, HTTP_HEAD_MAX - rl - 2, true, &len);
	cr_assert_eq(len, HTTP_HEAD_MAX);
	cr_assert_eq(http_parse_request_head(buf, len, &h), 0);
	cr_assert_eq(h.head_len, HTTP_HEAD_MAX);
	free(buf);
	/* One byte more: the blank line ends past the limit. */
	buf = head_with_headers(1, HTTP_HEAD_MAX - rl - 1, true, &len);
	cr_assert_eq(http_parse_request_head(buf, len, &h), -E2BIG);
	cr_assert_eq(http_parse_request_head(buf, HTTP_HEAD_MAX, &h), -E2BIG);
	cr_assert_eq(http_parse_request_head(buf, HTTP_HEAD_MAX - 1, &h), -EAGAIN);
	free(buf);
	/* A head that never ends. */
	buf = head_with_headers(1, 3 * HTTP_HEAD_MAX, false, &len);
	cr_assert_eq(http_parse_request_head(buf, len, &h), -E2BIG);
	free(buf);
}

Test(http_head, host_length_limit)
{
	char buf[1024];
	struct http_head h;
	char host[HTTP_HOST_MAX + 2];
	memset(host, 'h', sizeof(host) - 1);
	host[HTTP_HOST_MAX] = '\0';
	snprintf(buf, sizeof(buf), "CONNECT %s:443 HTTP/1.1\r\nHost: %s\r\n\r\n", host, host);
	cr_assert_eq(http_parse_request_head(buf, strlen(buf), &h), 0);
	cr_assert_eq(strlen(h.host), HTTP_HOST_MAX);
	cr_assert_eq(strlen(h.host_header), HTTP_HOST_MAX);
	host[HTTP_HOST_MAX] = 'h';
	host[HTTP_HOST_MAX + 1] = '\0';
	snprintf(buf, sizeof(buf), "CONNECT %s:443 HTTP/1.1\r\n\r\n", host);
	cr_assert_eq(http_parse_request_head(buf, strlen(buf), &h), -EBADMSG);
	snprintf(buf, sizeof(buf), "GET http://a/ HTTP/1.1\r\nHost: %s\r\n\r\n", host);
	cr_assert_eq(http_parse_request_head(buf, strlen(buf), &h), -EBADMSG);
}

/* ---- the head for the origin ---- */

struct rewrite_case {
	const char *in;
	const char *out;
};

static const struct rewrite_case rewrite_cases[] = {
	{ "GET http://example.com/index.html?q=1 HTTP/1.1\r\nHost: example.com\r\n"
	  "User-Agent: curl/8.5.0\r\nAccept: */*\r\nProxy-Connection: Keep-Alive\r\n\r\n",
	  "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\n"
	  "Accept: */*\r\nConnection: close\r\n\r\n" },
	{ "GET http://Example.com HTTP/1.0\r\n\r\n",
	  "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n" },
	{ "POST http://a.example:8080/p HTTP/1.1\r\nproxy-authorization: Basic c2VjcmV0\r\n"
	  "Content-Length: 3\r\nCONNECTION: keep-alive\r\nKeep-Alive: timeout=5\r\n"
	  "Host: a.example:8080\r\nX-A: 1\r\n\r\n",
	  "POST /p HTTP/1.1\r\nHost: a.example:8080\r\nContent-Length: 3\r\nX-A: 1\r\n"
	  "Connection: close\r\n\r\n" },
	{ "GET http://[2001:db8::1]/ HTTP/1.1\r\nHost: [2001:db8::1]\r\n\r\n",
	  "GET / HTTP/1.1\r\nHost: [2001:db8::1]\r\nConnection: close\r\n\r\n" },
	{ "GET http://[2001:db8::1]:1/ HTTP/1.1\r\n\r\n",
	  "GET / HTTP/1.1\r\nHost: [2001:db8::1]:1\r\nConnection: close\r\n\r\n" },
	/* The client's Host is replaced by the target's: no fronting another virtual host. */
	{ "GET http://allowed.example/ HTTP/1.1\r\nHost: internal.example\r\n\r\n",
	  "GET / HTTP/1.1\r\nHost: allowed.example\r\nConnection: close\r\n\r\n" },
	{ "PUT http://a:65535/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	  "Proxy-Connectionx: kept\r\nX-Proxy-Connection: kept\r\n\r\n",
	  "PUT /x HTTP/1.1\r\nHost: a:65535\r\nTransfer-Encoding: chunked\r\n"
	  "Proxy-Connectionx: kept\r\nX-Proxy-Connection: kept\r\nConnection: close\r\n\r\n" },
};

static size_t rewrite_index[ARRAY_SIZE(rewrite_cases)];

ParameterizedTestParameters(http_head, rewrite)
{
	for (size_t i = 0; i < ARRAY_SIZE(rewrite_index); i++)
		rewrite_index[i] = i;
	return cr_make_param_array(size_t, rewrite_index, ARRAY_SIZE(rewrite_index));
}

ParameterizedTest(size_t *i, http_head, rewrite)
{
	const struct rewrite_case *tc = &rewrite_cases[*i];
	struct http_head h;
	char out[1024];
	size_t want = strlen(tc->out);
	cr_assert_eq(http_parse_request_head(tc->in, strlen(tc->in), &h), 0, "%s", tc->in);
	size_t n = http_rewrite_for_origin(tc->in, &h, out, sizeof(out));
	out[n < sizeof(out) ? n : 0] = '\0';
	cr_assert_str_eq(out, tc->out);
	cr_assert_eq(n, want);
	/* Every buffer too small by even a byte gives 0 and writes within it. */
	for (size_t sz = 0; sz < want; sz++) {
		char *small = malloc(sz ? sz : 1);
		cr_assert_eq(http_rewrite_for_origin(tc->in, &h, small, sz), 0, "%zu", sz);
		free(small);
	}
	char *exact = malloc(want);
	cr_assert_eq(http_rewrite_for_origin(tc->in, &h, exact, want), want);
	free(exact);
}

Test(http_head, rewrite_refuses_connect)
{
	static const char in[] = "CONNECT a:443 HTTP/1.1\r\n\r\n";
	struct http_head h;
	char out[256];
	cr_assert_eq(http_parse_request_head(in, strlen(in), &h), 0);
	cr_assert_eq(http_rewrite_for_origin(in, &h, out, sizeof(out)), 0);
}

Test(http_head, mutations)
{
	static const char base[] =
		"POST http://[2001:db8::1]:8080/upload HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n"
		"Content-Length: 10\r\nProxy-Connection: close\r\n\r\n";
	static const char values[] = { '\0', '\r', '\n', ' ', ':', '[', ']', '/', 'A', '\x80' };
	size_t len = strlen(base);
	char out[512];
	for (size_t pos = 0; pos < len; pos++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			char *buf = malloc(len);
			struct http_head h;
			memcpy(buf, base, len);
			buf[pos] = values[v];
			int r = http_parse_request_head(buf, len, &h);
			cr_assert(r == 0 || r == -EAGAIN || r == -EBADMSG || r == -EINVAL ||
					  r == -EPROTONOSUPPORT,
				  "byte %zu = %#x: %d", pos, (unsigned char)values[v], r);
			if (r == 0) {
				cr_assert_leq(h.head_len, len);
				http_rewrite_for_origin(buf, &h, out, sizeof(out));
			}
			free(buf);
		}
	}
}
