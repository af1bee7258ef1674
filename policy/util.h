/* SPDX-License-Identifier: MIT */
/*
 * util.h — small pure helpers shared by every module: cleanup attributes
 * (systemd style), array sizes, and string helpers that never allocate.
 * Nothing here prints, exits or touches the OS beyond close()/free().
 */
#ifndef AIGATE_UTIL_H
#define AIGATE_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void util_freep(void *p)
{
	free(*(void **)p);
}

static inline void util_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

#define _cleanup_(f)	__attribute__((cleanup(f)))
#define _cleanup_free_	_cleanup_(util_freep)
#define _cleanup_close_ _cleanup_(util_closep)
#define _unused_	__attribute__((unused))
#define _printf_(a, b)	__attribute__((format(printf, a, b)))
#define _warn_unused_	__attribute__((warn_unused_result))

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                        \
	({                                 \
		__typeof__(p) _tmp_ = (p); \
		(p) = NULL;                \
		_tmp_;                     \
	})
#define TAKE_FD(fd)               \
	({                        \
		int _tmp_ = (fd); \
		(fd) = -1;        \
		_tmp_;            \
	})

static inline bool util_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static inline bool util_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Bounded copy that always terminates; returns -ENAMETOOLONG instead of
 * silently truncating (a truncated path could match a different rule).
 */
static inline int util_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t n = strlen(src);
	if (n >= dstsz)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

#endif
