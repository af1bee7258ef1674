/* SPDX-License-Identifier: MIT */
/*
 * tls_sni.c — see tls_sni.h. The handshake message is read in place,
 * across the records that carry it, by a reader that steps over each
 * record header (no copy: a ClientHello can reach 64 KiB). Each length
 * inside the ClientHello is checked against what its enclosing structure
 * has left, never against the bytes received, so a prefix of a valid
 * ClientHello is always -EAGAIN and an inconsistent one is -EBADMSG as
 * soon as the inconsistency has arrived.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "launcher/tls_sni.h"

#define TLS_RECORD_HEADER	   5
#define TLS_RECORD_MAX		   16384 /* 2^14: a plaintext record's payload (RFC 8446 5.1) */
#define TLS_CONTENT_HANDSHAKE	   22
#define TLS_HANDSHAKE_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME	   0
#define TLS_SNI_HOST_NAME	   0
#define TLS_SNI_NAME_MAX	   253 /* a DNS name in text form */

struct hs_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;	  /* offset in @buf of the next byte */
	size_t frag_left; /* bytes of the current record's payload not yet read */
	size_t msg_left;  /* bytes of the handshake message not yet read */
};

/* Step over the next record header: a handshake record of a TLS version. */
static int next_record(struct hs_reader *r)
{
	const uint8_t *h = r->buf + r->pos;
	size_t avail = r->len - r->pos, flen;
	/* The first record decides whether this is TLS at all. */
	int not_tls = r->pos == 0 ? -ENOTSUP : -EBADMSG;

	if (avail >= 1 && h[0] != TLS_CONTENT_HANDSHAKE)
		return not_tls;
	if (avail >= 2 && h[1] != 3)
		return not_tls;
	/* A record starting here could carry nothing within TLS_HELLO_MAX: do not wait for it. */
	if (r->pos + TLS_RECORD_HEADER >= TLS_HELLO_MAX)
		return -EBADMSG;
	if (avail < TLS_RECORD_HEADER)
		return -EAGAIN;
	flen = (size_t)h[3] << 8 | h[4];
	/* Empty handshake fragments are forbidden (RFC 8446 5.1): no endless zero records. */
	if (flen == 0 || flen > TLS_RECORD_MAX)
		return -EBADMSG;
	r->pos += TLS_RECORD_HEADER;
	r->frag_left = flen;
	return 0;
}

/* The next @n bytes of the handshake message into @out (NULL: skip them). */
static int hs_read(struct hs_reader *r, uint8_t *out, size_t n)
{
	if (n > r->msg_left)
		return -EBADMSG;
	r->msg_left -= n;
	while (n) {
		if (r->frag_left == 0) {
			int e = next_record(r);
			if (e < 0)
				return e;
		}
		/* Whatever the records say, never look for the end past TLS_HELLO_MAX. */
		if (r->pos >= TLS_HELLO_MAX)
			return -EBADMSG;
		if (r->pos >= r->len)
			return -EAGAIN;
		size_t m = n;
		if (m > r->frag_left)
			m = r->frag_left;
		if (m > r->len - r->pos)
			m = r->len - r->pos;
		if (m > TLS_HELLO_MAX - r->pos)
			m = TLS_HELLO_MAX - r->pos;
		if (out) {
			memcpy(out, r->buf + r->pos, m);
			out += m;
		}
		r->pos += m;
		r->frag_left -= m;
		n -= m;
	}
	return 0;
}

static int hs_u8(struct hs_reader *r, size_t *v)
{
	uint8_t b;
	int e = hs_read(r, &b, 1);
	if (e < 0)
		return e;
	*v = b;
	return 0;
}

static int hs_u16(struct hs_reader *r, size_t *v)
{
	uint8_t b[2];
	int e = hs_read(r, b, 2);
	if (e < 0)
		return e;
	*v = (size_t)b[0] << 8 | b[1];
	return 0;
}

/*
 * The server_name extension's body (@ext_len bytes): its host_name, lower
 * case, into @name (TLS_SNI_NAME_MAX + 1). @found: whether it had one.
 */
