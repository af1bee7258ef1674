/* SPDX-License-Identifier: MIT */
/*
 * shim_calls.c — call one hooked entry point of libaigate_shim.so with the
 * given arguments and print what the caller saw, for
 * tests/integration/test_shim.sh. Built DYNAMICALLY (the shim is an
 * LD_PRELOAD library: a static program never loads it).
 *
 *   shim_calls CALL PATH-OR-CMD [ARGV0 ARG…]   (exec: the path or name, then the whole argv)
 *
 * Exec calls replace the process when allowed (the new program's output is
 * the evidence); when refused they print "CALL ret=-1 errno=N" (posix_spawn*:
 * "ret=N", the returned error; system: "ret=STATUS exit=N"). Open calls
 * print "CALL ret=ok|-1 errno=N data=FIRST-LINE"; errno is set to 777
 * before every call, so an allowed call that succeeds must still print
 * errno=777 (the shim preserves errno).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

#define SENTINEL 777

static const char *call;
static char **words; /* the ARGS after CALL's own operand */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	printf("%s ", call);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void exec_failed(int r, int err)
{
	say("ret=%d errno=%d", r, err);
	exit(1);
}

/* Print the first line readable from @fd, then close it. */
static void show_fd(int fd, int err)
{
	char buf[256] = "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
	say("ret=ok errno=%d data=%s", err, buf);
}

static void show_open(int fd, int err)
{
	if (fd < 0) {
		say("ret=-1 errno=%d data=", err);
		exit(1);
	}
	show_fd(fd, err);
	exit(0);
}

