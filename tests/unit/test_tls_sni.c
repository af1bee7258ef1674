/* SPDX-License-Identifier: MIT */
/*
 * test_tls_sni.c — the server name of a ClientHello: hellos assembled here
 * (with and without SNI, split across records at every byte, truncated at
 * every length), malformed ones (a table: every length field wrong), what
 * is not TLS at all, the TLS_HELLO_MAX limit, and real hellos captured from
 * openssl s_client and curl (tests/fixtures/tls_hello_*.inc).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/tls_sni.h"
#include "policy/util.h"

/* ---- a ClientHello under construction ---- */

/* Each field's bytes and, separately, what its length prefix says (a delta from the truth). */
struct ch_spec {
	unsigned hs_type; /* 1: ClientHello */
	long hs_len_delta;
	unsigned version;
	size_t sid_len;
	long sid_len_delta;
	size_t cs_len;
	long cs_len_delta;
	size_t comp_len;
	long comp_len_delta;
	bool ext_block; /* false: no extensions field at all */
	long ext_len_delta;
	uint8_t *ext; /* raw extensions */
	size_t ext_n;
};

static uint8_t ext_buf[TLS_HELLO_MAX + 64];

static struct ch_spec spec_default(void)
{
	struct ch_spec s = {
		.hs_type = 1,
		.version = 0x0303,
		.sid_len = 32,
		.cs_len = 6,
		.comp_len = 1,
		.ext_block = true,
		.ext = ext_buf,
	};
	return s;
}

static void ext_u8(struct ch_spec *s, unsigned v)
{
	cr_assert_lt(s->ext_n, sizeof(ext_buf));
	s->ext[s->ext_n++] = (uint8_t)v;
}

static void ext_u16(struct ch_spec *s, unsigned v)
{
	ext_u8(s, v >> 8 & 0xff);
	ext_u8(s, v & 0xff);
}

static void ext_bytes(struct ch_spec *s, const void *p, size_t n)
{
	cr_assert_leq(n, sizeof(ext_buf) - s->ext_n);
	memcpy(s->ext + s->ext_n, p, n);
	s->ext_n += n;
}

/* An extension of @type with @n bytes of @fill. */
static void ext_filler(struct ch_spec *s, unsigned type, size_t n, uint8_t fill)
{
	ext_u16(s, type);
	ext_u16(s, (unsigned)n);
	cr_assert_leq(n, sizeof(ext_buf) - s->ext_n);
	memset(s->ext + s->ext_n, fill, n);
	s->ext_n += n;
}

/* server_name with one host_name @name. */
static void ext_sni(struct ch_spec *s, const char *name)
{
	size_t n = strlen(name);
	ext_u16(s, 0);
	ext_u16(s, (unsigned)(n + 5));
	ext_u16(s, (unsigned)(n + 3));
	ext_u8(s, 0);
	ext_u16(s, (unsigned)n);
	ext_bytes(s, name, n);
}

