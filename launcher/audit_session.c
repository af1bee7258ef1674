/* SPDX-License-Identifier: MIT */
/*
 * audit_session.c — the first and last records of a run (docs/audit.md):
 * what was run, under which policy (the SHA-256 of the compiled blob every
 * enforcer judged by), how completely it was enforced; and how it ended,
 * with the session's counters. The end record is fsync'ed: a CI job that
 * reads the trail right after must find it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/audit_internal.h"
#include "launcher/sha256.h"

static const char *level_name(enum audit_level l)
{
	return l == AUDIT_LEVEL_ALL ? "all" : l == AUDIT_LEVEL_EXEC ? "exec" : "denied";
}

static void fill_start(struct audit_buf *b, const void *ctx)
{
	const struct audit_session_start *s = ctx;
	char hash[7 + 65] = "sha256:", cwd[PATH_MAX];
	static const char *const none[] = { NULL };

	sha256_hex(s->policy_blob, s->policy_size, hash + 7);
	audit_put_num(b, "pid", getpid());
	audit_put_num(b, "uid", getuid());
	if (getcwd(cwd, sizeof(cwd)))
		audit_put_field(b, "cwd", cwd);
	audit_put_strv(b, "command", s->command);
	audit_put_field(b, "policy_hash", hash);
	audit_put_strv(b, "policy_files", s->policy_files ? s->policy_files : none);
	audit_put_field(b, "enforcement", s->enforcement);
	audit_put_strv(b, "degraded", s->degraded ? s->degraded : none);
	audit_put_key(b, "audit");
	audit_put_raw(b, "{\"level\":");
	audit_put_str(b, level_name(audit_cfg.level));
	audit_put_raw(b, ",\"on_error\":");
	audit_put_str(b, audit_cfg.on_error == AUDIT_ON_ERROR_WARN ? "warn" : "fail");
	audit_put_raw(b, ",\"path\":");
	audit_put_str(b, audit_cfg.path ? audit_cfg.path : "");
	audit_put_raw(b, "}");
	/* Which mechanism enforces each resource limit the policy sets (docs/limits.md). */
	audit_put_key(b, "limits");
	audit_put_raw(b, "{");
	for (size_t i = 0; s->limits && s->limits[i] && s->limits[i + 1]; i += 2) {
		if (i)
			audit_put_raw(b, ",");
		audit_put_str(b, s->limits[i]);
		audit_put_raw(b, ":");
		audit_put_str(b, s->limits[i + 1]);
	}
	audit_put_raw(b, "}");
	audit_put_field(b, "version", s->version);
}

int audit_session_start(const struct audit_session_start *s)
{
	return audit_emit("session_start", "launcher", fill_start, s);
}

struct end_ctx {
	int exit_status, cmd_status;
};

static void fill_end(struct audit_buf *b, const void *ctx)
{
	const struct end_ctx *e = ctx;
	struct audit_totals t;
	char num[32];
	audit_totals(&t);
	audit_put_num(b, "exit_status", e->exit_status);
	audit_put_num(b, "cmd_status", e->cmd_status);
	audit_put_num(b, "denied", (long long)t.denied);
	audit_put_num(b, "suppressed", (long long)t.suppressed);
	audit_put_num(b, "lost", (long long)t.lost);
	if (t.rejected) /* someone inside sent the supervisor what the shim never would */
		audit_put_num(b, "rejected", (long long)t.rejected);
	double ms = audit_state ? audit_now_ms() - audit_state->start_ms : 0;
	snprintf(num, sizeof(num), "%.3f", ms < 0 ? 0 : ms);
	audit_put_key(b, "duration_ms");
	audit_put_raw(b, num);
}

int audit_session_end(int exit_status, int cmd_status)
{
	struct end_ctx e = { exit_status, cmd_status };
	audit_flush_suppressed();
	int r = audit_emit("session_end", "launcher", fill_end, &e);
	if (r < 0)
		return r;
	/* The end is on disk before aigate exits (a pipe, a tty or the syslog: nothing to sync). */
	if (!audit_cfg.syslog && audit_cfg.fd >= 0 && fsync(audit_cfg.fd) < 0 && errno != EINVAL &&
	    errno != EROFS && errno != ENOTSUP)
		return -errno;
	return 0;
}
