/* SPDX-License-Identifier: MIT */
/*
 * shim_harness.c — run a command with libaigate_shim.so loaded exactly as
 * the launcher loads it (shim/shim_protocol.h), with no sandbox at all, and
 * record what the shim sends. For the shim's own tests
 * (tests/integration/test_shim.sh) and benchmarks (tools/bench/bench_shim.sh).
 *
 *   shim-harness [--shim PATH] [--out FILE] [--no-policy] [--no-audit]
 *                [--no-preload] -- CMD [ARG…]
 *
 * It loads the effective policy as `aigate` does (~/.aigate/config.yaml or
 * $AIGATE_HOME, or the built-in default, plus the project's .aigate.yaml),
 * compiles it into a sealed memfd, makes a SOCK_SEQPACKET socketpair, sets
 * LD_PRELOAD (the shim first), AIGATE_SHIM_PATH, AIGATE_SHIM_POLICY_FD and
 * AIGATE_SHIM_AUDIT_FD, and runs CMD (a PATH search). Every message
 * received is written to FILE (default: stderr) after CMD exits, one line
 * per message: "pid=<sender, from SCM_CREDENTIALS>" then its fields, TAB
 * separated ("\t", "\n" and "\\" in values escaped); a message that is not
 * NUL-terminated fields starting with v=1 is written as "MALFORMED …".
 * Exit status: CMD's (128+N for a signal), 125 for the harness's own errors.
 * --no-preload sets everything but LD_PRELOAD (a baseline for benchmarks).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/config.h"
#include "launcher/log.h"
#include "launcher/policy_memfd.h"
#include "policy/blob.h"
#include "shim/shim_protocol.h"

#define HARNESS_MAX_MSGS 4096

struct record {
	pid_t pid;
	size_t len;
	char *data;
};

static struct record records[HARNESS_MAX_MSGS];
static size_t nrecords, ndropped;

static int die(const char *what)
{
	fprintf(stderr, "shim-harness: %s: %s\n", what, strerror(errno));
	return 125;
}

static void set_env_fd(const char *name, int fd)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%d", fd);
	setenv(name, buf, 1);
}

/* Read every message waiting on @sock without blocking. */
static void drain(int sock)
{
	for (;;) {
		char buf[SHIM_MSG_MAX + 1];
		union {
			struct cmsghdr h;
			char space[CMSG_SPACE(sizeof(struct ucred))];
		} ctl;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = &ctl,
				     .msg_controllen = sizeof(ctl) };
		ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT);
		pid_t pid = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
				struct ucred cred;
				memcpy(&cred, CMSG_DATA(c), sizeof(cred));
				pid = cred.pid;
			}
		}
		if (nrecords >= HARNESS_MAX_MSGS) {
			ndropped++;
			continue;
		}
		records[nrecords].pid = pid;
		records[nrecords].len = (size_t)n;
		records[nrecords].data = malloc((size_t)n);
		if (!records[nrecords].data) {
			ndropped++;
			continue;
		}
		memcpy(records[nrecords].data, buf, (size_t)n);
		nrecords++;
	}
}

static void put_escaped(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\t')
			fputs("\\t", f);
		else if (s[i] == '\n')
			fputs("\\n", f);
		else if (s[i] == '\\')
			fputs("\\\\", f);
		else
			fputc(s[i], f);
	}
}

static void write_record(FILE *f, const struct record *r)
{
	bool ok = r->len > 0 && r->data[r->len - 1] == '\0' && r->len >= 4 &&
		  memcmp(r->data, "v=1", 4) == 0;

	for (size_t i = 0; ok && i < r->len;) {
		size_t n = strlen(r->data + i);
		if (!memchr(r->data + i, '=', n))
			ok = false;
		i += n + 1;
	}
	if (!ok) {
		fprintf(f, "MALFORMED pid=%d len=%zu\n", (int)r->pid, r->len);
		return;
	}
	fprintf(f, "pid=%d", (int)r->pid);
	for (size_t i = 0; i < r->len;) {
		size_t n = strlen(r->data + i);
		fputc('\t', f);
		put_escaped(f, r->data + i, n);
		i += n + 1;
	}
	fputc('\n', f);
}