/* What browsers send around it: supported_versions, supported_groups, ALPN. */
static void ext_common(struct ch_spec *s)
{
	static const uint8_t sv[] = { 0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04 };
	static const uint8_t groups[] = { 0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d };
	static const uint8_t alpn[] = { 0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2' };
	ext_bytes(s, sv, sizeof(sv));
	ext_bytes(s, groups, sizeof(groups));
	ext_bytes(s, alpn, sizeof(alpn));
}

static void put_len(uint8_t *p, size_t bytes, long v)
{
	for (size_t i = 0; i < bytes; i++)
		p[i] = (uint8_t)((unsigned long)v >> (8 * (bytes - 1 - i)));
}

/* The handshake message of @s into @out; returns its length. */
static size_t build_msg(const struct ch_spec *s, uint8_t *out, size_t outsz)
{
	size_t n = 4;
	cr_assert_geq(outsz,
		      4 + 2 + 32 + 1 + s->sid_len + 2 + s->cs_len + 1 + s->comp_len + 2 + s->ext_n);
	out[0] = (uint8_t)s->hs_type;
	put_len(out + n, 2, s->version), n += 2;
	memset(out + n, 0xaa, 32), n += 32;
	put_len(out + n, 1, (long)s->sid_len + s->sid_len_delta), n += 1;
	memset(out + n, 0x55, s->sid_len), n += s->sid_len;
	put_len(out + n, 2, (long)s->cs_len + s->cs_len_delta), n += 2;
	for (size_t i = 0; i < s->cs_len; i++)
		out[n++] = (uint8_t)(i % 2 ? 0x01 + i : 0x13); /* TLS_AES_*: 13 01, 13 03, ... */
	put_len(out + n, 1, (long)s->comp_len + s->comp_len_delta), n += 1;
	memset(out + n, 0, s->comp_len), n += s->comp_len;
	if (s->ext_block) {
		put_len(out + n, 2, (long)s->ext_n + s->ext_len_delta), n += 2;
		memcpy(out + n, s->ext, s->ext_n), n += s->ext_n;
	}
	put_len(out + 1, 3, (long)(n - 4) + s->hs_len_delta);
	return n;
}

/*
 * @msg in TLS records: fragments of @frags[i] bytes (0 ends the list; the
 * last record takes what is left). Record version 0x0301 first, as
 * clients send it, 0x0303 after.
 */
static size_t wrap(const uint8_t *msg, size_t n, const size_t *frags, uint8_t *out, size_t outsz)
{
	size_t o = 0, done = 0;
	for (size_t r = 0; done < n; r++) {
		size_t f = frags && frags[r] ? frags[r] : n - done;
		if (f > n - done)
			f = n - done;
		cr_assert_leq(o + 5 + f, outsz);
		out[o++] = 22;
		out[o++] = 3;
		out[o++] = r ? 3 : 1;
		out[o++] = (uint8_t)(f >> 8);
		out[o++] = (uint8_t)f;
		memcpy(out + o, msg + done, f);
		o += f;
		done += f;
	}
	return o;
}

static uint8_t msg_buf[TLS_HELLO_MAX + 64];
static uint8_t rec_buf[TLS_HELLO_MAX + 256];

/* @s in one record (@frags NULL) or as @frags says, into rec_buf. */
static size_t build(const struct ch_spec *s, const size_t *frags)
{
	size_t n = build_msg(s, msg_buf, sizeof(msg_buf));
	return wrap(msg_buf, n, frags, rec_buf, sizeof(rec_buf));
}

/* tls_client_hello_sni() on a copy of exactly @len bytes (so ASan sees any read past them). */
static int sni(const uint8_t *buf, size_t len, char *name, size_t size)
{
	uint8_t *copy = malloc(len ? len : 1);
	cr_assert_not_null(copy);
	memcpy(copy, buf, len);
	int r = tls_client_hello_sni(copy, len, name, size);
	free(copy);
	return r;
}

static struct ch_spec spec_with_sni(const char *name)
{
	struct ch_spec s = spec_default();
	ext_common(&s);
	ext_sni(&s, name);
	ext_filler(&s, 21, 40, 0); /* padding */
	return s;
}

/* ---- well-formed hellos ---- */

Test(tls_sni, one_record)
{
	struct ch_spec s = spec_with_sni("Api.Example.COM");
	size_t n = build(&s, NULL);
	char name[256] = "";
	cr_assert_eq(sni(rec_buf, n, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "api.example.com");
}

Test(tls_sni, trailing_bytes_after_the_hello_are_not_read)
{
	struct ch_spec s = spec_with_sni("a.example");
	size_t n = build(&s, NULL);
	char name[256];
	/* Early data or the next record may follow in the same read. */
	memcpy(rec_buf + n, "\x17\x03\x03\x00\x10", 5);
	cr_assert_eq(sni(rec_buf, n + 5, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "a.example");
}

Test(tls_sni, sni_first_last_and_alone)
{
	char name[256];
	struct ch_spec s = spec_default();
	ext_sni(&s, "first.example");
	ext_common(&s);
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), 0);
	cr_assert_str_eq(name, "first.example");

	s = spec_default();
	ext_sni(&s, "x");
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), 0);
	cr_assert_str_eq(name, "x");

	/* No session id, one cipher suite: the smallest fields. */
	s = spec_default();
	s.sid_len = 0;
	s.cs_len = 2;
	ext_common(&s);
	ext_sni(&s, "last_one-1.example");
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), 0);
	cr_assert_str_eq(name, "last_one-1.example");
}

