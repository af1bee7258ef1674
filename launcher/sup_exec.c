/* SPDX-License-Identifier: MIT */
/*
 * sup_exec.c — execve and execveat.
 *
 * At the notification the path and argv still live in memory the caller's
 * other threads (or its vfork parent's threads) can rewrite after we read
 * them, and the kernel reads them again after our answer. So the check
 * there only gives the common case a clean EACCES. The decision that
 * counts is made again on the new image, where nothing can race it: we
 * attach with PTRACE_SEIZE (no stop) before letting the call run, and the
 * kernel stops the process at PTRACE_EVENT_EXEC, after the exec and before
 * its first instruction. There the argv (/proc/PID/cmdline) is the new
 * image's private copy, the other threads are gone (exec killed them), and
 * /proc/PID/exe is the file actually executed. A denied one is killed
 * right there, with an audit record; an allowed one is detached and runs.
 */
#include <errno.h>
#include <limits.h>
#include <linux/openat2.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/sup_fast.h"
#include "launcher/audit.h"
#include "launcher/sup_internal.h"
#include "policy/util.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

#define EXEC_MAX_ARGS  4096
#define EXEC_MAX_BYTES (256u * 1024)

struct argv_copy {
	char *buf; /* EXEC_MAX_BYTES */
	const char *argv[EXEC_MAX_ARGS + 1];
	size_t argc;
	bool truncated; /* longer than we read: good for the early answer only */
	/* Where each string was (for the fast path's page check). */
	uint64_t addr[EXEC_MAX_ARGS];
};

#define ENVIRON_MAX_VARS 8192

/*
 * What judging one exec needs (~640 kB, most never touched), kept per
 * thread: allocating and zeroing it for every exec cost more than the
 * reads it serves. The main thread's lives as long as the supervisor; an
 * exec thread's is freed when the thread ends (sup_exec_thread_done).
 */
struct exec_bufs {
	struct argv_copy a;
	char args[EXEC_MAX_BYTES];
	char env[EXEC_MAX_BYTES];
	const char *envp[ENVIRON_MAX_VARS];
};

static __thread struct exec_bufs *thread_bufs;

/* The calling thread's buffers (argv read anew by every user), NULL without memory. */
static struct exec_bufs *exec_bufs(void)
{
	if (!thread_bufs) {
		thread_bufs = malloc(sizeof(*thread_bufs));
		if (thread_bufs)
			thread_bufs->a.buf = thread_bufs->args;
	}
	return thread_bufs;
}

void sup_exec_thread_done(void)
{
	free(thread_bufs);
	thread_bufs = NULL;
}

/* Read the caller's argv (pointers, then strings), for the early answer only. */
static int read_argv(pid_t tid, uint64_t addr, struct argv_copy *a)
{
	size_t used = 0;
	a->argc = 0;
	a->truncated = true;
	if (addr == 0) {
		a->truncated = false;
		return 0; /* execve(path, NULL, …): the kernel runs it with an empty argv */
	}
	for (size_t i = 0; i < EXEC_MAX_ARGS; i++) {
		uint64_t p;
		int r = sup_read_mem(tid, addr + i * sizeof(uint64_t), &p, sizeof(p));
		if (r < 0)
			return r;
		if (p == 0) {
			a->truncated = false;
			break;
		}
		if (used >= EXEC_MAX_BYTES)
			break;
		int n = sup_read_string(tid, p, a->buf + used, EXEC_MAX_BYTES - used);
		if (n < 0) {
			a->argv[a->argc] = NULL;
			return n == -ENAMETOOLONG ? 0 : n;
		}
		a->addr[a->argc] = p;
		a->argv[a->argc++] = a->buf + used;
		used += (size_t)n + 1;
	}
	a->argv[a->argc] = NULL;
	return 0;
}

/*
 * The deny_exec verdict for a program started as @path with @argv and the
 * environment @envp (NULL: not known; it only matters for git aliases): the
 * argv as given, and again with argv[0] replaced by the path (argv[0] is
 * the caller's free choice: `exec -a k kubectl delete`). Returns the rule
 * index or -1.
 */
