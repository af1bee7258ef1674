/* SPDX-License-Identifier: MIT */
/*
 * audit.c — JSON Lines records (see audit.h): the session's shared state,
 * the record builder and the one place records are written. Formatting
 * never allocates: a record is built in a stack buffer and written once, so
 * concurrent writers (supervisor threads, the launcher, other sessions
 * appending to the same daily file) never interleave inside a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/audit_internal.h"
#include "launcher/json_read.h"
#include "launcher/log.h"
#include "policy/util.h"

struct audit_shared *audit_state;
struct audit_config audit_cfg = { .fd = -1 };
static char session[17];
static bool audit_reg; /* the log is a regular file: space is reserved before each write */

static void put(struct audit_buf *b, const char *s, size_t n)
{
	if (b->len + n + 64 > b->cap) { /* keep room to close the record */
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void puts_(struct audit_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/*
 * A JSON string. Bytes that are not valid UTF-8 (a path may hold any byte)
 * are written as \u00XX so the line stays valid JSON; docs/audit.md says so.
 */
void audit_put_str(struct audit_buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u);
	if (n > b->str_max) {
		/* Shortened at a character boundary, so no escape is cut either. */
		n = b->str_max;
		while (n > 0 && (u[n] & 0xc0) == 0x80)
			n--;
		b->cut = true;
	}
	put(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		char esc[8];
		size_t l = json_utf8_len(u + i, n - i);
		if (l == 1 && u[i] >= 0x20 && u[i] != '"' && u[i] != '\\') {
			put(b, (const char *)u + i, 1);
		} else if (l > 1) {
			put(b, (const char *)u + i, l);
		} else {
			switch (u[i]) {
			case '"':
				put(b, "\\\"", 2);
				break;
			case '\\':
				put(b, "\\\\", 2);
				break;
			case '\n':
				put(b, "\\n", 2);
				break;
			case '\t':
				put(b, "\\t", 2);
				break;
			default:
				snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
				puts_(b, esc);
			}
			l = 1;
		}
		i += l;
	}
	put(b, "\"", 1);
}

void audit_put_key(struct audit_buf *b, const char *k)
{
	put(b, ",", 1);
	audit_put_str(b, k);
	put(b, ":", 1);
}

void audit_put_num(struct audit_buf *b, const char *k, long long v)
{
	char num[32];
	audit_put_key(b, k);
	snprintf(num, sizeof(num), "%lld", v);
	puts_(b, num);
}

void audit_put_bool(struct audit_buf *b, const char *k, bool v)
{
	audit_put_key(b, k);
	puts_(b, v ? "true" : "false");
}

void audit_put_raw(struct audit_buf *b, const char *s)
{
	puts_(b, s);
}

void audit_put_field(struct audit_buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	audit_put_key(b, k);
	audit_put_str(b, v);
}

void audit_put_strv(struct audit_buf *b, const char *k, const char *const *v)
{
	audit_put_key(b, k);
	put(b, "[", 1);
	for (size_t i = 0; v && v[i]; i++) {
		if (i == b->list_max) {
			b->cut = true;
			break;
		}
		if (i)
			put(b, ",", 1);
		audit_put_str(b, v[i]);
	}
	put(b, "]", 1);
}

void audit_put_rule(struct audit_buf *b, const char *text, const char *origin)
{
	audit_put_key(b, "rule");
	puts_(b, "{\"text\":");
	audit_put_str(b, text);
	puts_(b, ",\"origin\":");
	audit_put_str(b, origin ? origin : "");
	put(b, "}", 1);
}

const char *audit_errno_name(int err, char ebuf[16])
{
	/* glibc's names (2.32+): every errno an enforcer returns, EISCONN to E2BIG. */
	const char *n = strerrorname_np(err);
	if (n)
		return n;
	snprintf(ebuf, 16, "E%d", err);
	return ebuf;
}

int audit_open(const char *path)
{
	char dir[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n + 1);
	/* Create missing parents, owner-only: the trail says what the agent tried. */
	for (char *s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	return fd < 0 ? -errno : fd;
}

double audit_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int audit_init(const struct audit_config *c)
{
	unsigned char r[8] = { 0 };
	/* Shared with the supervisor, forked later: one sequence, one set of counters per run. */
	void *page = mmap(NULL, sizeof(struct audit_shared), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -errno;
	audit_state = page;
	audit_state->start_ms = audit_now_ms();
	audit_cfg = *c;
	struct stat st;
	audit_reg = audit_cfg.fd >= 0 && fstat(audit_cfg.fd, &st) == 0 && S_ISREG(st.st_mode);
	if (audit_cfg.syslog)
		audit_syslog_open();
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts.tv_nsec, 4);
		uint32_t p = (uint32_t)getpid();
		memcpy(r + 4, &p, 4);
	}
	for (int i = 0; i < 8; i++)
		snprintf(session + 2 * i, 3, "%02x", r[i]);
	return 0;
}

const char *audit_session_id(void)
{
	return session;
}

const char *audit_destination(void)
{
	return audit_cfg.path ? audit_cfg.path : "(none)";
}

enum audit_level audit_level(void)
{
	return audit_cfg.level;
}

bool audit_failed(int *ret_errno)
{
	int e = audit_state ? atomic_load(&audit_state->failed_errno) : 0;
	if (ret_errno)
		*ret_errno = e;
	return e != 0;
}

void audit_totals(struct audit_totals *t)
{
	*t = (struct audit_totals){ 0 };
	if (!audit_state)
		return;
	t->denied = atomic_load(&audit_state->denied);
	t->suppressed = atomic_load(&audit_state->suppressed);
	t->lost = atomic_load(&audit_state->lost);
	t->rejected = atomic_load(&audit_state->rejected);
}

void audit_count_rejected(void)
{
	if (audit_state)
		atomic_fetch_add(&audit_state->rejected, 1);
}

static void begin(struct audit_buf *b, const char *action, const char *enforcer)
{
	if (!b->seq) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		size_t w = strftime(b->ts, sizeof(b->ts), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(b->ts + w, sizeof(b->ts) - w, ".%06ldZ", ts.tv_nsec / 1000);
		b->seq = audit_state ? atomic_fetch_add(&audit_state->seq, 1) + 1 : 1;
	}
	b->len = 0;
	b->cut = b->overflow = false;
	puts_(b, "{\"ts\":");
	audit_put_str(b, b->ts);
	audit_put_field(b, "session", session);
	audit_put_num(b, "seq", (long long)b->seq);
	audit_put_field(b, "action", action);
	audit_put_field(b, "enforcer", enforcer);
}

int audit_emit(const char *action, const char *enforcer, audit_fill_fn fill, const void *ctx)
{
	/* Whole first; then shorter strings and lists until it fits (a 20,000-byte argv). */
	static const struct {
		size_t str, list;
	} limits[] = { { SIZE_MAX, SIZE_MAX }, { 1024, 64 }, { 256, 16 }, { 64, 4 } };
	char mem[AUDIT_MAX_RECORD];
	struct audit_buf b = { .p = mem, .cap = sizeof(mem) };
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		b.str_max = limits[i].str;
		b.list_max = limits[i].list;
		begin(&b, action, enforcer);
		fill(&b, ctx);
		if (!b.overflow)
			break;
	}
	if (b.overflow) /* cannot happen with 64-byte strings; still never half a record */
		begin(&b, action, enforcer);
	return audit_finish(&b);
}

static int write_all(int fd, const char *p, size_t left)
{
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/*
 * A record that cannot be written is not dropped in silence: it goes to
 * our stderr (outside the sandbox) and, per audit.on_error, either stops
 * the run (the caller sees audit_failed()) or is counted as lost.
 */
static int write_failed(const char *line, size_t len, int err)
{
	if (audit_state)
		atomic_fetch_add(&audit_state->lost, 1);
	if (audit_cfg.fd != STDERR_FILENO) {
		static const char pre[] = "aigate: audit record not written: ";
		if (write_all(STDERR_FILENO, pre, sizeof(pre) - 1) == 0)
			(void)write_all(STDERR_FILENO, line, len);
	}
	if (audit_cfg.on_error == AUDIT_ON_ERROR_WARN) {
		if (audit_state && !atomic_exchange(&audit_state->warned, true))
			log_warn("the audit log %s cannot be written: %s; records go to stderr "
				 "(audit.on_error: warn)",
				 audit_cfg.path ? audit_cfg.path : "?", strerror(err));
	} else if (audit_state) {
		int zero = 0;
		atomic_compare_exchange_strong(&audit_state->failed_errno, &zero, err);
	}
	return -err;
}

/*
 * A full disk must not leave half a line: the filesystem may take part of
 * a write and refuse the rest, and an O_APPEND file cannot take it back.
 * So space is reserved past the end first (FALLOC_FL_KEEP_SIZE, 64 KiB at
 * a time, shared by the run's writers): when that fails, nothing was
 * written. Filesystems without fallocate, pipes and ttys: written as is.
 */
#define AUDIT_RESERVE 65536

static int reserve(size_t len)
{
	struct stat st;
	if (!audit_reg || fstat(audit_cfg.fd, &st) < 0)
		return 0;
	unsigned long end = (unsigned long)st.st_size + len;
	if (audit_state && end <= atomic_load(&audit_state->reserved_end))
		return 0;
	/* Ahead if there is room, else just this record. */
	size_t ahead = len + AUDIT_RESERVE;
	if (fallocate(audit_cfg.fd, FALLOC_FL_KEEP_SIZE, st.st_size, (off_t)ahead) < 0) {
		if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL)
			return 0;
		ahead = len;
		if (errno != ENOSPC ||
		    fallocate(audit_cfg.fd, FALLOC_FL_KEEP_SIZE, st.st_size, (off_t)len) < 0)
			return -errno;
	}
	if (audit_state)
		atomic_store(&audit_state->reserved_end, (unsigned long)st.st_size + ahead);
	return 0;
}

int audit_finish(struct audit_buf *b)
{
	/* put() keeps 64 bytes spare for exactly this tail. */
	const char *tail = b->cut || b->overflow ? ",\"truncated\":true}\n" : "}\n";
	memcpy(b->p + b->len, tail, strlen(tail));
	b->len += strlen(tail);
	if (audit_cfg.syslog) {
		audit_syslog_write(b->p, b->len - 1);
		return 0;
	}
	if (audit_cfg.fd < 0)
		return 0;
	int r = reserve(b->len);
	if (r == 0)
		r = write_all(audit_cfg.fd, b->p, b->len);
	return r < 0 ? write_failed(b->p, b->len, -r) : 0;
}

static void fill_record(struct audit_buf *b, const void *ctx)
{
	const struct audit_record *rec = ctx;
	char ebuf[16];
	if (rec->pid)
		audit_put_num(b, "pid", rec->pid);
	if (rec->ppid)
		audit_put_num(b, "ppid", rec->ppid);
	if (rec->uid >= 0)
		audit_put_num(b, "uid", rec->uid);
	audit_put_field(b, "exe", rec->exe);
	if (rec->argv)
		audit_put_strv(b, "argv", rec->argv);
	audit_put_field(b, "cwd", rec->cwd);
	audit_put_field(b, "syscall", rec->syscall);
	audit_put_field(b, "target", rec->target);
	if (rec->rule)
		audit_put_rule(b, rec->rule, rec->origin);
	audit_put_field(b, "verdict", rec->verdict);
	if (rec->err)
		audit_put_field(b, "errno", audit_errno_name(rec->err, ebuf));
	audit_put_field(b, "reason", rec->reason);
	if (rec->suppressed)
		audit_put_num(b, "suppressed", (long long)rec->suppressed);
	audit_put_field(b, "stream", rec->stream);
	if (rec->count)
		audit_put_num(b, "count", (long long)rec->count);
}

int audit_write_unlimited(struct audit_record *rec)
{
	return audit_emit(rec->action, rec->enforcer, fill_record, rec);
}

int audit_write(struct audit_record *rec)
{
	if (!rec->admitted && !audit_admit(rec))
		return 1;
	return audit_emit(rec->action, rec->enforcer, fill_record, rec);
}
