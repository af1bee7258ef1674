/* SPDX-License-Identifier: MIT */
/*
 * http_head.h — the request head a client sends to the egress's HTTP proxy
 * (RFC 9112): CONNECT host:port, or an absolute-form request
 * (GET http://host/path HTTP/1.1) to forward. Pure: no I/O, no allocation.
 * Everything the peer controls has a limit.
 */
#ifndef AIGATE_HTTP_HEAD_H
#define AIGATE_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX	 16384 /* request line and headers, with the blank line */
#define HTTP_HOST_MAX	 255
#define HTTP_HEADERS_MAX 100

struct http_head {
	char method[16];
	bool connect;		      /* CONNECT authority-form */
	char host[HTTP_HOST_MAX + 1]; /* from the request target; lower case, no brackets */
	uint16_t port;		      /* explicit, or 80 (http://) / none for CONNECT: required */
	const char *path; /* absolute-form: points into the buffer at the path ("/" when empty) */
	size_t path_len;
	int version_minor; /* HTTP/1.x */
	bool has_host_header;
	char host_header[HTTP_HOST_MAX + 1]; /* the Host header's host, lower case, no port */
	uint16_t host_header_port;	     /* its port, 0 when absent */
	long long content_length;	     /* -1: none */
	bool chunked;			     /* Transfer-Encoding: chunked */
	size_t head_len;		     /* bytes up to and including the blank line */
};

/**
 * http_parse_request_head() - parse the head at the start of @buf (@len
 * bytes received so far). Returns 0 (complete: @ret filled), -EAGAIN (no
 * blank line yet and @len < HTTP_HEAD_MAX), -E2BIG (the head passes
 * HTTP_HEAD_MAX, or more than HTTP_HEADERS_MAX headers), -EBADMSG
 * (malformed: bare CR, missing version, a header without ':', a control
 * byte, two Host or Content-Length headers that disagree, both
 * Content-Length and Transfer-Encoding), -EPROTONOSUPPORT (absolute-form
 * with a scheme other than http: https:// must use CONNECT), -EINVAL
 * (origin-form "/path": not a proxy request). A bare CR or LF or a control
 * byte is -EBADMSG as soon as it has arrived, before the head is complete
 * (a client speaking something else is not waited for). Also -EBADMSG:
 * userinfo or a '#' in the target, a host with bytes outside
 * [A-Za-z0-9.-_] (or an IPv6 literal that does not parse), an empty Host,
 * Transfer-Encoding whose last coding is not chunked or in HTTP/1.0.
 */
int http_parse_request_head(const char *buf, size_t len, struct http_head *ret);

/**
 * http_rewrite_for_origin() - the head to send to the origin server for
 * absolute-form request @h (parsed from @buf): request line in origin-form
 * (METHOD /path HTTP/1.1), every header except Proxy-Connection,
 * Proxy-Authorization, Connection and Keep-Alive, then "Connection: close".
 * The client's Host header is not forwarded either: "Host: " and the
 * target's host[:port] (the port when not 80) comes first instead (RFC 9112
 * 3.2.2), so the origin serves the host that was judged. Returns the
 * length written to @out (not NUL-terminated), or 0 when @outsz is too
 * small or @h is a CONNECT.
 */
size_t http_rewrite_for_origin(const char *buf, const struct http_head *h, char *out, size_t outsz);

#endif
