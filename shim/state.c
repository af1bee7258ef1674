/* SPDX-License-Identifier: MIT */
/* state.c — see state.h. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "shim/fmt.h"
#include "shim/platform.h"
#include "shim/shim_protocol.h"
#include "shim/state.h"

enum {
	SHIM_PHASE_NONE,    /* nobody has built the state yet */
	SHIM_PHASE_WRITING, /* one caller is copying its build into shim_global */
	SHIM_PHASE_READY,   /* shim_global is complete and immutable */
	SHIM_PHASE_OFF,	    /* secure process: do nothing */
};

static struct shim_state shim_global;
static _Atomic int shim_phase;

/* A non-negative decimal int, nothing else; -1 otherwise. */
static int parse_fd(const char *s)
{
	long v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 1 << 30)
			return -1;
	}
	return (int)v;
}

/* "NAME=value" into @buf when it fits; "" otherwise. */
static void make_entry(char *buf, size_t bufsz, const char *name, const char *value)
{
	struct shim_fmt f;

	buf[0] = '\0';
	if (!value || !*value)
		return;
	shim_fmt_init(&f, buf, bufsz);
	shim_fmt_str(&f, name);
	shim_fmt_char(&f, '=');
	shim_fmt_str(&f, value);
	if (shim_fmt_end(&f) < 0)
		buf[0] = '\0';
}

void shim_state_build(struct shim_state *st, const char *(*getenv_fn)(const char *name))
{
	const char *path = getenv_fn(SHIM_ENV_PATH);
	const char *pol = getenv_fn(SHIM_ENV_POLICY_FD);
	const char *aud = getenv_fn(SHIM_ENV_AUDIT_FD);
	int pfd = parse_fd(pol);

	memset(&st->blob, 0, sizeof(st->blob));
	st->have_blob = pfd >= 0 && shim_plat_map_policy(pfd, &st->blob) == 0;
	st->audit_fd = parse_fd(aud);
	if (shim_plat_audit_socket(st->audit_fd, &st->audit_dev, &st->audit_ino) < 0)
		st->audit_fd = -1;
	/* Only an absolute path can be put back into LD_PRELOAD safely. */
	make_entry(st->path_entry, sizeof(st->path_entry), SHIM_ENV_PATH,
		   path && path[0] == '/' ? path : NULL);
	make_entry(st->policy_entry, sizeof(st->policy_entry), SHIM_ENV_POLICY_FD,
		   pfd >= 0 ? pol : NULL);
	make_entry(st->audit_entry, sizeof(st->audit_entry), SHIM_ENV_AUDIT_FD,
		   parse_fd(aud) >= 0 ? aud : NULL);
	st->want.path_entry = st->path_entry;
	st->want.policy_entry = st->policy_entry;
	st->want.audit_entry = st->audit_entry;
	st->want.shim_path = st->path_entry[0] ? st->path_entry + sizeof(SHIM_ENV_PATH) : "";
}

static const char *shim_getenv(const char *name)
{
	return getenv(name);
}

const struct shim_state *shim_state(void)
{
	int phase = atomic_load_explicit(&shim_phase, memory_order_acquire);
	int expected = SHIM_PHASE_NONE;
	int saved;

	if (phase == SHIM_PHASE_READY)
		return &shim_global;
	if (phase == SHIM_PHASE_OFF)
		return NULL;

	saved = errno;
	if (shim_plat_secure()) {
		/*
		 * A setuid program must not be steered by an environment its
		 * unprivileged caller chose (the glibc loader ignores most of
		 * LD_PRELOAD there for the same reason): pass everything through.
		 */
		atomic_store_explicit(&shim_phase, SHIM_PHASE_OFF, memory_order_release);
		errno = saved;
		return NULL;
	}
	/*
	 * No lock: a lock taken here could be held by the thread a signal
	 * handler interrupted, or by a thread that no longer exists in a
	 * fork child. The first caller to claim the slot copies its build
	 * into shim_global; a caller that loses the race (another thread in
	 * the same microsecond, or a signal handler interrupting the
	 * builder) keeps using its own private build for good: it maps the
	 * same sealed memfd again, which costs one mapping and nothing else.
	 */
	static struct shim_state spare[4];
	static _Atomic unsigned nspare;
	if (atomic_compare_exchange_strong(&shim_phase, &expected, SHIM_PHASE_WRITING)) {
		shim_state_build(&shim_global, shim_getenv);
		atomic_store_explicit(&shim_phase, SHIM_PHASE_READY, memory_order_release);
		errno = saved;
		return &shim_global;
	}
	unsigned k = atomic_fetch_add(&nspare, 1);
	if (k >= sizeof(spare) / sizeof(spare[0])) {
		/* More racers than spares: this one call goes unjudged. */
		errno = saved;
		return NULL;
	}
	shim_state_build(&spare[k], shim_getenv);
	errno = saved;
	return &spare[k];
}