Test(tls_sni, other_name_types_are_skipped)
{
	char name[256];
	struct ch_spec s = spec_default();
	/* A list of: an unknown name_type 7, then host_name. */
	ext_u16(&s, 0);
	ext_u16(&s, 2 + 3 + 2 + 3 + 9);
	ext_u16(&s, 3 + 2 + 3 + 9);
	ext_u8(&s, 7);
	ext_u16(&s, 2);
	ext_bytes(&s, "\xff\x00", 2);
	ext_u8(&s, 0);
	ext_u16(&s, 9);
	ext_bytes(&s, "b.example", 9);
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), 0);
	cr_assert_str_eq(name, "b.example");
}

Test(tls_sni, no_server_name)
{
	char name[16] = "untouched";
	struct ch_spec s = spec_default();
	ext_common(&s);
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), -ENOENT);
	cr_assert_str_eq(name, "untouched");

	/* An empty extensions block. */
	s = spec_default();
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), -ENOENT);

	/* No extensions field at all (SSL 3.0-style). */
	s = spec_default();
	s.ext_block = false;
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), -ENOENT);

	/* server_name with only a name_type we do not know. */
	s = spec_default();
	ext_u16(&s, 0);
	ext_u16(&s, 2 + 3 + 1);
	ext_u16(&s, 3 + 1);
	ext_u8(&s, 1);
	ext_u16(&s, 1);
	ext_u8(&s, 'z');
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), -ENOENT);
	cr_assert_str_eq(name, "untouched");
}

Test(tls_sni, split_at_every_byte)
{
	struct ch_spec s = spec_with_sni("split.example.net");
	size_t mlen = build_msg(&s, msg_buf, sizeof(msg_buf));
	for (size_t at = 1; at < mlen; at++) {
		size_t frags[] = { at, 0 };
		size_t n = wrap(msg_buf, mlen, frags, rec_buf, sizeof(rec_buf));
		char name[256] = "";
		cr_assert_eq(n, mlen + 10);
		int r = sni(rec_buf, n, name, sizeof(name));
		cr_assert_eq(r, 0, "split at %zu: %d", at, r);
		cr_assert_str_eq(name, "split.example.net", "split at %zu", at);
	}
}

