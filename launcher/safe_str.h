/* SPDX-License-Identifier: MIT */
/*
 * safe_str.h — string helpers for code that runs after clone() or fork()
 * in the sandbox's children: no allocation, no stdio, no locale, so they
 * are async-signal-safe.
 */
#ifndef AIGATE_SAFE_STR_H
#define AIGATE_SAFE_STR_H

#include <stddef.h>

static inline size_t safe_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Append @s to the NUL-terminated @buf of @bufsz bytes, truncating. */
static inline void safe_append(char *buf, size_t bufsz, const char *s)
{
	size_t n = safe_strlen(buf);
	while (*s && n + 1 < bufsz)
		buf[n++] = *s++;
	buf[n] = '\0';
}

/* Decimal @v into @buf (at least 11 bytes). */
static inline void safe_utoa(unsigned v, char *buf)
{
	char tmp[16];
	size_t n = 0, o = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[o++] = tmp[--n];
	buf[o] = '\0';
}

#endif