static int exec_verdict_env(const struct sup *s, const char *path, struct argv_copy *a,
			    const char *const *envp, char *rule, size_t rsz, char *origin,
			    size_t osz)
{
	struct argvmatch_scratch scratch;
	int idx = -1;
	if (a->argc)
		idx = policy_blob_match_exec_env(s->blob, a->argv, a->argc, envp, &scratch, NULL);
	if (idx < 0 && path && path[0]) {
		const char *saved = a->argv[0];
		size_t argc = a->argc ? a->argc : 1;
		a->argv[0] = path;
		a->argv[argc] = NULL;
		idx = policy_blob_match_exec_env(s->blob, a->argv, argc, envp, &scratch, NULL);
		if (a->argc)
			a->argv[0] = saved;
		a->argv[a->argc] = NULL;
	}
	if (idx >= 0) {
		const struct policy_blob_rule *pr =
			policy_blob_rule(s->blob, POLICY_BLOB_DENY_EXEC, (uint32_t)idx);
		snprintf(rule, rsz, "%s", policy_blob_str(s->blob, pr->text_off));
		policy_blob_origin(s->blob, pr, origin, osz);
	}
	return idx;
}

/* The verdict on the argv alone: the notification's early answer and the fast path. */
static int exec_verdict(const struct sup *s, const char *path, struct argv_copy *a, char *rule,
			size_t rsz, char *origin, size_t osz)
{
	return exec_verdict_env(s, path, a, NULL, rule, rsz, origin, osz);
}

/* A program with no file behind it (memfd, deleted): nothing a path rule can judge. */
static bool anonymous_image(const char *target)
{
	return strncmp(target, "/memfd:", 7) == 0 || strstr(target, " (deleted)") != NULL;
}

/* /proc/PID/NAME (cmdline, environ) into @buf, NUL-terminated; at most @size - 1 bytes. */
static ssize_t read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	size_t got = 0;
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < size - 1) {
		ssize_t n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = 0;
	return (ssize_t)got;
}

/*
 * The new image's environment, split into @envp (at most @max - 1 entries,
 * NULL-terminated), read into @buf. Bounded like the argv: past @size
 * bytes the rest is not seen. Returns the number of entries (0 when it
 * cannot be read: a process we may not inspect keeps today's verdict).
 */
static size_t read_environ(pid_t pid, char *buf, size_t size, const char **envp, size_t max)
{
	ssize_t got = read_proc(pid, "environ", buf, size);
	size_t n = 0;
	for (ssize_t i = 0; i < got && n + 1 < max; i += (ssize_t)strlen(buf + i) + 1)
		envp[n++] = buf + i;
	envp[n] = NULL;
	return n;
}

/*
 * At PTRACE_EVENT_EXEC: judge the new image. Returns true to let it run.
 * Everything read here belongs to the stopped process alone.
 */
static bool judge_new_image(const struct sup *s, pid_t pid, struct exec_bufs *b, char *exe,
			    size_t exesz, char *rule, size_t rsz, char *origin, size_t osz,
			    const char **ret_reason)
{
	struct argv_copy *a = &b->a;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	ssize_t n = readlink(path, exe, exesz - 1);
	if (n < 0) {
		snprintf(exe, exesz, "%s", "?");
		snprintf(rule, rsz, "%s", "unjudgeable program");
		snprintf(origin, osz, "%s", "built-in");
		*ret_reason = "the new program's file could not be read";
		return false;
	}
	exe[n] = 0;
	if (anonymous_image(exe)) {
		snprintf(rule, rsz, "%s", "deny anonymous executables");
		snprintf(origin, osz, "%s", "built-in");
		*ret_reason = "a memfd or deleted file has no name a rule could judge";
		return false;
	}
	ssize_t len = read_proc(pid, "cmdline", a->buf, EXEC_MAX_BYTES);
	a->argc = 0;
	for (ssize_t i = 0; len > 0 && i < len && a->argc < EXEC_MAX_ARGS;
	     i += (ssize_t)strlen(a->buf + i) + 1)
		a->argv[a->argc++] = a->buf + i;
	a->argv[a->argc] = NULL;
	*ret_reason = "the program's real argv, read after the exec, is denied";
	if (exec_verdict(s, exe, a, rule, rsz, origin, osz) >= 0)
		return false;
	/*
	 * git expands aliases defined in its environment (GIT_CONFIG_COUNT,
	 * GIT_CONFIG_PARAMETERS): `GIT_CONFIG_KEY_0=alias.p ... git p` is a
	 * git push. Judged here only: the process is stopped before its first
	 * instruction and alone, so /proc/PID/environ is exactly the
	 * environment it starts with, while at the notification the caller's
	 * envp could still be rewritten by another thread.
	 */
	if (read_environ(pid, b->env, sizeof(b->env), b->envp, ENVIRON_MAX_VARS) > 0 &&
	    exec_verdict_env(s, exe, a, b->envp, rule, rsz, origin, osz) >= 0) {
		*ret_reason = "the program's environment defines a git alias for a denied command";
		return false;
	}
	return true;
}

