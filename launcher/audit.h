/* SPDX-License-Identifier: MIT */
/*
 * audit.h — the audit trail's writer: one JSON object per line, one write(2)
 * per record on an O_APPEND descriptor that only aigate, outside the
 * sandbox, ever holds (or the system log). Used by the launcher and by the
 * supervisor process, which is forked from it after audit_init() and so
 * shares the session id, the sequence and the counters (a MAP_SHARED page).
 * Schema: docs/audit.md, docs/audit.schema.json.
 */
#ifndef AIGATE_AUDIT_H
#define AIGATE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Longest record; longer argv lists and paths are cut (marked "truncated": true). */
#define AUDIT_MAX_RECORD 16384

enum audit_level { AUDIT_LEVEL_DENIED, AUDIT_LEVEL_EXEC, AUDIT_LEVEL_ALL };
enum audit_on_error { AUDIT_ON_ERROR_FAIL, AUDIT_ON_ERROR_WARN };

struct audit_config {
	int fd;		  /* records go here; -1 with !syslog: nowhere (counted only) */
	bool syslog;	  /* records go to the system log instead */
	const char *path; /* as named to the user: the file, "-" or "syslog" */
	enum audit_level level;
	enum audit_on_error on_error;
};

struct audit_record {
	const char *action; /* exec, open, link, symlink, rename, unlink, truncate, syscall, mask */
	const char *syscall;  /* "openat", "i386:5", NULL */
	const char *target;   /* resolved path or name; NULL if none */
	const char *rule;     /* rule text; "" for built-in denials; NULL for allowed records */
	const char *origin;   /* "file:line" of the rule, or "built-in" */
	const char *verdict;  /* denied, killed, allowed, masked */
	const char *enforcer; /* supervisor, launcher, … */
	int err;	      /* positive errno returned, 0 for none */
	const char *reason;   /* one line, or NULL */
	pid_t pid, ppid;      /* as the sandbox sees them; 0 = unknown */
	long uid;	      /* -1 = unknown */
	const char *exe;
	const char *const *argv; /* NULL-terminated, or NULL */
	const char *cwd;
	const char *stream;  /* mask records: "stdout", "stderr" (the terminal is "stdout") */
	unsigned long count; /* mask records: occurrences masked */
	/* Filled by audit_admit(): */
	bool admitted;		  /* the rate limiter has let it through */
	unsigned long suppressed; /* drops of the same (rule, pid) reported by this record */
};

/**
 * audit_init() - start the session: a random id, the shared sequence and
 * counters, the destination. Call once, in the launcher, before the
 * supervisor is forked. Returns 0 or -errno (no shared page).
 */
int audit_init(const struct audit_config *c);

/** audit_open() - open (create 0600) @path for appending, making missing parents (0700). fd or -errno. */
int audit_open(const char *path);

/** audit_session_id() - the 16 hex digits of this run ("" before audit_init()). */
const char *audit_session_id(void);

/** audit_destination() - the log as named to the user: the file, "-" or "syslog". */
const char *audit_destination(void);

/** audit_level() - what audit.level asks to record. */
enum audit_level audit_level(void);

/**
 * audit_admit() - count a denial (every one, written or not) and apply the
 * rate limit per (rule, pid, system call): true if @rec is to be written, with
 * @rec->suppressed set. Needs action, rule, origin, verdict and pid only,
 * so a caller can skip gathering the rest of a dropped record. Records
 * without a rule (allowed ones) are always admitted.
 */
bool audit_admit(struct audit_record *rec);

/**
 * audit_write() - admit (unless done), format and write @rec with one
 * write(2). Thread-safe. Returns 0, 1 when rate-limited, or -errno when it
 * could not be written: then the record went to stderr, and with
 * audit.on_error fail audit_failed() is true and the caller must stop
 * the run.
 */
int audit_write(struct audit_record *rec);

/** audit_failed() - a record could not be written under on_error fail (any process of the run). */
bool audit_failed(int *ret_errno);

/** audit_flush_suppressed() - write a summary record for every key with unreported drops. */
void audit_flush_suppressed(void);

struct audit_totals {
	unsigned long denied, suppressed, lost, rejected;
};

/** audit_count_rejected() - one more message from inside that was not a record (forged, malformed). */
void audit_count_rejected(void);
/** audit_totals() - the session's counters so far (all processes). */
void audit_totals(struct audit_totals *t);

struct audit_session_start {
	const char *const *command;
	const void *policy_blob;
	size_t policy_size;
	const char *const *policy_files; /* NULL-terminated */
	const char *enforcement;	 /* "full", "command-line" */
	const char *const *degraded;	 /* NULL-terminated, may be empty */
	const char *const *limits; /* resource_limits: key, mechanism, …, NULL; NULL: none set */
	const char *version;
};

/** audit_session_start() - the first record of the run. Returns audit_write()'s result. */
int audit_session_start(const struct audit_session_start *s);

/**
 * audit_session_end() - flush this process's suppression summaries, write
 * the last record and fsync. Returns 0 or -errno.
 */
int audit_session_end(int exit_status, int cmd_status);

/** audit_errno_name() - "EACCES" for EACCES; "E<number>" for unknown ones. */
const char *audit_errno_name(int err, char buf[16]);

/**
 * audit_write_unlimited() - write @rec without the rate limiter and without
 * counting it as a denial: for the few summary records of a run (mask
 * counts, one per pattern and stream, at the end). 0 or -errno.
 */
int audit_write_unlimited(struct audit_record *rec);

#endif