Test(tls_sni, one_byte_records)
{
	struct ch_spec s = spec_with_sni("tiny.example");
	size_t mlen = build_msg(&s, msg_buf, sizeof(msg_buf));
	size_t frags[512];
	char name[256];
	cr_assert_lt(mlen, ARRAY_SIZE(frags));
	for (size_t i = 0; i < ARRAY_SIZE(frags); i++)
		frags[i] = 1;
	size_t n = wrap(msg_buf, mlen, frags, rec_buf, sizeof(rec_buf));
	cr_assert_eq(n, mlen * 6);
	cr_assert_eq(sni(rec_buf, n, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "tiny.example");
}

/* Every prefix of @buf (@n bytes) is -EAGAIN, and the whole is @want. */
static void assert_prefixes_eagain(const uint8_t *buf, size_t n, int want)
{
	char name[256];
	for (size_t len = 0; len < n; len++) {
		int r = sni(buf, len, name, sizeof(name));
		cr_assert_eq(r, -EAGAIN, "prefix %zu of %zu: %d", len, n, r);
	}
	cr_assert_eq(sni(buf, n, name, sizeof(name)), want);
}

Test(tls_sni, every_prefix_one_record)
{
	struct ch_spec s = spec_with_sni("prefix.example");
	assert_prefixes_eagain(rec_buf, build(&s, NULL), 0);
}

Test(tls_sni, every_prefix_two_records)
{
	struct ch_spec s = spec_with_sni("prefix.example");
	size_t frags[] = { 50, 0 };
	assert_prefixes_eagain(rec_buf, build(&s, frags), 0);
}

Test(tls_sni, every_prefix_without_sni)
{
	struct ch_spec s = spec_default();
	ext_common(&s);
	size_t frags[] = { 7, 30, 0 };
	assert_prefixes_eagain(rec_buf, build(&s, frags), -ENOENT);
}

Test(tls_sni, name_lengths)
{
	char name[300], host[300];
	struct ch_spec s;
	/* 253 bytes: labels of 63. */
	for (size_t i = 0; i < 253; i++)
		host[i] = i % 64 == 63 ? '.' : 'h';
	host[253] = '\0';
	s = spec_default();
	ext_sni(&s, host);
	size_t n = build(&s, NULL);
	cr_assert_eq(sni(rec_buf, n, name, sizeof(name)), 0);
	cr_assert_str_eq(name, host);
	/* The caller's buffer: exactly enough, then a byte short. */
	cr_assert_eq(sni(rec_buf, n, name, 254), 0);
	cr_assert_eq(sni(rec_buf, n, name, 253), -EBADMSG);
	cr_assert_eq(sni(rec_buf, n, name, 0), -EBADMSG);
	/* 254 bytes: not a DNS name. */
	host[253] = 'h';
	host[254] = '\0';
	s = spec_default();
	ext_sni(&s, host);
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), -EBADMSG);
}

Test(tls_sni, bad_names)
{
	static const char *const bad[] = {
		"",	"a b", "a/b",	     "a:443", "a\\b",  "caf\xc3\xa9", ".a",  "a.",
		"a..b", ".",   "a*.example", "a\x01", "a%2eb", "[::1]",	      "a@b", "\x7f",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char name[256];
		struct ch_spec s = spec_default();
		ext_sni(&s, bad[i]);
		cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), -EBADMSG, "\"%s\"",
			     bad[i]);
	}
	/* A NUL inside the name: would cut a C string short. */
	char name[256];
	struct ch_spec s = spec_default();
	ext_u16(&s, 0);
	ext_u16(&s, 5 + 3);
	ext_u16(&s, 3 + 3);
	ext_u8(&s, 0);
	ext_u16(&s, 3);
	ext_bytes(&s, "a\0b", 3);
	cr_assert_eq(sni(rec_buf, build(&s, NULL), name, sizeof(name)), -EBADMSG);
}

/* ---- not TLS ---- */

struct raw_case {
	const char *what;
	const uint8_t *buf;
	size_t len;
	int ret;
};

#define RAW(what, ret, ...)                                                                       \
	{                                                                                         \
		what, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), \
			ret                                                                       \
	}