/* ---- the fast path (sup_fast.c) ---- */

/*
 * Is the file a native ELF executable? Then the kernel's ELF loader runs
 * it, and /proc/PID/exe will be this very file: the verdict the slow path
 * makes at the exec stop can be made now. (A script runs its interpreter:
 * the slow path judges that.) Remembered per (device, inode); main thread.
 */
static bool native_elf(int pfd, const struct stat *st)
{
	static struct {
		dev_t dev;
		ino_t ino;
		bool elf;
	} seen[64];
	static size_t nseen, next;
	for (size_t i = 0; i < nseen; i++)
		if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino)
			return seen[i].elf;
	char link[64];
	unsigned char h[20];
	bool elf = false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	/* O_NONBLOCK: a lease on the file must not stall the supervisor. */
	int fd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return false; /* unreadable (mode 0111): the slow path can still judge it */
	if (pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h))
		elf = memcmp(h, "\177ELF", 4) == 0 && h[4] == 2 /* ELFCLASS64 */ &&
		      h[5] == 1 /* little-endian */ && (h[18] | (h[19] << 8)) == 62 /* EM_X86_64 */;
	close(fd);
	size_t slot = nseen < ARRAY_SIZE(seen) ? nseen++ : (next++ % ARRAY_SIZE(seen));
	seen[slot].dev = st->st_dev;
	seen[slot].ino = st->st_ino;
	seen[slot].elf = elf;
	return elf;
}

/*
 * An absolute path that names nothing, on a path nothing inside can change
 * (execvp walking PATH, from a vfork child or a fork child that has not
 * exec'd: callers the fast path cannot answer with CONTINUE): answered
 * with the kernel's own error, for any caller. An error lets the kernel
 * do nothing, so no later rewrite of the caller's memory can matter. Each
 * miss took the slow path before: a thread, a ptrace attach, a stop.
 * Since Linux 6.8 the kernel opens the file before it reads argv, so
 * ENOENT or ENOTDIR is what it would say (before, an argv over the limit
 * said E2BIG first).
 */
static bool exec_missing(struct sup_req *r, uint64_t path_addr)
{
	char path[PATH_MAX], resolved[PATH_MAX];
	int len = sup_read_string(r->tid, path_addr, path, sizeof(path));
	if (len <= 0 || path[0] != '/')
		return false;
	int fd = sup_fast_resolve(r->s, path, 0, resolved, sizeof(resolved));
	if (fd >= 0)
		close(fd);
	if (fd != -ENOENT && fd != -ENOTDIR)
		return false;
	if (sup_still_valid(r))
		sup_reply_error(r, -fd);
	return true;
}

