/* SPDX-License-Identifier: MIT */
/*
 * audit_summary.h — what `aigate audit` knows about audit records
 * (docs/audit.md), apart from reading files: one record checked and taken
 * out of its JSON line, the summary of many records (sessions, denials by
 * rule, by command and by process, masked secrets), its three renderings
 * (table, json, markdown) and the one-line rendering of --follow. Nothing
 * here prints except to the FILE it is given, and nothing exits.
 */
#ifndef AIGATE_AUDIT_SUMMARY_H
#define AIGATE_AUDIT_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "launcher/json_read.h"

/* One record: the fields the summary and --follow use. Strings are NULL when absent. */
struct audit_entry {
	const char *ts;	     /* RFC 3339 (required) */
	int64_t ts_us;	     /* ts in microseconds since the epoch */
	const char *session; /* required */
	int64_t seq;	     /* required */
	const char *action;  /* required */
	const char *verdict; /* denied, killed, allowed, masked */
	const char *rule;    /* rule.text */
	const char *origin;  /* rule.origin */
	const char *exe;     /* the calling process */
	const char *argv0;   /* argv[0] */
	const char *target;  /* resolved path; for mask records the preset or pattern */
	const char *stream;  /* mask records: stdout, stderr */
	const char *command; /* session_start: CMD's argv, joined for display */
	int64_t pid;	     /* -1 when absent */
	int64_t suppressed;  /* 0 when absent */
	int64_t count;	     /* mask records; 0 when absent */
	int64_t exit_status; /* session_end; -1 when absent */
	int64_t denied;	     /* session_end; -1 when absent */
	bool summary;	     /* a rate-limit summary record */
	bool truncated;	     /* the record was cut at 16 KiB */
};

/* Room for what audit_entry_parse() makes itself: the joined command, the error text. */
struct audit_entry_buf {
	char command[4096];
	char why[256];
};

/**
 * audit_entry_parse() - check one line as an audit record and fill @ret.
 * The strings point into @jp's memory and @buf, valid until the next parse
 * with either. Returns 0; -EINVAL when the line is not an audit record
 * (@buf->why says what is wrong: "missing \"ts\"", "invalid JSON at column
 * 3: …"); -ENOMEM.
 */
int audit_entry_parse(struct json_parser *jp, const char *line, size_t len, struct audit_entry *ret,
		      struct audit_entry_buf *buf);

/** audit_time_parse() - RFC 3339 (2026-11-23T10:00:00Z, fractions, ±HH:MM offsets) to µs since the epoch. 0 or -EINVAL. */
int audit_time_parse(const char *s, int64_t *ret_us);

/**
 * audit_since_parse() - a --since value: RFC 3339, a date (2026-11-23: UTC
 * midnight) or a duration back from @now_us ("90s", "30m", "2h", "7d").
 * Returns 0 or -EINVAL.
 */
int audit_since_parse(const char *s, int64_t now_us, int64_t *ret_us);

enum audit_format { AUDIT_FORMAT_TABLE, AUDIT_FORMAT_JSON, AUDIT_FORMAT_MARKDOWN };

struct audit_summary;

/** audit_summary_new() - an empty summary. 0 or -ENOMEM. */
int audit_summary_new(struct audit_summary **ret);

/** audit_summary_free() - NULL is fine. */
void audit_summary_free(struct audit_summary *s);

static inline void audit_summary_freep(struct audit_summary **s)
{
	audit_summary_free(*s);
}

/** audit_summary_add() - count one record (its strings are copied). 0 or -ENOMEM. */
int audit_summary_add(struct audit_summary *s, const struct audit_entry *e);

/** audit_summary_note_invalid() - count a line that was not an audit record (shown in the totals). */
void audit_summary_note_invalid(struct audit_summary *s);

/**
 * audit_summary_print() - render @s to @out. Every list is in a fixed order
 * (count descending, ties by name), and nothing depends on the clock, so
 * the same records always give the same bytes. 0 or -ENOMEM.
 */
int audit_summary_print(const struct audit_summary *s, enum audit_format fmt, FILE *out);

/*
 * Rewrites one cell of the table and markdown renderings before it is
 * escaped: returns a malloc'd string (NULL: out of memory). For the --ci
 * summary, whose cells carry what the sandbox chose (a program named after
 * a token), masked as mask_stdout masks output.
 */
typedef char *(*audit_cell_filter)(void *ctx, const char *cell);

/**
 * audit_summary_set_cell_filter() - every cell audit_summary_print()
 * renders as a table or markdown from now on goes through @fn (NULL: none),
 * before the escaping: escaping first would split a secret with
 * backslashes (`sk\_live\_…`) where no mask recognises it. Process-wide;
 * set it around one print and clear it.
 */
void audit_summary_set_cell_filter(audit_cell_filter fn, void *ctx);

/**
 * audit_entry_print_line() - one readable line for --follow:
 * "14:02:11 denied open /home/u/proj/.env  \".env\" (~/.aigate/config.yaml:3)  cat[123]".
 * Control characters and bytes that are not UTF-8 are shown as \xNN.
 */
void audit_entry_print_line(const struct audit_entry *e, FILE *out);

#endif
