/* SPDX-License-Identifier: MIT */
/*
 * seatbelt_internal.h — what seatbelt.c (the profile) shares with
 * seatbelt_rx.c (globs as regexes). Not for other modules: seatbelt.h is
 * the interface.
 */
#ifndef AIGATE_SEATBELT_INTERNAL_H
#define AIGATE_SEATBELT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "launcher/seatbelt.h"

/* A regex being built in a caller's buffer; the first error sticks. */
struct seatbelt_rx {
	char *buf;
	size_t cap, len;
	bool fold; /* every ASCII letter matches both cases */
	int err;   /* -ENAMETOOLONG (it did not fit: never truncated), -EINVAL */
};

/** seatbelt_rx_puts() - append regex text @s as it is. */
void seatbelt_rx_puts(struct seatbelt_rx *x, const char *s);

/** seatbelt_rx_literal() - append a regex matching exactly the @n bytes at @s. */
void seatbelt_rx_literal(struct seatbelt_rx *x, const char *s, size_t n);

/** seatbelt_rx_base() - append "^BASE/" ("^/" when @base is "/"). */
void seatbelt_rx_base(struct seatbelt_rx *x, const char *base);

/** seatbelt_rx_glob() - append the translation of glob @g; returns x->err. */
int seatbelt_rx_glob(struct seatbelt_rx *x, const char *g, size_t len);

/**
 * seatbelt_glob_component_end() - the index of the first '/' at or after
 * @i in glob @g that separates components (not escaped, not in a class),
 * or @len.
 */
size_t seatbelt_glob_component_end(const char *g, size_t len, size_t i);

#endif
