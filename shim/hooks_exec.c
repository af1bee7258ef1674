/* SPDX-License-Identifier: MIT */
/*
 * hooks_exec.c — the POSIX exec family: execve, execv, execl, execle,
 * fexecve, posix_spawn, posix_spawnp, system, popen (execvp, execlp,
 * execvpe and execveat: hooks_glibc.c). glibc's execv, execl, system and
 * popen reach the kernel through internal aliases (__execve,
 * __posix_spawn), never through the execve symbol, so each entry point has
 * its own hook.
 *
 * Runs between fork and exec, in vfork children and in signal handlers:
 * only stack storage (argument arrays are variable-length arrays sized by
 * the caller's argv, as glibc's own execl builds them), write(2) and a
 * non-blocking send; no malloc, no stdio, no locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim/decide.h"
#include "shim/hooks.h"
#include "shim/platform.h"
#include "shim/report.h"
#include "shim/resolve.h"
#include "shim/state.h"

extern char **environ;

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);
typedef int (*system_fn)(const char *);
typedef FILE *(*popen_fn)(const char *, const char *);

/*
 * The last denial this process reported: a shell walks PATH itself (dash,
 * bash), calling execve on every directory with the same argv array and
 * carrying on after EACCES, so one `kubectl delete` would otherwise be
 * reported once per directory that has a kubectl (/bin and /usr/bin are
 * one on merged-/usr systems). The same argv array, rule and process
 * right after a denial is the same attempt: denied again, not reported
 * again. The pid keeps a vfork child (which shares these variables) and
 * a fork child apart. Only the report depends on this, never the verdict.
 */
static _Atomic(uintptr_t) last_argv;
static _Atomic int last_rule = -1;
static _Atomic pid_t last_pid;

static bool repeated_denial(char *const argv[], int rule)
{
	pid_t pid = getpid();
	bool same = atomic_load(&last_argv) == (uintptr_t)argv && atomic_load(&last_rule) == rule &&
		    atomic_load(&last_pid) == pid;
	atomic_store(&last_argv, (uintptr_t)argv);
	atomic_store(&last_rule, rule);
	atomic_store(&last_pid, pid);
	return same;
}

bool shim_exec_denied(const char *call, const char *path, char *const argv[], char *const envp[],
		      bool named)
{
	const struct shim_state *st = shim_state();
	struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv;
	int rule;

	if (!st || !st->have_blob)
		return false;
	rule = shim_decide_exec(&st->blob, path, argv, envp, &scratch, &inv);
	if (rule < 0)
		return false;
	if (named && path && strchr(path, '/')) {
		int saved = errno;
		bool missing = faccessat(AT_FDCWD, path, F_OK, 0) < 0 &&
			       (errno == ENOENT || errno == ENOTDIR);
		errno = saved;
		if (missing)
			return false;
	}
	const char *only[2] = { path, NULL };
	struct shim_denial d = {
		.action = "exec",
		.call = call,
		.list = POLICY_BLOB_DENY_EXEC,
		.rule = rule,
		.target = path		    ? path
			  : argv && argv[0] ? argv[0]
					    : "",
		.argv = argv && argv[0] ? (const char *const *)argv : only,
		.inv = &inv,
		.err = EACCES,
	};
	/* A PATH walk's repeats of one attempt: refused, reported once. */
	if (named && argv && repeated_denial(argv, rule))
		return true;
	return shim_report(st, &d);
}

struct execve_ctx {
	execve_fn real;
	const char *path;
	char *const *argv;
};

static int call_execve(void *ctx, char *const envp[])
{
	const struct execve_ctx *c = ctx;
	return c->real(c->path, c->argv, envp);
}

int shim_exec_common(const char *call, const char *path, bool named, char *const argv[],
		     char *const envp[], bool have_real, shim_envp_fn fn, void *ctx)
{
	int saved = errno;
	const struct shim_state *st;

	if (!have_real) {
		errno = ENOSYS;
		return -1;
	}
	st = shim_state();
	if (!st)
		return fn(ctx, envp);
	if (shim_exec_denied(call, path, argv, envp, named)) {
		errno = EACCES;
		return -1;
	}
	errno = saved;
	return shim_envp_call(&st->want, envp, fn, ctx);
}

int shim_hook_execve(const char *call, const char *path, char *const argv[], char *const envp[])
{
	struct execve_ctx c = { (execve_fn)shim_real(SHIM_SYM_EXECVE), path, argv };

	return shim_exec_common(call, path, true, argv, envp, c.real != NULL, call_execve, &c);
}

SHIM_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return shim_hook_execve("execve", path, argv, envp);
}

SHIM_EXPORT int execv(const char *path, char *const argv[])
{
	return shim_hook_execve("execv", path, argv, environ);
}

/* The words of an execl-style call: @arg, then the variadic ones up to NULL. */
static size_t va_count(const char *arg, va_list *ap)
{
	size_t n = 0;

	if (!arg)
		return 0;
	for (n = 1; va_arg(*ap, const char *); n++)
		;
	return n;
}