static void show_file(FILE *f, int err)
{
	char buf[256] = "";
	if (!f) {
		say("ret=-1 errno=%d data=", err);
		exit(1);
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	say("ret=ok errno=%d data=%s", err, buf);
	exit(0);
}

static void spawn_result(int r, pid_t pid)
{
	int status = 0;
	if (r != 0) {
		say("ret=%d", r);
		exit(1);
	}
	waitpid(pid, &status, 0);
	say("ret=0 exit=%d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	exit(0);
}

static volatile sig_atomic_t stop_threads;

static void *opener(void *arg)
{
	(void)arg;
	while (!stop_threads) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static const char *sig_path;
static char **sig_argv;

static void on_usr1(int sig)
{
	/* Async-signal context: execv, then write(2) only. */
	char msg[64];
	int r = execv(sig_path, sig_argv), err = errno;
	int n = snprintf(msg, sizeof(msg), "%s ret=%d errno=%d\n", call, r, err);
	(void)sig;
	if (write(STDOUT_FILENO, msg, (size_t)n) < 0)
		_exit(2);
	_exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: shim_calls CALL ARG...\n");
		return 2;
	}
	call = argv[1];
	const char *a = argv[2];
	words = argv + 3;
	int r, err;
	pid_t pid;

	errno = SENTINEL;
	/* ---- the exec family ---- */
	if (strcmp(call, "execve") == 0) {
		r = execve(a, words, environ);
		exec_failed(r, errno);
	} else if (strcmp(call, "execve-empty-env") == 0) {
		char *empty[] = { NULL };
		r = execve(a, words, empty);
		exec_failed(r, errno);
	} else if (strcmp(call, "execv") == 0) {
		r = execv(a, words);
		exec_failed(r, errno);
	} else if (strcmp(call, "execvp") == 0) {
		r = execvp(a, words);
		exec_failed(r, errno);
	} else if (strcmp(call, "execvpe") == 0) {
		r = execvpe(a, words, environ);
		exec_failed(r, errno);
	} else if (strcmp(call, "execl") == 0 || strcmp(call, "execlp") == 0 ||
		   strcmp(call, "execle") == 0) {
		/* Up to 5 words after the path: enough for every test. */
		char *w[6] = { 0 };
		for (int i = 0; i < 6 && words[i]; i++)
			w[i] = words[i];
		if (strcmp(call, "execl") == 0)
			r = execl(a, w[0], w[1], w[2], w[3], w[4], w[5], (char *)NULL);
		else if (strcmp(call, "execlp") == 0)
			r = execlp(a, w[0], w[1], w[2], w[3], w[4], w[5], (char *)NULL);
		else
			r = execle(a, w[0], w[1], w[2], w[3], w[4], w[5], (char *)NULL, environ);
		exec_failed(r, errno);
	} else if (strcmp(call, "execveat") == 0) {
		r = execveat(AT_FDCWD, a, words, environ, 0);
		exec_failed(r, errno);
	} else if (strcmp(call, "execveat-fd") == 0) {
		int fd = open(a, O_PATH);
		r = execveat(fd, "", words, environ, AT_EMPTY_PATH);
		exec_failed(r, errno);
	} else if (strcmp(call, "fexecve") == 0) {
		int fd = open(a, O_RDONLY); /* no O_CLOEXEC: a script is run through /dev/fd/N */
		errno = SENTINEL;
		r = fexecve(fd, words, environ);
		exec_failed(r, errno);
	} else if (strcmp(call, "posix_spawn") == 0) {
		r = posix_spawn(&pid, a, NULL, NULL, words, environ);
		spawn_result(r, pid);
	} else if (strcmp(call, "posix_spawnp") == 0) {
		r = posix_spawnp(&pid, a, NULL, NULL, words, environ);
		spawn_result(r, pid);
	} else if (strcmp(call, "system") == 0) {
		r = system(a);
		err = errno;
		say("ret=%d exit=%d errno=%d", r, WIFEXITED(r) ? WEXITSTATUS(r) : -1, err);
		return r == 0 ? 0 : 1;
	} else if (strcmp(call, "popen") == 0) {
		char buf[256];
		FILE *f = popen(a, "r");
		err = errno;
		if (!f) {
			say("ret=NULL errno=%d", err);
			return 1;
		}
		while (fgets(buf, sizeof(buf), f))
			fputs(buf, stdout);
		r = pclose(f);
		say("ret=ok exit=%d", WIFEXITED(r) ? WEXITSTATUS(r) : -1);
		return 0;
	} else if (strcmp(call, "vfork-execvp") == 0) {
		int status;
		pid = vfork();
		if (pid == 0) {
			execvp(a, words);
			_exit(errno == EACCES ? 13 : 127);
		}
		waitpid(pid, &status, 0);
		say("child-exit=%d", WEXITSTATUS(status));
		return 0;
	} else if (strcmp(call, "threads-fork-execvp") == 0) {
		/* Other threads hammer open() while one forks and the child execs. */
		pthread_t t[4];
		int status;
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, opener, NULL);
		usleep(20000);
		pid = fork();
		if (pid == 0) {
			execvp(a, words);
			char msg[64];
			int n = snprintf(msg, sizeof(msg), "%s ret=-1 errno=%d\n", call, errno);
			if (write(STDOUT_FILENO, msg, (size_t)n) < 0)
				_exit(2);
			_exit(1);
		}
		waitpid(pid, &status, 0);
		stop_threads = 1;
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		say("child-exit=%d", WEXITSTATUS(status));
		return 0;
	} else if (strcmp(call, "signal-execv") == 0) {
		sig_path = a;
		sig_argv = words;
		signal(SIGUSR1, on_usr1);
		raise(SIGUSR1);
		return 3; /* not reached: the handler execs or _exits */
	}

	/* ---- the shim's conditions ---- */
	if (strcmp(call, "at-secure") == 0) {
		say("%lu", getauxval(AT_SECURE));
		return 0;
	} else if (strcmp(call, "dlopen-open") == 0) {
		/* The shim's open() hook called directly (a setgid program's loader skips LD_PRELOAD). */
		void *h = dlopen(a, RTLD_NOW);
		int (*hook)(const char *, int, ...) =
			h ? (int (*)(const char *, int, ...))dlsym(h, "open") : NULL;
		if (!hook || !argv[3]) {
			say("cannot load %s: %s", a, dlerror());
			return 2;
		}
		errno = SENTINEL;
		int fd2 = hook(argv[3], O_RDONLY);
		show_open(fd2, errno);
	}

	/* ---- the open family (a: the path; "dir NAME" for the *at calls) ---- */
	const int rd = O_RDONLY;
	int fd;
	if (strcmp(call, "open") == 0) {
		fd = open(a, rd);
	} else if (strcmp(call, "open-creat") == 0) {
		fd = open(a, O_RDWR | O_CREAT, 0600);
	} else if (strcmp(call, "open64") == 0) {
		fd = open64(a, rd);
	} else if (strcmp(call, "openat") == 0) {
		fd = openat(AT_FDCWD, a, rd);
	} else if (strcmp(call, "openat-dirfd") == 0 || strcmp(call, "openat64-dirfd") == 0 ||
		   strcmp(call, "__openat_2-dirfd") == 0 ||
		   strcmp(call, "__openat64_2-dirfd") == 0) {
		int dfd = open(a, O_RDONLY | O_DIRECTORY);
		const char *name = argv[3] ? argv[3] : ".";
		errno = SENTINEL;
		if (strcmp(call, "__openat_2-dirfd") == 0)
			fd = __openat_2(dfd, name, rd);
		else if (strcmp(call, "__openat64_2-dirfd") == 0)
			fd = __openat64_2(dfd, name, rd);
		else if (strcmp(call, "openat64-dirfd") == 0)
			fd = openat64(dfd, name, rd);
		else
			fd = openat(dfd, name, rd);
	} else if (strcmp(call, "openat64") == 0) {
		fd = openat64(AT_FDCWD, a, rd);
	} else if (strcmp(call, "creat") == 0) {
		fd = creat(a, 0600);
	} else if (strcmp(call, "creat64") == 0) {
		fd = creat64(a, 0600);
	} else if (strcmp(call, "__open_2") == 0) {
		fd = __open_2(a, rd);
	} else if (strcmp(call, "__open64_2") == 0) {
		fd = __open64_2(a, rd);
	} else if (strcmp(call, "__openat_2") == 0) {
		fd = __openat_2(AT_FDCWD, a, rd);
	} else if (strcmp(call, "__openat64_2") == 0) {
		fd = __openat64_2(AT_FDCWD, a, rd);
	} else if (strcmp(call, "fopen") == 0) {
		FILE *f = fopen(a, "r");
		show_file(f, errno);
	} else if (strcmp(call, "fopen64") == 0) {
		FILE *f = fopen64(a, "r");
		show_file(f, errno);
	} else if (strcmp(call, "freopen") == 0 || strcmp(call, "freopen64") == 0) {
		FILE *f = fopen("/dev/null", "r");
		errno = SENTINEL;
		f = strcmp(call, "freopen") == 0 ? freopen(a, "r", f) : freopen64(a, "r", f);
		show_file(f, errno);
	} else {
		fprintf(stderr, "shim_calls: unknown call %s\n", call);
		return 2;
	}
	err = errno;
	show_open(fd, err);
	return 0;
}
