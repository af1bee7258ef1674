/* SPDX-License-Identifier: MIT */
/* state.c — see state.h. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "shim/fmt.h"
#include "shim/platform.h"
#include "shim/shim_protocol.h"
#include "shim/state.h"

enum {
	SHIM_PHASE_NONE,       /* nobody has built the state yet */
	SHIM_PHASE_WRITING,    /* one caller is building shim_global's first part */
	SHIM_PHASE_PREPARED,   /* the first part is complete (the constructor's) */
	SHIM_PHASE_VALIDATING, /* one caller is validating the blob into shim_global */
	SHIM_PHASE_READY,      /* shim_global is complete and immutable */
	SHIM_PHASE_OFF,	       /* secure process: do nothing */
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

/* The part that needs the environment and descriptors as they were at start. */
static void build_early(struct shim_state *st, const char *(*getenv_fn)(const char *name))
{
	const char *path = getenv_fn(SHIM_ENV_PATH);
	const char *pol = getenv_fn(SHIM_ENV_POLICY_FD);
	const char *aud = getenv_fn(SHIM_ENV_AUDIT_FD);
	const char *net = getenv_fn(SHIM_ENV_NET_FD);
	int pfd = parse_fd(pol);

	memset(&st->blob, 0, sizeof(st->blob));
	st->have_blob = false;
	st->map = NULL;
	st->map_size = 0;
	if (pfd >= 0 && shim_plat_map_policy(pfd, &st->map, &st->map_size) < 0)
		st->map = NULL;
	st->audit_fd = parse_fd(aud);
	if (shim_plat_audit_socket(st->audit_fd, &st->audit_dev, &st->audit_ino) < 0)
		st->audit_fd = -1;
	/* Mapped by the first connect (hooks_net.c): most processes never make one. */
	st->net_fd = parse_fd(net);
	/* Only an absolute path can be put back into LD_PRELOAD safely. */
	make_entry(st->path_entry, sizeof(st->path_entry), SHIM_ENV_PATH,
		   path && path[0] == '/' ? path : NULL);
	make_entry(st->policy_entry, sizeof(st->policy_entry), SHIM_ENV_POLICY_FD,
		   pfd >= 0 ? pol : NULL);
	make_entry(st->audit_entry, sizeof(st->audit_entry), SHIM_ENV_AUDIT_FD,
		   parse_fd(aud) >= 0 ? aud : NULL);
	make_entry(st->net_entry, sizeof(st->net_entry), SHIM_ENV_NET_FD,
		   st->net_fd >= 0 ? net : NULL);
	st->want.path_entry = st->path_entry;
	st->want.policy_entry = st->policy_entry;
	st->want.audit_entry = st->audit_entry;
	st->want.net_entry = st->net_entry;
	st->want.shim_path = st->path_entry[0] ? st->path_entry + sizeof(SHIM_ENV_PATH) : "";
}

/* The part that only reads memory: safe wherever a hook runs. */
static void build_late(struct shim_state *st)
{
	st->filter.nhints = 0;
	st->have_blob = st->map && policy_blob_open(st->map, st->map_size, &st->blob) == 0;
	if (st->have_blob)
		shim_decide_filter_build(&st->blob, &st->filter);
}

void shim_state_build(struct shim_state *st, const char *(*getenv_fn)(const char *name))
{
	build_early(st, getenv_fn);
	build_late(st);
}

extern char **environ;

/*
 * getenv() without libc: the first call of a libc function in a new
 * process faults its code page in, which costs more here than the scan.
 */
static const char *shim_getenv(const char *name)
{
	for (char **e = environ; e && *e; e++) {
		const char *a = *e, *b = name;
		while (*b && *a == *b)
			a++, b++;
		if (!*b && *a == '=')
			return a + 1;
	}
	return NULL;
}

/* AT_SECURE: claim the OFF phase from NONE. True when the shim must do nothing. */
static bool switched_off(void)
{
	int expected = SHIM_PHASE_NONE;

	if (!shim_plat_secure())
		return false;
	/*
	 * A setuid program must not be steered by an environment its
	 * unprivileged caller chose (the glibc loader ignores most of
	 * LD_PRELOAD there for the same reason): pass everything through.
	 */
	atomic_compare_exchange_strong(&shim_phase, &expected, SHIM_PHASE_OFF);
	return true;
}

void shim_state_prepare(void)
{
	int saved = errno;
	int expected = SHIM_PHASE_NONE;

	if (atomic_load_explicit(&shim_phase, memory_order_acquire) == SHIM_PHASE_NONE &&
	    !switched_off() &&
	    atomic_compare_exchange_strong(&shim_phase, &expected, SHIM_PHASE_WRITING)) {
		build_early(&shim_global, shim_getenv);
		atomic_store_explicit(&shim_phase, SHIM_PHASE_PREPARED, memory_order_release);
	}
	errno = saved;
}

const struct shim_state *shim_state(void)
{
	int phase = atomic_load_explicit(&shim_phase, memory_order_acquire);
	int expected;
	int saved;

	if (phase == SHIM_PHASE_READY)
		return &shim_global;
	if (phase == SHIM_PHASE_OFF)
		return NULL;

	saved = errno;
	if (phase == SHIM_PHASE_NONE && switched_off()) {
		errno = saved;
		return NULL;
	}
	/*
	 * No lock: a lock taken here could be held by the thread a signal
	 * handler interrupted, or by a thread that no longer exists in a
	 * fork child. The first caller to claim a step does it in
	 * shim_global; a caller that finds a step claimed by someone else
	 * (another thread in the same microsecond, or a signal handler
	 * interrupting the builder) keeps using a private build of its own
	 * for good: it maps the same sealed memfd again, which costs one
	 * mapping and nothing else.
	 */
	static struct shim_state spare[4];
	static _Atomic unsigned nspare;
	expected = SHIM_PHASE_NONE;
	if (phase == SHIM_PHASE_NONE &&
	    atomic_compare_exchange_strong(&shim_phase, &expected, SHIM_PHASE_WRITING)) {
		shim_state_build(&shim_global, shim_getenv);
		atomic_store_explicit(&shim_phase, SHIM_PHASE_READY, memory_order_release);
		errno = saved;
		return &shim_global;
	}
	expected = SHIM_PHASE_PREPARED;
	if (atomic_compare_exchange_strong(&shim_phase, &expected, SHIM_PHASE_VALIDATING)) {
		build_late(&shim_global);
		atomic_store_explicit(&shim_phase, SHIM_PHASE_READY, memory_order_release);
		errno = saved;
		return &shim_global;
	}
	if (expected == SHIM_PHASE_READY) {
		errno = saved;
		return &shim_global;
	}
	unsigned k = atomic_fetch_add(&nspare, 1);
	if (k >= sizeof(spare) / sizeof(spare[0])) {
		/* More racers than spares: this one call goes unjudged. */
		errno = saved;
		return NULL;
	}
	if (expected == SHIM_PHASE_VALIDATING) {
		/*
		 * The first part of shim_global is complete and no longer
		 * written (only blob, have_blob and filter are): take it
		 * rather than the environment, which the program may have
		 * cleared by now.
		 */
		spare[k].map = shim_global.map;
		spare[k].map_size = shim_global.map_size;
		spare[k].audit_fd = shim_global.audit_fd;
		spare[k].audit_dev = shim_global.audit_dev;
		spare[k].audit_ino = shim_global.audit_ino;
		spare[k].want = shim_global.want;
		build_late(&spare[k]);
	} else {
		shim_state_build(&spare[k], shim_getenv);
	}
	errno = saved;
	return &spare[k];
}