static const struct raw_case raw_cases[] = {
	{ "empty", (const uint8_t *)"", 0, -EAGAIN },
	RAW("a handshake byte", -EAGAIN, 22),
	RAW("handshake, version 3", -EAGAIN, 22, 3),
	RAW("a record header", -EAGAIN, 22, 3, 1, 0, 10),
	RAW("a record header and the handshake type", -EAGAIN, 22, 3, 1, 0, 10, 1),
	{ "HTTP", (const uint8_t *)"GET / HTTP/1.1\r\n", 16, -ENOTSUP },
	{ "HTTP CONNECT", (const uint8_t *)"CONNECT a:443 HTTP/1.1\r\n", 24, -ENOTSUP },
	{ "SSH", (const uint8_t *)"SSH-2.0-OpenSSH_9.2\r\n", 21, -ENOTSUP },
	RAW("one byte of HTTP", -ENOTSUP, 'G'),
	RAW("application data", -ENOTSUP, 23, 3, 3, 0, 1, 0),
	RAW("alert", -ENOTSUP, 21, 3, 3, 0, 2, 2, 40),
	RAW("change_cipher_spec", -ENOTSUP, 20, 3, 3, 0, 1, 1),
	RAW("SSLv2 ClientHello", -ENOTSUP, 0x80, 0x2e, 0x01, 0x00, 0x02),
	RAW("handshake, version 2", -ENOTSUP, 22, 2, 0, 0, 4),
	RAW("handshake, version 4", -ENOTSUP, 22, 4, 0, 0, 4),
	/* TLS, but not a ClientHello, or malformed records */
	RAW("record of length 0", -EBADMSG, 22, 3, 1, 0, 0),
	RAW("record of 2^14 + 1", -EBADMSG, 22, 3, 1, 0x40, 0x01, 1),
	RAW("ServerHello", -EBADMSG, 22, 3, 3, 0, 4, 2, 0, 0, 0),
	RAW("HelloRequest", -EBADMSG, 22, 3, 3, 0, 4, 0, 0, 0, 0),
	RAW("ClientHello of length 0", -EBADMSG, 22, 3, 1, 0, 4, 1, 0, 0, 0),
	RAW("ClientHello of 16 MiB", -EBADMSG, 22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff),
	RAW("ClientHello of TLS_HELLO_MAX", -EBADMSG, 22, 3, 1, 0, 4, 1, 0x01, 0x00, 0x00),
	RAW("second record not handshake", -EBADMSG, 22, 3, 1, 0, 2, 1, 0, 23, 3, 3, 0, 2, 0, 50),
	RAW("second record version 2", -EBADMSG, 22, 3, 1, 0, 2, 1, 0, 22, 2),
	RAW("second record empty", -EBADMSG, 22, 3, 1, 0, 2, 1, 0, 22, 3, 3, 0, 0),
	RAW("legacy_version 2.0", -EBADMSG, 22, 3, 1, 0, 6, 1, 0, 0, 50, 2, 0),
};

static size_t raw_index[ARRAY_SIZE(raw_cases)];

ParameterizedTestParameters(tls_sni, raw)
{
	for (size_t i = 0; i < ARRAY_SIZE(raw_index); i++)
		raw_index[i] = i;
	return cr_make_param_array(size_t, raw_index, ARRAY_SIZE(raw_index));
}

ParameterizedTest(size_t *i, tls_sni, raw)
{
	const struct raw_case *tc = &raw_cases[*i];
	char name[256];
	int r = sni(tc->buf, tc->len, name, sizeof(name));
	cr_assert_eq(r, tc->ret, "%s: %d, expected %d", tc->what, r, tc->ret);
}

/* ---- bad lengths in the ClientHello ---- */

struct bad_case {
	const char *what;
	void (*mutate)(struct ch_spec *s);
};

static void hs_len_plus(struct ch_spec *s)
{
	s->hs_len_delta = 1;
}

static void hs_len_minus(struct ch_spec *s)
{
	s->hs_len_delta = -1;
}

static void sid_33(struct ch_spec *s)
{
	s->sid_len = 33;
}

static void sid_len_past(struct ch_spec *s)
{
	s->sid_len_delta = 200;
}

static void cs_odd(struct ch_spec *s)
{
	s->cs_len = 5;
}

static void cs_zero(struct ch_spec *s)
{
	s->cs_len = 0;
}

static void cs_len_past(struct ch_spec *s)
{
	s->cs_len_delta = 0x7000;
}

static void comp_zero(struct ch_spec *s)
{
	s->comp_len = 0;
}

static void comp_len_past(struct ch_spec *s)
{
	s->comp_len_delta = 200;
}

static void ext_len_plus(struct ch_spec *s)
{
	s->ext_len_delta = 1;
}