static int default_shim(char *buf, size_t bufsz)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(buf, bufsz, "%s/libaigate_shim.so", exe) >= bufsz)
		return -1;
	return 0;
}

static int load_policy_fd(void)
{
	struct config_paths cp;
	struct policy *p = NULL;
	struct policy_blob b;
	int fd;

	if (config_paths_init(&cp) < 0 || config_load_effective(&cp, &p) < 0)
		return -1;
	fd = policy_memfd_compile(p, cp.home, cp.root, &b);
	policy_free(p);
	return fd;
}

int main(int argc, char **argv)
{
	const char *out_path = NULL;
	char shim[PATH_MAX] = "";
	bool policy = true, audit = true, preload = true;
	int i, pfd = -1, sv[2] = { -1, -1 }, status;
	pid_t child;

	log_init();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--shim") == 0 && i + 1 < argc) {
			snprintf(shim, sizeof(shim), "%s", argv[++i]);
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out_path = argv[++i];
		} else if (strcmp(argv[i], "--no-policy") == 0) {
			policy = false;
		} else if (strcmp(argv[i], "--no-audit") == 0) {
			audit = false;
		} else if (strcmp(argv[i], "--no-preload") == 0) {
			preload = false;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: shim-harness [--shim PATH] [--out FILE] [--no-policy] "
				"[--no-audit] [--no-preload] -- CMD [ARG...]\n");
		return 125;
	}
	if (!shim[0] && default_shim(shim, sizeof(shim)) < 0)
		return die("cannot find libaigate_shim.so next to shim-harness");

	if (policy) {
		pfd = load_policy_fd();
		if (pfd < 0)
			return 125;
		/* Inherited by CMD and everything it starts, as the launcher does. */
		if (fcntl(pfd, F_SETFD, 0) < 0)
			return die("fcntl");
		set_env_fd(SHIM_ENV_POLICY_FD, pfd);
	}
	if (audit) {
		int on = 1;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
			return die("socketpair");
		if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
			return die("SO_PASSCRED");
		if (fcntl(sv[1], F_SETFD, 0) < 0)
			return die("fcntl");
		set_env_fd(SHIM_ENV_AUDIT_FD, sv[1]);
	}
	setenv(SHIM_ENV_PATH, shim, 1);
	if (preload) {
		const char *old = getenv("LD_PRELOAD");
		char *val;
		if (old && *old) {
			if (asprintf(&val, "%s:%s", shim, old) < 0)
				return die("asprintf");
		} else {
			val = strdup(shim);
		}
		if (!val)
			return die("strdup");
		setenv("LD_PRELOAD", val, 1);
		free(val);
	}

	child = fork();
	if (child < 0)
		return die("fork");
	if (child == 0) {
		execvp(argv[i], argv + i);
		fprintf(stderr, "shim-harness: %s: %s\n", argv[i], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (sv[1] >= 0)
		close(sv[1]);
	if (pfd >= 0)
		close(pfd);
	for (;;) {
		if (sv[0] >= 0) {
			struct pollfd p = { sv[0], POLLIN, 0 };
			if (poll(&p, 1, 20) > 0)
				drain(sv[0]);
		} else {
			usleep(20000);
		}
		pid_t w = waitpid(child, &status, WNOHANG);
		if (w == child)
			break;
		if (w < 0 && errno != EINTR)
			return die("waitpid");
	}
	if (sv[0] >= 0)
		drain(sv[0]);

	FILE *f = out_path ? fopen(out_path, "we") : stderr;
	if (!f)
		return die(out_path);
	for (size_t k = 0; k < nrecords; k++)
		write_record(f, &records[k]);
	if (ndropped)
		fprintf(f, "DROPPED %zu\n", ndropped);
	if (f != stderr && fclose(f) != 0)
		return die(out_path);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
