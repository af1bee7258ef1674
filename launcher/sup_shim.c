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
 * denial (the call names are a fixed set: no new keys to invent), and
 * allowed execs (audit.level exec) through a small bucket of their own with
 * short fields, so the socket cannot fill the disk.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/sup_internal.h"
#include "launcher/sup_shim.h"
#include "policy/net_ip.h"
#include "policy/blob.h"
#include "shim/shim_protocol.h"

#define SHIM_ALLOWED_PER_S   200 /* allowed-exec records per second, at most */
#define SHIM_ALLOWED_ARGV    16	 /* and their argv words, so a flood stays small */
#define SHIM_ALLOWED_STR_MAX 512 /* and the length of target and each word */

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

/*
 * An entry point the shim hooks: what the record's "syscall" field may
 * hold. A fixed set, not a pattern: every distinct name would be a
 * rate-limit key of its own (audit_limit.c), and a sandboxed process
 * inventing names could write past the limit.
 */
static bool call_name(const char *v, const char *action)
{
	static const char *const execs[] = { "execl",	"execle",   "execlp",	   "execv",
					     "execve",	"execveat", "execvp",	   "execvpe",
					     "fexecve", "popen",    "posix_spawn", "posix_spawnp",
					     "system",	NULL };
	static const char *const opens[] = { "__open64_2", "__open_2", "__openat64_2",
					     "__openat_2", "creat",    "creat64",
					     "fopen",	   "fopen64",  "freopen",
					     "freopen64",  "open",     "open64",
					     "openat",	   "openat64", NULL };
	static const char *const connects[] = { "connect", NULL };
	return one_of(v, strcmp(action, "exec") == 0	  ? execs
			 : strcmp(action, "connect") == 0 ? connects
							  : opens);
}

/*
 * A connect's target exactly as the shim writes it (net_ip_format):
 * "ADDR:PORT" or "[ADDR6]:PORT" in canonical form, nothing else: it
 * reaches the trail unmasked, so no word ("dead.beef.cafe") may pass for
 * an address.
 */
static bool connect_target(const char *v)
{
	char addr[64], again[80];
	struct net_ip ip;
	const char *colon = strrchr(v, ':');
	size_t alen = colon ? (size_t)(colon - v) : 0;
	if (!colon || alen == 0 || alen >= sizeof(addr) || strspn(colon + 1, "0123456789") == 0 ||
	    colon[1 + strspn(colon + 1, "0123456789")] || strlen(colon + 1) > 5 ||
	    atoi(colon + 1) > 65535)
		return false;
	memcpy(addr, v, alen);
	addr[alen] = 0;
	if (net_ip_parse(addr, &ip) < 0)
		return false;
	char text[48];
	net_ip_format(&ip, text, sizeof(text));
	snprintf(again, sizeof(again), ip.family == AF_INET6 ? "[%s]:%d" : "%s:%d", text,
		 atoi(colon + 1));
	return strcmp(again, v) == 0;
}