bool sup_exec_fast(struct sup_req *r)
{
	struct sup *s = r->s;
	const __u64 *args = r->n->data.args;
	bool at = strcmp(r->sc->name, "execveat") == 0;
	char path[PATH_MAX], resolved[PATH_MAX], rule[512], origin[PATH_MAX];
	bool answered = false;
	int fd = -1;

#if !defined(__x86_64__)
	return false; /* native_elf() knows x86_64 only */
#endif
	/* execveat with a descriptor or flags: the slow path. */
	if (at && ((int)args[0] != AT_FDCWD || args[4] != 0))
		return false;
	if (sup_open_root(s, r->tid) < 0)
		return false;
	/* Before anything is read: nobody else can write the caller's memory. */
	if (!sup_fast_sole(r))
		return s->fast && exec_missing(r, at ? args[1] : args[0]);
	/* A binfmt_misc entry may claim native ELF files too: then /proc/PID/exe is not this file. */
	if (!s->fast_exec)
		return false;
	struct exec_bufs *b = exec_bufs();
	if (!b)
		return false;
	struct argv_copy *a = &b->a;
	uint64_t path_addr = at ? args[1] : args[0];
	uint64_t argv_addr = at ? args[2] : args[1];
	int len = sup_read_string(r->tid, path_addr, path, sizeof(path));
	if (len <= 0 || read_argv(r->tid, argv_addr, a) < 0 || a->truncated)
		goto out;
	if (!sup_still_valid(r)) {
		answered = true; /* the call is gone */
		goto out;
	}
	/* Denials and every doubt: the slow path, which records them. */
	if (exec_verdict(s, path, a, rule, sizeof(rule), origin, sizeof(origin)) >= 0)
		goto out;
	if (path[0] == '/') {
		fd = sup_fast_resolve(s, path, 0, resolved, sizeof(resolved));
	} else if (sup_fast_relative_ok(path)) {
		char cwd[64];
		snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", r->tid);
		_cleanup_close_ int base = open(cwd, O_PATH | O_CLOEXEC);
		struct open_how h = { .flags = O_PATH | O_CLOEXEC,
				      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
						 RESOLVE_NO_MAGICLINKS };
		if (base >= 0)
			fd = (int)syscall(SYS_openat2, base, path, &h, sizeof(h));
		if (fd >= 0 && (sup_fd_path(fd, resolved, sizeof(resolved)) < 0 ||
				!sup_fast_stable(s, resolved)))
			goto out;
	}
	/*
	 * Nothing there (execvp walking PATH): on a path nothing inside can
	 * change, the kernel will find nothing either and fail as natively
	 * (with E2BIG first, should the arguments be too long). Without this,
	 * each miss took the slow path: a thread and a ptrace attach.
	 */
	bool missing = path[0] == '/' && (fd == -ENOENT || fd == -ENOTDIR);
	struct stat st;
	if (!missing &&
	    (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !native_elf(fd, &st)))
		goto out;
	/* What the exec stop would judge: this file's path and the argv it is given. */
	if (!missing &&
	    exec_verdict(s, resolved, a, rule, sizeof(rule), origin, sizeof(origin)) >= 0)
		goto out;
	struct sup_span spans[EXEC_MAX_ARGS + 2];
	size_t n = 0;
	spans[n++] = (struct sup_span){ path_addr, (size_t)len + 1 };
	if (argv_addr)
		spans[n++] = (struct sup_span){ argv_addr, (a->argc + 1) * sizeof(uint64_t) };
	for (size_t i = 0; i < a->argc; i++)
		spans[n++] = (struct sup_span){ a->addr[i], strlen(a->argv[i]) + 1 };
	if (!sup_fast_private(s, r->tid, spans, n))
		goto out;
	answered = true;
	if (sup_still_valid(r)) {
		if (!missing)
			sup_record_allowed(r->tid, AUDIT_LEVEL_EXEC, "exec", r->sc->name, resolved,
					   a->argv);
		sup_reply_continue(r);
	}
out:
	if (fd >= 0)
		close(fd);
	return answered;
}

/* The caller's file for execveat(fd, "", AT_EMPTY_PATH) or a /proc/self/fd/N path. */
static void early_target(const struct sup_req *r, int dirfd, const char *path, bool empty,
			 char *out, size_t outsz)
{
	char link[64];
	long fdnum = -1;
	snprintf(out, outsz, "%s", path);
	if (empty && path[0] == 0)
		fdnum = dirfd;
	else if (strncmp(path, "/proc/self/fd/", 14) == 0)
		fdnum = strtol(path + 14, NULL, 10);
	else if (strncmp(path, "/dev/fd/", 8) == 0)
		fdnum = strtol(path + 8, NULL, 10);
	if (fdnum < 0)
		return;
	snprintf(link, sizeof(link), "/proc/%d/fd/%ld", r->tid, fdnum);
	ssize_t n = readlink(link, out, outsz - 1);
	if (n >= 0)
		out[n] = 0;
}