static void va_fill(char **argv, size_t n, const char *arg, va_list *ap)
{
	if (n)
		argv[0] = (char *)arg;
	for (size_t i = 1; i < n; i++)
		argv[i] = va_arg(*ap, char *);
	if (n)
		(void)va_arg(*ap, char *); /* the terminating NULL */
	argv[n] = NULL;
}

/*
 * The argv of an execl-style call, on this stack frame (a variable-length
 * array, as glibc's own execl builds it), then @body with it in `argv`.
 */
#define SHIM_WITH_VA_ARGV(arg, body)                \
	do {                                        \
		va_list ap, ap2;                    \
		va_start(ap, arg);                  \
		va_copy(ap2, ap);                   \
		size_t argc_ = va_count(arg, &ap2); \
		va_end(ap2);                        \
		char *argv[argc_ + 1];              \
		va_fill(argv, argc_, arg, &ap);     \
		body;                               \
		va_end(ap);                         \
	} while (0)

SHIM_EXPORT int execl(const char *path, const char *arg, ...)
{
	int r;
	SHIM_WITH_VA_ARGV(arg, r = shim_hook_execve("execl", path, argv, environ));
	return r;
}

SHIM_EXPORT int execle(const char *path, const char *arg, ...)
{
	int r;
	/* The environment follows the NULL that ends the words. */
	SHIM_WITH_VA_ARGV(arg, r = shim_hook_execve("execle", path, argv, va_arg(ap, char **)));
	return r;
}

SHIM_EXPORT int execlp(const char *file, const char *arg, ...)
{
	int r;
	SHIM_WITH_VA_ARGV(arg, r = shim_hook_execvpe("execlp", file, argv, environ));
	return r;
}

SHIM_EXPORT int execvp(const char *file, char *const argv[])
{
	return shim_hook_execvpe("execvp", file, argv, environ);
}

struct fexecve_ctx {
	fexecve_fn real;
	int fd;
	char *const *argv;
};

static int call_fexecve(void *ctx, char *const envp[])
{
	const struct fexecve_ctx *c = ctx;
	return c->real(c->fd, c->argv, envp);
}

SHIM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	struct fexecve_ctx c = { (fexecve_fn)shim_real(SHIM_SYM_FEXECVE), fd, argv };
	char path[PATHMATCH_PATH_MAX];
	int saved = errno;
	/* The descriptor's path is only what the audit record names; not a file to look up. */
	const char *target = shim_plat_fd_path(fd, path, sizeof(path)) > 0 ? path : NULL;

	errno = saved;
	return shim_exec_common("fexecve", target, false, argv, envp, c.real != NULL, call_fexecve,
				&c);
}

struct spawn_ctx {
	spawn_fn real;
	pid_t *pid;
	const char *path;
	const posix_spawn_file_actions_t *fa;
	const posix_spawnattr_t *attr;
	char *const *argv;
};

static int call_spawn(void *ctx, char *const envp[])
{
	const struct spawn_ctx *c = ctx;
	return c->real(c->pid, c->path, c->fa, c->attr, c->argv, envp);
}

int shim_hook_spawn(void *real, const char *call, pid_t *pid, const char *path,
		    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		    char *const argv[], char *const envp[])
{
	const struct shim_state *st = shim_state();
	struct spawn_ctx c = { (spawn_fn)real, pid, path, fa, attr, argv };

	if (!c.real)
		return ENOSYS;
	if (!st)
		return c.real(pid, path, fa, attr, argv, envp);
	/* posix_spawn reports its error as the return value; errno is left alone. */
	if (shim_exec_denied(call, path, argv, envp, true))
		return EACCES;
	return shim_envp_call(&st->want, envp, call_spawn, &c);
}

SHIM_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return shim_hook_spawn(shim_real(SHIM_SYM_POSIX_SPAWN), "posix_spawn", pid, path, fa, attr,
			       argv, envp);
}

SHIM_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			     const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return shim_hook_spawn(shim_real(SHIM_SYM_POSIX_SPAWNP), "posix_spawnp", pid, file, fa,
			       attr, argv, envp);
}

/*
 * system() and popen() run `sh -c CMD` with the process's own environment
 * (they take none), so there is nothing to re-inject: a program that
 * removed LD_PRELOAD from environ runs that shell without the shim, and
 * only the supervisor judges what it runs. argvmatch understands shell
 * command lines, so `sh -c "kubectl delete pod x"` is judged whole here.
 */
SHIM_EXPORT int system(const char *cmd)
{
	system_fn real = (system_fn)shim_real(SHIM_SYM_SYSTEM);
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	/* system(NULL) asks whether a shell exists: nothing to judge. */
	if (cmd && shim_exec_denied("system", "/bin/sh", argv, environ, false)) {
		/*
		 * What the shell returns when it finds the command but may not
		 * run it: exit status 126 (POSIX, "Command not executable").
		 * Callers that check WEXITSTATUS see a failed command, as they
		 * would for any other refusal; errno says EACCES too.
		 */
		errno = EACCES;
		return 126 << 8;
	}
	return real(cmd);
}

SHIM_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	popen_fn real = (popen_fn)shim_real(SHIM_SYM_POPEN);
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };

	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	if (cmd && shim_exec_denied("popen", "/bin/sh", argv, environ, false)) {
		errno = EACCES;
		return NULL;
	}
	return real(cmd, mode);
}