/* Check and take apart @len bytes of @buf (NUL-terminated fields). false: drop it. */
static bool parse(char *buf, size_t len, struct shim_msg *m)
{
	static const char *const actions[] = { "exec", "open", "connect", NULL };
	static const char *const verdicts[] = { "denied", "allowed", NULL };
	static const char *const lists[] = { "deny_exec", "deny_read", "allow_net", NULL };
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
		} else if (strcmp(k, "call") == 0 && !m->call) {
			m->call = v; /* checked against the action below */
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
	if (!m->call || !call_name(m->call, m->action))
		return false;
	/*
	 * connect: only the two refusals the shim makes (shim/decide_net.h),
	 * allow_net as a whole; the reason is ours, by errno.
	 */
	if (strcmp(m->action, "connect") == 0)
		return strcmp(m->verdict, "denied") == 0 && m->list &&
		       strcmp(m->list, "allow_net") == 0 && m->rule == 0 && m->argc == 0 &&
		       m->target && connect_target(m->target) &&
		       (m->err == ECONNREFUSED || m->err == ENETUNREACH);
	/* A denial names its rule, in the list of its action; an allowed exec none. */
	if (strcmp(m->verdict, "denied") == 0)
		return m->list && m->rule >= 0 &&
		       strcmp(m->list,
			      strcmp(m->action, "exec") == 0 ? "deny_exec" : "deny_read") == 0;
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
	const char *rule = NULL, *reason = NULL;
	if (m->list && strcmp(m->list, "allow_net") == 0) {
		/*
		 * Only with allow_net set, and only at rung 1 (the fallback rungs
		 * give the shim no table, so it judges no connect there): any
		 * other such message is forged.
		 */
		if (!(s->blob->hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET) || s->flat) {
			audit_count_rejected();
			return;
		}
		rule = "allow_net";
		policy_blob_allow_net_origin(s->blob, origin, sizeof(origin));
		reason = m->err == ENETUNREACH ? SHIM_NET_REASON_UNREACH : SHIM_NET_REASON_REFUSED;
	} else if (m->list) {
		enum policy_blob_list l = strcmp(m->list, "deny_exec") == 0 ? POLICY_BLOB_DENY_EXEC
									    : POLICY_BLOB_DENY_READ;
		if ((uint32_t)m->rule >= policy_blob_count(s->blob, l)) {
			audit_count_rejected();
			return;
		}
		const struct policy_blob_rule *r = policy_blob_rule(s->blob, l, (uint32_t)m->rule);
		rule = policy_blob_str(s->blob, r->text_off);
		policy_blob_origin(s->blob, r, origin, sizeof(origin));
	} else if ((int)audit_level() < AUDIT_LEVEL_EXEC || !allowed_token() ||
		   (m->target && strlen(m->target) > SHIM_ALLOWED_STR_MAX)) {
		return;
	}
	const char *argv[SHIM_MSG_ARGV + 1];
	size_t argc = 0;
	for (size_t i = 0; i < m->argc && (rule || argc < SHIM_ALLOWED_ARGV); i++)
		if (rule || strlen(m->argv[i]) <= SHIM_ALLOWED_STR_MAX)
			argv[argc++] = m->argv[i];
	argv[argc] = NULL;
	struct sup_event ev = { .tid = pid,
				.enforcer = "shim",
				.action = m->action,
				.syscall = m->call,
				.target = m->target,
				.rule = rule,
				.origin = rule ? origin : NULL,
				.verdict = m->verdict,
				.reason = reason,
				.err = (int)m->err,
				.attempted = argc ? argv : NULL,
				.tell = false /* the shim said it already, in the process */ };
	sup_record_event(&ev);
}

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76 /* Linux 6.5 */
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

/*
 * The sender's pid as the kernel gave it, or 0 when it cannot be trusted to
 * still name the sender: with a pidfd (SCM_PIDFD), a sender that has exited
 * is known to be gone, so a reused pid never lends its /proc details (exe,
 * cwd, argv) to someone else's record.
 */
static pid_t sender_pid(const struct ucred *cred, int pidfd)
{
	if (cred->pid <= 0)
		return 0;
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return 0;
	return cred->pid;
}

/* Close the descriptors a sender attached (SCM_RIGHTS): never ours to keep. */
static void close_rights(const struct cmsghdr *c)
{
	for (size_t off = 0; off + sizeof(int) <= c->cmsg_len - CMSG_LEN(0); off += sizeof(int)) {
		int rfd;
		memcpy(&rfd, CMSG_DATA(c) + off, sizeof(int));
		close(rfd);
	}
}

/* Read one message; false when there is nothing (more) to read. */
static bool read_one(const struct sup *s, int fd, int flags)
{
	char buf[SHIM_MSG_MAX + 1];
	/* Room for the credentials and a pidfd only. */
	char cbuf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
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
	struct ucred cred = { .pid = -1 };
	int pidfd = -1;
	bool bad = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(cred))) {
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_PIDFD &&
			   c->cmsg_len == CMSG_LEN(sizeof(int)) && pidfd < 0) {
			memcpy(&pidfd, CMSG_DATA(c), sizeof(int));
		} else {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				close_rights(c);
			bad = true;
		}
	}
	struct shim_msg m;
	if (bad || cred.pid < 0 || !parse(buf, (size_t)n, &m))
		audit_count_rejected();
	else
		record(s, sender_pid(&cred, pidfd), &m);
	if (pidfd >= 0)
		close(pidfd);
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
	/* The kernel's word for who sent each message (and, where it can, a pidfd for it). */
	if (setsockopt(s->shim_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return -errno;
	(void)setsockopt(s->shim_fd, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one));
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
