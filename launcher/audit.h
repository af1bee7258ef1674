/* SPDX-License-Identifier: MIT */
/*
 * audit.h — the audit trail's writer: one JSON object per line, one write(2)
 * per record on an O_APPEND descriptor that only aigate, outside the
 * sandbox, ever holds. Used by the launcher and by the supervisor process
 * (several threads; writes are atomic per record). Schema: docs/audit.md.
 */
#ifndef AIGATE_AUDIT_H
#define AIGATE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Longest record; longer argv lists and paths are cut (marked "truncated": true). */
#define AUDIT_MAX_RECORD 16384

struct audit_record {
	const char *action;   /* exec, open, link, symlink, rename, unlink, truncate, syscall */
	const char *syscall;  /* "openat", "i386:5", NULL */
	const char *target;   /* resolved path or name; NULL if none */
	const char *rule;     /* rule text; "" for built-in denials */
	const char *origin;   /* "file:line" of the rule, or "built-in" */
	const char *verdict;  /* denied, killed, allowed */
	const char *enforcer; /* supervisor, launcher, … */
	int err;	      /* positive errno returned, 0 for none */
	const char *reason;   /* one line, or NULL */
	pid_t pid, ppid;      /* as the sandbox sees them; 0 = unknown */
	long uid;	      /* -1 = unknown */
	const char *exe;
	const char *const *argv; /* NULL-terminated, or NULL */
	const char *cwd;
};

/**
 * audit_open() - open (create 0600) @path for appending, making missing
 * parent directories (0700). Returns the fd (O_CLOEXEC) or -errno.
 */
int audit_open(const char *path);

/** audit_init() - the session id (16 hex digits, random) and the fd records go to. */
void audit_init(int fd);

/**
 * audit_write() - format @rec and write it with one write(2). Thread-safe.
 * Returns 0 or -errno (the record could not be written: the caller decides
 * whether that stops the run).
 */
int audit_write(const struct audit_record *rec);

/** audit_errno_name() - "EACCES" for EACCES; "E<number>" for unknown ones. */
const char *audit_errno_name(int err, char buf[16]);

#endif