static void ext_len_minus(struct ch_spec *s)
{
	s->ext_len_delta = -1;
}

static void one_byte_of_ext_len(struct ch_spec *s)
{
	/* The message ends one byte into the extensions' length. */
	s->ext_block = false;
	s->comp_len = 2;
	s->comp_len_delta = -1;
}

static void ext_header_cut(struct ch_spec *s)
{
	ext_common(s);
	ext_u16(s, 0x0017);
}

static void ext_body_past(struct ch_spec *s)
{
	ext_common(s);
	ext_u16(s, 0x0017);
	ext_u16(s, 2);
	ext_u8(s, 0);
}

static void sni_ext_short(struct ch_spec *s)
{
	ext_u16(s, 0);
	ext_u16(s, 1);
	ext_u8(s, 0);
}

static void sni_list_empty(struct ch_spec *s)
{
	ext_u16(s, 0);
	ext_u16(s, 2);
	ext_u16(s, 0);
}

static void sni_list_len_mismatch(struct ch_spec *s)
{
	ext_u16(s, 0);
	ext_u16(s, 2 + 3 + 1);
	ext_u16(s, 3 + 1 + 1);
	ext_u8(s, 0);
	ext_u16(s, 1);
	ext_u8(s, 'a');
}

static void sni_entry_cut(struct ch_spec *s)
{
	ext_u16(s, 0);
	ext_u16(s, 2 + 2);
	ext_u16(s, 2);
	ext_u8(s, 0);
	ext_u8(s, 0);
}

static void sni_name_past_list(struct ch_spec *s)
{
	ext_u16(s, 0);
	ext_u16(s, 2 + 3 + 1);
	ext_u16(s, 3 + 1);
	ext_u8(s, 0);
	ext_u16(s, 2);
	ext_u8(s, 'a');
}

static void sni_ext_longer_than_list(struct ch_spec *s)
{
	ext_sni(s, "a.example");
	/* The extension says one byte more than its list: patch its length. */
	s->ext[3] += 1;
	ext_u8(s, 0);
}

static void sni_two_host_names(struct ch_spec *s)
{
	ext_u16(s, 0);
	ext_u16(s, 2 + 2 * (3 + 9));
	ext_u16(s, 2 * (3 + 9));
	ext_u8(s, 0);
	ext_u16(s, 9);
	ext_bytes(s, "a.example", 9);
	ext_u8(s, 0);
	ext_u16(s, 9);
	ext_bytes(s, "b.example", 9);
}

static void sni_twice(struct ch_spec *s)
{
	ext_sni(s, "a.example");
	ext_common(s);
	ext_sni(s, "b.example");
}

static void sni_twice_first_without_host_name(struct ch_spec *s)
{
	ext_u16(s, 0);
	ext_u16(s, 2 + 3 + 1);
	ext_u16(s, 3 + 1);
	ext_u8(s, 1);
	ext_u16(s, 1);
	ext_u8(s, 'z');
	ext_sni(s, "b.example");
}

static void sni_zero_length_name(struct ch_spec *s)
{
	ext_sni(s, "");
}

static void not_client_hello(struct ch_spec *s)
{
	s->hs_type = 2;
	ext_sni(s, "a.example");
}

static void version_2(struct ch_spec *s)
{
	s->version = 0x0200;
	ext_sni(s, "a.example");
}

