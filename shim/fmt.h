/* SPDX-License-Identifier: MIT */
/*
 * fmt.h — a bounded string builder for the shim: no snprintf (not
 * async-signal-safe, locale-aware), no allocation. Appending past the end
 * marks the builder full and keeps what fitted, always NUL-terminated.
 */
#ifndef AIGATE_SHIM_FMT_H
#define AIGATE_SHIM_FMT_H

#include <stdbool.h>
#include <stddef.h>

struct shim_fmt {
	char *buf;
	size_t cap; /* bytes at buf, >= 1 */
	size_t len; /* bytes written, buf[len] == '\0' */
	bool full;  /* something did not fit */
};

/** shim_fmt_init() - start an empty string in @buf (@cap >= 1 bytes). */
void shim_fmt_init(struct shim_fmt *f, char *buf, size_t cap);
/** shim_fmt_mem() - append @n bytes at @s; nothing of them when they do not all fit. */
void shim_fmt_mem(struct shim_fmt *f, const char *s, size_t n);
/** shim_fmt_str() - append the string @s (whole, or nothing). */
void shim_fmt_str(struct shim_fmt *f, const char *s);
/** shim_fmt_char() - append one byte (a NUL byte too: message field ends). */
void shim_fmt_char(struct shim_fmt *f, char c);
/** shim_fmt_uint() - append @v in decimal. */
void shim_fmt_uint(struct shim_fmt *f, unsigned long v);
/** shim_fmt_end() - the length written, or -1 when anything did not fit. */
long shim_fmt_end(const struct shim_fmt *f);

#endif
