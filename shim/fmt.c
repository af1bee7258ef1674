/* SPDX-License-Identifier: MIT */
/* fmt.c — see fmt.h. */
#include <string.h>

#include "shim/fmt.h"

void shim_fmt_init(struct shim_fmt *f, char *buf, size_t cap)
{
	f->buf = buf;
	f->cap = cap;
	f->len = 0;
	f->full = cap == 0;
	if (cap)
		buf[0] = '\0';
}

void shim_fmt_mem(struct shim_fmt *f, const char *s, size_t n)
{
	/* Room for the bytes and the terminating NUL. */
	if (f->full || n >= f->cap - f->len) {
		f->full = true;
		return;
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
	f->buf[f->len] = '\0';
}

void shim_fmt_str(struct shim_fmt *f, const char *s)
{
	shim_fmt_mem(f, s ? s : "", s ? strlen(s) : 0);
}

void shim_fmt_char(struct shim_fmt *f, char c)
{
	shim_fmt_mem(f, &c, 1);
}

void shim_fmt_uint(struct shim_fmt *f, unsigned long v)
{
	char d[24];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	shim_fmt_mem(f, d + n, sizeof(d) - n);
}

long shim_fmt_end(const struct shim_fmt *f)
{
	return f->full ? -1 : (long)f->len;
}