static const struct bad_case bad_cases[] = {
	{ "handshake length + 1", hs_len_plus },
	{ "handshake length - 1", hs_len_minus },
	{ "session id of 33", sid_33 },
	{ "session id past the end", sid_len_past },
	{ "odd cipher suites", cs_odd },
	{ "no cipher suites", cs_zero },
	{ "cipher suites past the end", cs_len_past },
	{ "no compression methods", comp_zero },
	{ "compression methods past the end", comp_len_past },
	{ "extensions length + 1", ext_len_plus },
	{ "extensions length - 1", ext_len_minus },
	{ "one byte of extensions length", one_byte_of_ext_len },
	{ "extension header cut", ext_header_cut },
	{ "extension body past the end", ext_body_past },
	{ "server_name of 1 byte", sni_ext_short },
	{ "server_name list empty", sni_list_empty },
	{ "server_name list length mismatch", sni_list_len_mismatch },
	{ "server_name entry cut", sni_entry_cut },
	{ "host_name past the list", sni_name_past_list },
	{ "server_name longer than its list", sni_ext_longer_than_list },
	{ "two host_names", sni_two_host_names },
	{ "two server_name extensions", sni_twice },
	{ "two server_name extensions, the first without host_name",
	  sni_twice_first_without_host_name },
	{ "empty host_name", sni_zero_length_name },
	{ "ServerHello", not_client_hello },
	{ "legacy_version 2.0", version_2 },
};

static size_t bad_index[ARRAY_SIZE(bad_cases)];

ParameterizedTestParameters(tls_sni, bad)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_index); i++)
		bad_index[i] = i;
	return cr_make_param_array(size_t, bad_index, ARRAY_SIZE(bad_index));
}

ParameterizedTest(size_t *i, tls_sni, bad)
{
	const struct bad_case *tc = &bad_cases[*i];
	struct ch_spec s = spec_default();
	char name[256] = "untouched";
	tc->mutate(&s);
	size_t n = build(&s, NULL);
	/* The record's length is the truth; only the ClientHello's inner lengths lie. */
	int r = sni(rec_buf, n, name, sizeof(name));
	cr_assert_eq(r, -EBADMSG, "%s: %d", tc->what, r);
	cr_assert_str_eq(name, "untouched", "%s: @name written on error", tc->what);
	/* Split across two records, the same answer. */
	size_t frags[] = { 20, 0 };
	n = build(&s, frags);
	r = sni(rec_buf, n, name, sizeof(name));
	cr_assert_eq(r, -EBADMSG, "%s, split: %d", tc->what, r);
}

/* ---- TLS_HELLO_MAX ---- */

/* A hello of @total handshake bytes (padding fills it), in records of @frags (default: 2^14). */
static size_t build_big(size_t total, const size_t *frags)
{
	static const size_t full[] = { 16384, 16384, 16384, 16384, 16384, 0 };
	struct ch_spec s = spec_default();
	ext_sni(&s, "big.example");
	size_t base = build_msg(&s, msg_buf, sizeof(msg_buf));
	cr_assert_gt(total, base + 4);
	ext_filler(&s, 21, total - base - 4, 0);
	size_t mlen = build_msg(&s, msg_buf, sizeof(msg_buf));
	cr_assert_eq(mlen, total);
	return wrap(msg_buf, mlen, frags ? frags : full, rec_buf, sizeof(rec_buf));
}

Test(tls_sni, largest_hello)
{
	char name[256];
	/* 4 records: 20 bytes of headers; the last byte lands on TLS_HELLO_MAX. */
	size_t n = build_big(TLS_HELLO_MAX - 20, NULL);
	cr_assert_eq(n, TLS_HELLO_MAX);
	cr_assert_eq(sni(rec_buf, n, name, sizeof(name)), 0);
	cr_assert_str_eq(name, "big.example");
	for (size_t len = n - 3; len < n; len++)
		cr_assert_eq(sni(rec_buf, len, name, sizeof(name)), -EAGAIN);
	for (size_t len = 0; len < n; len += 4093)
		cr_assert_eq(sni(rec_buf, len, name, sizeof(name)), -EAGAIN);
}

Test(tls_sni, hello_past_the_limit)
{
	char name[256];
	size_t n = build_big(TLS_HELLO_MAX - 19, NULL);
	cr_assert_eq(n, TLS_HELLO_MAX + 1);
	cr_assert_eq(sni(rec_buf, n, name, sizeof(name)), -EBADMSG);
	/* A caller that has buffered TLS_HELLO_MAX bytes is told to stop, not to wait. */
	cr_assert_eq(sni(rec_buf, TLS_HELLO_MAX, name, sizeof(name)), -EBADMSG);
	cr_assert_eq(sni(rec_buf, TLS_HELLO_MAX - 1, name, sizeof(name)), -EAGAIN);
}

