/* SPDX-License-Identifier: MIT */
/*
 * sup_shim.c — the shim's audit records (shim/shim_protocol.h), read by the
 * supervisor from the socket every sandboxed process inherits. The sender
 * is inside the sandbox, so nothing in a message is trusted beyond what it
 * can only claim about itself: the pid is the kernel's (SCM_CREDENTIALS),
 * the enforcer is always "shim", the rule's text and origin come from our
 * copy of the policy by index (a forged message cannot invent a rule), and
 * every field is checked and bounded. A message that does not parse is
 * dropped and counted; a flood goes through the same rate limit as every
 * denial, and allowed execs (audit.level exec) through a bucket of their
 * own, so the socket cannot fill the disk.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/sup_internal.h"
#include "launcher/sup_shim.h"
#include "policy/blob.h"
#include "shim/shim_protocol.h"

#define SHIM_ALLOWED_PER_S 2000 /* allowed-exec records per second, at most */

static atomic_ulong dropped; /* malformed messages */

struct shim_msg {
	const char *action, *verdict, *list, *target, *call;
	long rule, err;
	const char *argv[SHIM_MSG_ARGV + 1];
	size_t argc;
};

static bool one_of(const char *v, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}

static bool parse_long(const char *v, long max, long *ret)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0 || n > max)
		return false;
	*ret = n;
	return true;
}

/* An entry point's name: what the record's "syscall" field may hold. */
static bool call_name(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '_'))
			return false;
	return true;
}

/* Check and take apart @len bytes of @buf (NUL-terminated fields). false: drop it. */
static bool parse(char *buf, size_t len, struct shim_msg *m)
{
	static const char *const actions[] = { "exec", "open", "connect", NULL };
	static const char *const verdicts[] = { "denied", "allowed", NULL };
	static const char *const lists[] = { "deny_exec", "deny_read", NULL };
	*m = (struct shim_msg){ .rule = -1 };
	if (len == 0 || buf[len - 1] != 0)
		return false;
	bool first = true;
	for (char *p = buf; p < buf + len; p += strlen(p) + 1) {
		char *eq = strchr(p, '=');
		if (!eq)
			return false;
		*eq = 0;
		const char *k = p, *v = eq + 1;
		if (first) {
			if (strcmp(k, "v") != 0 || strcmp(v, "1") != 0)
				return false;
			first = false;
		} else if (strcmp(k, "action") == 0 && one_of(v, actions)) {
			m->action = v;
		} else if (strcmp(k, "verdict") == 0 && one_of(v, verdicts)) {
			m->verdict = v;
		} else if (strcmp(k, "list") == 0 && one_of(v, lists)) {
			m->list = v;
		} else if (strcmp(k, "rule") == 0 && parse_long(v, 1L << 20, &m->rule)) {
		} else if (strcmp(k, "target") == 0 && strlen(v) < 4096) {
			m->target = v;
		} else if (strcmp(k, "call") == 0 && call_name(v)) {
			m->call = v;
		} else if (strcmp(k, "errno") == 0 && parse_long(v, 4095, &m->err)) {
		} else if (strcmp(k, "argv") == 0 && m->argc < SHIM_MSG_ARGV) {
			m->argv[m->argc++] = v;
		} else {
			return false; /* unknown, repeated beyond bounds, or out of range */
		}
		*eq = '=';
	}
	m->argv[m->argc] = NULL;
	if (!m->action || !m->verdict)
		return false;
	/* A denial names its rule; an allowed exec none. */
	if (strcmp(m->verdict, "denied") == 0)
		return m->list && m->rule >= 0;
	return strcmp(m->action, "exec") == 0 && !m->list && m->rule < 0;
}

/* Allowed execs: a token bucket (a forged flood must not fill the disk). */
static bool allowed_token(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static double tokens = SHIM_ALLOWED_PER_S, last;
	bool ok;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	pthread_mutex_lock(&lock);
	tokens += (now - last) * SHIM_ALLOWED_PER_S;
	last = now;
	if (tokens > SHIM_ALLOWED_PER_S)
		tokens = SHIM_ALLOWED_PER_S;
	ok = tokens >= 1;
	if (ok)
		tokens -= 1;
	pthread_mutex_unlock(&lock);
	return ok;
}

static void record(const struct sup *s, pid_t pid, const struct shim_msg *m)
{
	char origin[1024];
	const char *rule = NULL;
	if (m->list) {
		enum policy_blob_list l = strcmp(m->list, "deny_exec") == 0 ? POLICY_BLOB_DENY_EXEC
									    : POLICY_BLOB_DENY_READ;
		if ((uint32_t)m->rule >= policy_blob_count(s->blob, l)) {
			atomic_fetch_add(&dropped, 1);
			return;
		}
		const struct policy_blob_rule *r = policy_blob_rule(s->blob, l, (uint32_t)m->rule);
		rule = policy_blob_str(s->blob, r->text_off);
		policy_blob_origin(s->blob, r, origin, sizeof(origin));
	} else if ((int)audit_level() < AUDIT_LEVEL_EXEC || !allowed_token()) {
		return;
	}
	struct sup_event ev = { .tid = pid,
				.enforcer = "shim",
				.action = m->action,
				.syscall = m->call,
				.target = m->target,
				.rule = rule,
				.origin = rule ? origin : NULL,
				.verdict = m->verdict,
				.err = (int)m->err,
				.attempted = m->argc ? m->argv : NULL,
				.tell = false /* the shim said it already, in the process */ };
	sup_record_event(&ev);
}

/* Read one message; false when there is nothing (more) to read. */
static bool read_one(const struct sup *s, int fd, int flags)
{
	char buf[SHIM_MSG_MAX + 1];
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, SHIM_MSG_MAX };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | flags);
	if (n < 0)
		return errno == EINTR;
	if (n == 0)
		return false;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	struct ucred cred = { 0 };
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		atomic_fetch_add(&dropped, 1);
		return true;
	}
	memcpy(&cred, CMSG_DATA(c), sizeof(cred));
	struct shim_msg m;
	/*
	 * pid 0: the sender exited (and was reaped) before we read its message:
	 * the kernel can no longer name it. The denial still happened: it is
	 * recorded without a pid rather than lost.
	 */
	if (cred.pid < 0 || !parse(buf, (size_t)n, &m)) {
		atomic_fetch_add(&dropped, 1);
		return true;
	}
	record(s, cred.pid, &m);
	return true;
}

static void *reader(void *arg)
{
	const struct sup *s = arg;
	while (read_one(s, s->shim_fd, 0))
		;
	return NULL;
}

static pthread_t reader_thread;
static bool reader_running;

int sup_shim_start(const struct sup *s)
{
	int one = 1;
	if (s->shim_fd < 0)
		return 0;
	/* The kernel's word for who sent each message. */
	if (setsockopt(s->shim_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return -errno;
	int e = pthread_create(&reader_thread, NULL, reader, (void *)s);
	reader_running = e == 0;
	return -e;
}

void sup_shim_drain(const struct sup *s)
{
	if (s->shim_fd < 0)
		return;
	/*
	 * The sandbox is gone: nothing more can be sent. Shut reading down (the
	 * reader still gets what is queued, then end of file) and wait for it,
	 * so no message it has taken is lost half-written when we exit.
	 */
	shutdown(s->shim_fd, SHUT_RD);
	if (reader_running) {
		pthread_join(reader_thread, NULL);
		reader_running = false;
	}
	while (read_one(s, s->shim_fd, MSG_DONTWAIT))
		;
}

unsigned long sup_shim_dropped(void)
{
	return atomic_load(&dropped);
}