static int read_server_name(struct hs_reader *r, size_t ext_len, char *name, bool *found)
{
	size_t list_len, type, nlen;
	int e;

	if (ext_len < 2)
		return -EBADMSG;
	e = hs_u16(r, &list_len);
	if (e < 0)
		return e;
	if (list_len != ext_len - 2 || list_len == 0)
		return -EBADMSG;
	while (list_len) {
		if (list_len < 3)
			return -EBADMSG;
		if ((e = hs_u8(r, &type)) < 0 || (e = hs_u16(r, &nlen)) < 0)
			return e;
		list_len -= 3;
		if (nlen > list_len)
			return -EBADMSG;
		list_len -= nlen;
		if (type != TLS_SNI_HOST_NAME) {
			e = hs_read(r, NULL, nlen);
			if (e < 0)
				return e;
			continue;
		}
		/* One host_name only (RFC 6066 3): two would let two readers pick differently. */
		if (*found || nlen == 0 || nlen > TLS_SNI_NAME_MAX)
			return -EBADMSG;
		uint8_t raw[TLS_SNI_NAME_MAX];
		e = hs_read(r, raw, nlen);
		if (e < 0)
			return e;
		for (size_t i = 0; i < nlen; i++) {
			uint8_t c = raw[i];
			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c - 'A' + 'a');
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
			      c == '-' || c == '_'))
				return -EBADMSG;
			/* No empty label, no trailing dot (RFC 6066 3): one spelling per name. */
			if (c == '.' && (i == 0 || i == nlen - 1 || raw[i - 1] == '.'))
				return -EBADMSG;
			name[i] = (char)c;
		}
		name[nlen] = '\0';
		*found = true;
	}
	return 0;
}

int tls_client_hello_sni(const uint8_t *buf, size_t len, char *name, size_t size)
{
	struct hs_reader r = { .buf = buf, .len = len, .msg_left = 4 };
	char found_name[TLS_SNI_NAME_MAX + 1];
	bool found = false, seen_sni = false;
	uint8_t hdr[4];
	size_t v, exts_len;
	int e;

	if (len == 0)
		return -EAGAIN;
	e = hs_read(&r, hdr, sizeof(hdr));
	if (e < 0)
		return e;
	if (hdr[0] != TLS_HANDSHAKE_CLIENT_HELLO)
		return -EBADMSG;
	r.msg_left = (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	/* Its records' headers included, the ClientHello must end within TLS_HELLO_MAX. */
	if (r.msg_left > TLS_HELLO_MAX - TLS_RECORD_HEADER - sizeof(hdr))
		return -EBADMSG;

	/* legacy_version, random */
	if ((e = hs_u16(&r, &v)) < 0)
		return e;
	if (v >> 8 != 3)
		return -EBADMSG;
	if ((e = hs_read(&r, NULL, 32)) < 0)
		return e;
	/* legacy_session_id <0..32> */
	if ((e = hs_u8(&r, &v)) < 0)
		return e;
	if (v > 32)
		return -EBADMSG;
	if ((e = hs_read(&r, NULL, v)) < 0)
		return e;
	/* cipher_suites <2..2^16-2>: pairs */
	if ((e = hs_u16(&r, &v)) < 0)
		return e;
	if (v < 2 || v % 2)
		return -EBADMSG;
	if ((e = hs_read(&r, NULL, v)) < 0)
		return e;
	/* legacy_compression_methods <1..2^8-1> */
	if ((e = hs_u8(&r, &v)) < 0)
		return e;
	if (v < 1)
		return -EBADMSG;
	if ((e = hs_read(&r, NULL, v)) < 0)
		return e;
	/* No extensions at all (SSLv3-style hello): complete, and no name. */
	if (r.msg_left == 0)
		return -ENOENT;
	if ((e = hs_u16(&r, &exts_len)) < 0)
		return e;
	if (exts_len != r.msg_left)
		return -EBADMSG;
	while (r.msg_left) {
		size_t type, ext_len;
		if (r.msg_left < 4)
			return -EBADMSG;
		if ((e = hs_u16(&r, &type)) < 0 || (e = hs_u16(&r, &ext_len)) < 0)
			return e;
		if (ext_len > r.msg_left)
			return -EBADMSG;
		if (type != TLS_EXT_SERVER_NAME) {
			if ((e = hs_read(&r, NULL, ext_len)) < 0)
				return e;
			continue;
		}
		/* An extension type appears once (RFC 8446 4.2). */
		if (seen_sni)
			return -EBADMSG;
		seen_sni = true;
		size_t before = r.msg_left;
		if ((e = read_server_name(&r, ext_len, found_name, &found)) < 0)
			return e;
		if (before - r.msg_left != ext_len)
			return -EBADMSG;
	}
	if (!found)
		return -ENOENT;
	/* A name that does not fit the caller's buffer is unusable: malformed for it. */
	size_t n = strlen(found_name);
	if (n >= size)
		return -EBADMSG;
	memcpy(name, found_name, n + 1);
	return 0;
}