bool sup_exec_job(struct sup_req *r)
{
	struct sup *s = r->s;
	const __u64 *args = r->n->data.args;
	bool at = strcmp(r->sc->name, "execveat") == 0;
	char path[PATH_MAX], target[PATH_MAX], rule[512], origin[PATH_MAX], exe[PATH_MAX];
	struct exec_bufs *b = exec_bufs();
	struct argv_copy *a = b ? &b->a : NULL;
	const char *reason = NULL;
	int err;
	/* No process traced by this thread is left (a kept thread must trace nothing). */
	bool clean = true;

	if (!a) {
		sup_reply_error(r, ENOMEM);
		goto out;
	}
	int dirfd = at ? (int)args[0] : AT_FDCWD;
	uint64_t path_addr = at ? args[1] : args[0];
	uint64_t argv_addr = at ? args[2] : args[1];
	int flags = at ? (int)args[4] : 0;
	if ((err = sup_read_string(r->tid, path_addr, path, sizeof(path))) < 0) {
		sup_reply_error(r, -err);
		goto out;
	}
	if ((err = read_argv(r->tid, argv_addr, a)) < 0) {
		sup_reply_error(r, -err);
		goto out;
	}
	if (!sup_still_valid(r))
		goto out;

	/* The early answer: a clean EACCES for what is plainly denied. */
	early_target(r, dirfd, path, flags & AT_EMPTY_PATH, target, sizeof(target));
	if (anonymous_image(target)) {
		sup_deny(r, "exec", target, "deny anonymous executables", "built-in", EACCES,
			 "a memfd or deleted file has no name a rule could judge");
		goto out;
	}
	if (exec_verdict(s, path, a, rule, sizeof(rule), origin, sizeof(origin)) >= 0) {
		/*
		 * A program that is not there fails as natively (execvp walks
		 * PATH: only the entry that exists is a denial worth a record).
		 */
		if (path[0] && !(flags & AT_EMPTY_PATH)) {
			struct open_how how = { .flags = O_PATH };
			int probe = sup_openat(r, dirfd, path, &how);
			if (probe < 0 && probe != -EACCES) {
				sup_reply_error(r, -probe);
				goto out;
			}
			if (probe >= 0)
				close(probe);
		}
		sup_record_argv(r->tid, "exec", r->sc->name, path, rule, origin, "denied", EACCES,
				"the command line is denied", a->argv);
		sup_reply_error(r, EACCES);
		goto out;
	}

	/*
	 * Attach without stopping; EXITKILL: should we die, the process dies
	 * with us rather than run unjudged. If we cannot attach we cannot
	 * judge the new image: fail closed.
	 */
	if (ptrace(PTRACE_SEIZE, r->tid, NULL,
		   (void *)(long)(PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) < 0) {
		int e = errno;
		if (e == ESRCH)
			goto out; /* it died meanwhile */
		sup_deny(r, "exec", path, "exec needs the supervisor's check", "built-in", EPERM,
			 "the supervisor could not attach to judge the new program");
		goto out;
	}
	/*
	 * An exec that fails returns to the old program with no event: the
	 * interrupt makes it stop there so we can detach. After a successful
	 * exec the exec stop comes first, and detaching drops the interrupt.
	 * Requested before the answer: it must be pending when the call
	 * returns, or a failed exec runs on into the next exec (execvp tries
	 * every PATH entry) while we still trace it. It does not wake the
	 * caller: its wait for our answer is killable only.
	 */
	ptrace(PTRACE_INTERRUPT, r->tid, NULL, NULL);
	sup_reply_continue(r);
	/* Until it is detached or reaped; any other way out is not clean. */
	clean = false;
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, __WALL | __WNOTHREAD);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			clean = errno == ECHILD; /* no tracee left */
			break;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			clean = true; /* reported to us: no longer ours */
			break;
		}
		if (!WIFSTOPPED(st))
			continue;
		int event = st >> 16;
		if (event == PTRACE_EVENT_EXEC) {
			if (judge_new_image(s, w, b, exe, sizeof(exe), rule, sizeof(rule), origin,
					    sizeof(origin), &reason)) {
				/* Stopped before its first instruction: recorded before it runs. */
				sup_record_allowed(w, AUDIT_LEVEL_EXEC, "exec", r->sc->name, exe,
						   a->argv);
				clean = ptrace(PTRACE_DETACH, w, NULL, NULL) == 0;
				break;
			}
			/* Before its first instruction: nothing of it has run. */
			sup_record_argv(w, "exec", r->sc->name, exe, rule, origin, "killed", 0,
					reason, a->argv);
			kill(w, SIGKILL);
			continue; /* reap the tracee's death so its parent sees it */
		}
		if (event == PTRACE_EVENT_STOP || event == 0) {
			/* The exec failed (or a stop of the old program): let it go as it was. */
			int sig = event == 0 ? WSTOPSIG(st) : 0;
			clean = ptrace(PTRACE_DETACH, w, NULL, (void *)(long)sig) == 0;
			break;
		}
		clean = ptrace(PTRACE_DETACH, w, NULL, NULL) == 0;
		break;
	}
out:
	return clean;
}

void sup_handle_exec(struct sup_req *r)
{
	(void)sup_exec_job(r);
}
