/* SPDX-License-Identifier: MIT */
/*
 * audit.c — JSON Lines records (see audit.h). Formatting never allocates:
 * a record is built in a stack buffer and written once, so concurrent
 * writers (supervisor threads, the launcher) never interleave inside a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "policy/util.h"

static int audit_fd = -1;
static char session[17];
static atomic_ulong seq;

struct buf {
	char *p;
	size_t len, cap;
	bool truncated;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 64 > b->cap) { /* keep room to close the record */
		b->truncated = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min;
	unsigned cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A JSON string. Bytes that are not valid UTF-8 (a path may hold any byte)
 * are written as \u00XX so the line stays valid JSON; docs/audit.md says so.
 */
static void put_str(struct buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u);
	put(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		char esc[8];
		size_t l = utf8_len(u + i, n - i);
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

static void put_key(struct buf *b, const char *k)
{
	put(b, ",", 1);
	put_str(b, k);
	put(b, ":", 1);
}

static void put_num(struct buf *b, const char *k, long long v)
{
	char num[32];
	put_key(b, k);
	snprintf(num, sizeof(num), "%lld", v);
	puts_(b, num);
}

static void put_field(struct buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	put_key(b, k);
	put_str(b, v);
}

const char *audit_errno_name(int err, char buf[16])
{
	static const struct {
		int e;
		const char *n;
	} names[] = {
		{ EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },
		{ EACCES, "EACCES" },
		{ ENOSYS, "ENOSYS" },
		{ EINVAL, "EINVAL" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
		{ EXDEV, "EXDEV" },
		{ ELOOP, "ELOOP" },
		{ ECONNREFUSED, "ECONNREFUSED" },
		{ ENETUNREACH, "ENETUNREACH" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].e == err)
			return names[i].n;
	snprintf(buf, 16, "E%d", err);
	return buf;
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

void audit_init(int fd)
{
	unsigned char r[8] = { 0 };
	audit_fd = fd;
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts.tv_nsec, 4);
		uint32_t p = (uint32_t)getpid();
		memcpy(r + 4, &p, 4);
	}
	for (int i = 0; i < 8; i++)
		snprintf(session + 2 * i, 3, "%02x", r[i]);
}

int audit_write(const struct audit_record *rec)
{
	char mem[AUDIT_MAX_RECORD];
	struct buf b = { .p = mem, .cap = sizeof(mem) };
	struct timespec ts;
	struct tm tm;
	char when[64], ebuf[16];

	if (audit_fd < 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t w = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + w, sizeof(when) - w, ".%06ldZ", ts.tv_nsec / 1000);

	puts_(&b, "{\"ts\":");
	put_str(&b, when);
	put_field(&b, "session", session);
	put_num(&b, "seq", (long long)atomic_fetch_add(&seq, 1) + 1);
	if (rec->pid)
		put_num(&b, "pid", rec->pid);
	if (rec->ppid)
		put_num(&b, "ppid", rec->ppid);
	if (rec->uid >= 0)
		put_num(&b, "uid", rec->uid);
	put_field(&b, "exe", rec->exe);
	if (rec->argv) {
		put_key(&b, "argv");
		put(&b, "[", 1);
		for (size_t i = 0; rec->argv[i]; i++) {
			if (i)
				put(&b, ",", 1);
			put_str(&b, rec->argv[i]);
		}
		put(&b, "]", 1);
	}
	put_field(&b, "cwd", rec->cwd);
	put_field(&b, "action", rec->action);
	put_field(&b, "syscall", rec->syscall);
	put_field(&b, "target", rec->target);
	if (rec->rule) {
		put_key(&b, "rule");
		puts_(&b, "{\"text\":");
		put_str(&b, rec->rule);
		put(&b, ",", 1);
		put_str(&b, "origin");
		put(&b, ":", 1);
		put_str(&b, rec->origin ? rec->origin : "");
		put(&b, "}", 1);
	}
	put_field(&b, "verdict", rec->verdict);
	put_field(&b, "enforcer", rec->enforcer);
	if (rec->err)
		put_field(&b, "errno", audit_errno_name(rec->err, ebuf));
	put_field(&b, "reason", rec->reason);
	/* put() keeps 64 bytes spare for exactly this tail. */
	const char *tail = b.truncated ? ",\"truncated\":true}\n" : "}\n";
	memcpy(mem + b.len, tail, strlen(tail));
	b.len += strlen(tail);

	const char *p = mem;
	size_t left = b.len;
	while (left) {
		ssize_t n = write(audit_fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}