Test(tls_sni, record_header_at_the_limit)
{
	char name[256];
	/*
	 * Four records end 3 bytes short of TLS_HELLO_MAX and the hello needs
	 * a fifth: its header could not fit, so a caller holding those bytes
	 * is not told to wait for it.
	 */
	static const size_t frags[] = { 16384, 16384, 16384, 16361, 0 };
	size_t n = build_big(3 * 16384 + 16361 + 1, frags);
	cr_assert_eq(n, TLS_HELLO_MAX - 3 + 5 + 1);
	cr_assert_eq(sni(rec_buf, n, name, sizeof(name)), -EBADMSG);
	cr_assert_eq(sni(rec_buf, TLS_HELLO_MAX - 3, name, sizeof(name)), -EBADMSG);
	cr_assert_eq(sni(rec_buf, TLS_HELLO_MAX - 4, name, sizeof(name)), -EAGAIN);
}

/* ---- real hellos ---- */

static const uint8_t openssl_sni[] = {
#include "tests/fixtures/tls_hello_openssl_sni.inc"
};

static const uint8_t openssl_nosni[] = {
#include "tests/fixtures/tls_hello_openssl_nosni.inc"
};

static const uint8_t curl_hello[] = {
#include "tests/fixtures/tls_hello_curl.inc"
};

Test(tls_sni, real_openssl)
{
	char name[256];
	cr_assert_eq(sni(openssl_sni, sizeof(openssl_sni), name, sizeof(name)), 0);
	cr_assert_str_eq(name, "api.example.com", "sent as Api.Example.COM");
	assert_prefixes_eagain(openssl_sni, sizeof(openssl_sni), 0);
}

Test(tls_sni, real_openssl_without_sni)
{
	char name[256];
	cr_assert_eq(sni(openssl_nosni, sizeof(openssl_nosni), name, sizeof(name)), -ENOENT);
	assert_prefixes_eagain(openssl_nosni, sizeof(openssl_nosni), -ENOENT);
}

Test(tls_sni, real_curl)
{
	char name[256];
	cr_assert_eq(sni(curl_hello, sizeof(curl_hello), name, sizeof(name)), 0);
	cr_assert_str_eq(name, "api.example.com");
	assert_prefixes_eagain(curl_hello, sizeof(curl_hello), 0);
}

Test(tls_sni, real_hello_resplit)
{
	/* curl's handshake message, re-cut into records at every byte. */
	size_t mlen = sizeof(curl_hello) - 5;
	for (size_t at = 1; at < mlen; at++) {
		size_t frags[] = { at, 0 };
		char name[256];
		size_t n = wrap(curl_hello + 5, mlen, frags, rec_buf, sizeof(rec_buf));
		cr_assert_eq(sni(rec_buf, n, name, sizeof(name)), 0, "split at %zu", at);
		cr_assert_str_eq(name, "api.example.com");
	}
}

Test(tls_sni, mutations)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x02, 0x16, 0x20, 0x40, 0x7f, 0x80, 0xff };
	uint8_t *buf = malloc(sizeof(curl_hello));
	for (size_t pos = 0; pos < sizeof(curl_hello); pos++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			char name[256];
			memcpy(buf, curl_hello, sizeof(curl_hello));
			buf[pos] = values[v];
			int r = tls_client_hello_sni(buf, sizeof(curl_hello), name, sizeof(name));
			cr_assert(r == 0 || r == -EAGAIN || r == -ENOENT || r == -ENOTSUP ||
					  r == -EBADMSG,
				  "byte %zu = %#x: %d", pos, values[v], r);
			if (r == 0)
				cr_assert_leq(strlen(name), 253);
		}
	}
	free(buf);
}
