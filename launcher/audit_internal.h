/* SPDX-License-Identifier: MIT */
/*
 * audit_internal.h — what the audit writer's files share: the state of the
 * run (shared across the launcher and the supervisor process) and the
 * record builder, which never allocates (a record is built in a stack
 * buffer and written once, so concurrent writers never interleave).
 */
#ifndef AIGATE_AUDIT_INTERNAL_H
#define AIGATE_AUDIT_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "launcher/audit.h"

/* One page, MAP_SHARED, made before the supervisor is forked. */
struct audit_shared {
	atomic_ulong seq;
	atomic_ulong denied;
	atomic_ulong suppressed;
	atomic_ulong lost;
	atomic_ulong rejected;	   /* shim messages dropped as malformed or forged (sup_shim.c) */
	atomic_int failed_errno;   /* on_error fail: the first write error */
	atomic_bool warned;	   /* on_error warn: said once */
	atomic_ulong reserved_end; /* the log's bytes allocated ahead (audit.c, reserve()) */
	double start_ms;	   /* CLOCK_MONOTONIC at audit_init() */
};

extern struct audit_shared *audit_state;
extern struct audit_config audit_cfg;

/*
 * A record being built. Strings longer than str_max and lists longer than
 * list_max are shortened ("truncated": true); something that does not fit
 * at all sets overflow, and audit_emit() builds the record again with
 * smaller limits: a record is always whole JSON with every field.
 */
struct audit_buf {
	char *p;
	size_t len, cap;
	size_t str_max, list_max;
	bool cut, overflow;
	unsigned long seq; /* taken once per record, kept across rebuilds */
	char ts[40];
};

typedef void (*audit_fill_fn)(struct audit_buf *b, const void *ctx);

/**
 * audit_emit() - build a record (ts, session, seq, action, enforcer, then
 * what @fill adds from @ctx) in a stack buffer, shortening its strings and
 * lists until it fits in AUDIT_MAX_RECORD, and write it (audit_finish()).
 */
int audit_emit(const char *action, const char *enforcer, audit_fill_fn fill, const void *ctx);

void audit_put_field(struct audit_buf *b, const char *key, const char *value); /* NULL: omitted */
void audit_put_num(struct audit_buf *b, const char *key, long long v);
void audit_put_bool(struct audit_buf *b, const char *key, bool v);
void audit_put_strv(struct audit_buf *b, const char *key, const char *const *v);
void audit_put_rule(struct audit_buf *b, const char *text, const char *origin);
void audit_put_key(struct audit_buf *b, const char *key);
void audit_put_raw(struct audit_buf *b, const char *s);
void audit_put_str(struct audit_buf *b, const char *s);

/** audit_finish() - close the record and write it (see audit_write() for errors). */
int audit_finish(struct audit_buf *b);

/** audit_syslog_open() / audit_syslog_write() - the system log destination (audit_syslog.c). */
void audit_syslog_open(void);
void audit_syslog_write(const char *line, size_t len);

double audit_now_ms(void);

#endif
