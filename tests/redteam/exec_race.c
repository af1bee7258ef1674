/* SPDX-License-Identifier: MIT */
/*
 * exec_race.c — red-team helper for tests/integration/test_supervisor.sh: the
 * exec argv race. A supervisor that reads argv from the caller's memory at
 * the execve notification and then lets the kernel copy it again decides on
 * one command line and runs another. Here the main thread starts PROG with
 * argv { "kubectl", ARG, "pods" } from a vfork child (or posix_spawn, which
 * is glibc's CLONE_VM|CLONE_VFORK child) while a second thread flips ARG
 * between "get" and "delete" with single 8-byte stores. Two more modes beat
 * the supervisor's fast path (a CONTINUE when nothing can rewrite argv):
 * shared, where this process stays a lone thread, forks each child, and a
 * forked process flips ARG in a MAP_SHARED page; and zombie, where the
 * main thread exits and the vforks come from another thread of the group.
 *
 * Usage: exec_race race PROG TRIES SECONDS vfork|spawn|shared|zombie
 *          at most TRIES execs, stopping early after SECONDS; prints one line
 *          "tries=N ran=N denied=N killed=N other=N seconds=S":
 *          ran: the child exited 0 (PROG ran; its log says with what);
 *          denied: execve failed with EACCES; killed: the child died of
 *          SIGKILL (the supervisor's check on the new image); other: anything
 *          else (the first such status is printed on stderr).
 *        exec_race once PROG ARG...
 *          one raw execve(PROG, { ARG... }) from this process, no libc
 *          wrapper: on failure prints "execve: ENAME (errno N)", exits 126.
 *
 * Natively the log of a race run holds both "get pods" and "delete pods"
 * lines (the race is real); in the sandbox it must hold no "delete" line.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ARG as one 8-byte word: every exec copies "get" or "delete", never a mix. */
static union arg_word {
	uint64_t word;
	char s[8];
} arg_static, *arg = &arg_static;

static uint64_t get_word, delete_word;
static volatile int stop;
/* Written by the vfork child (it shares our memory) when execve fails. */
static volatile int child_errno;

static void *flip_thread(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		__atomic_store_n(&arg->word, delete_word, __ATOMIC_RELAXED);
		__atomic_store_n(&arg->word, get_word, __ATOMIC_RELAXED);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int once(int argc, char **argv)
{
	(void)argc;
	syscall(SYS_execve, argv[2], argv + 3, environ);
	int e = errno;
	const char *name = strerrorname_np(e);
	printf("execve: %s (errno %d)\n", name ? name : "E?", e);
	return 126;
}

/* The race's state: static, since a vfork child runs on the same memory. */
static const char *prog;
static long max_tries, tries, ran, denied, killed, other;
static double limit, start;
static enum { M_VFORK, M_SPAWN, M_SHARED, M_ZOMBIE } mode;

/* Start one child that execs PROG; its status in *st. 0, or -1 to stop. */
static int one_try(char **child_argv, int *st)
{
	pid_t pid;
	int e;

	child_errno = 0;
	if (mode == M_SPAWN) {
		e = posix_spawn(&pid, prog, NULL, NULL, child_argv, environ);
		if (e) {
			/* As a failed exec's status: 127, with the errno beside it. */
			child_errno = e;
			*st = 127 << 8;
			return 0;
		}
	} else if (mode == M_SHARED) {
		/* fork, not vfork: this process and the child each stay a lone thread. */
		pid = fork();
		if (pid == 0) {
			syscall(SYS_execve, prog, child_argv, environ);
			_exit(errno == EACCES ? 126 : 127);
		}
	} else {
		pid = vfork();
		if (pid == 0) {
			syscall(SYS_execve, prog, child_argv, environ);
			child_errno = errno;
			_exit(127);
		}
	}
	if (pid < 0) {
		perror("exec_race: fork");
		return -1;
	}
	if (waitpid(pid, st, 0) < 0) {
		perror("exec_race: waitpid");
		return -1;
	}
	if (mode == M_SHARED && WIFEXITED(*st) && WEXITSTATUS(*st) == 126) {
		child_errno = EACCES;
		*st = 127 << 8;
	}
	return 0;
}

static void race(void)
{
	char *child_argv[] = { "kubectl", arg->s, "pods", NULL };
	start = now();
	while (tries < max_tries && now() - start < limit) {
		int st;
		tries++;
		if (one_try(child_argv, &st) < 0)
			break;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			ran++;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && child_errno == EACCES) {
			denied++;
		} else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			killed++;
		} else {
			if (!other)
				fprintf(stderr, "exec_race: child status %#x, execve errno %d\n",
					st, child_errno);
			other++;
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	printf("tries=%ld ran=%ld denied=%ld killed=%ld other=%ld seconds=%.1f\n", tries, ran,
	       denied, killed, other, now() - start);
	fflush(stdout);
}

/* zombie mode: the racing thread of a group whose leader has exited. */
static void *zombie_racer(void *unused)
{
	(void)unused;
	race();
	exit(0);
}

int main(int argc, char **argv)
{
	pthread_t th;
	char *end;
	int e;

	if (argc >= 4 && strcmp(argv[1], "once") == 0)
		return once(argc, argv);
	if (argc != 6 || strcmp(argv[1], "race") != 0) {
		fprintf(stderr, "usage: exec_race race PROG TRIES SECONDS vfork|spawn|shared|zombie\n"
				"       exec_race once PROG ARG...\n");
		return 2;
	}
	prog = argv[2];
	max_tries = strtol(argv[3], &end, 10);
	if (*end || max_tries <= 0)
		return 2;
	limit = strtod(argv[4], &end);
	if (*end || limit <= 0)
		return 2;
	if (strcmp(argv[5], "vfork") == 0)
		mode = M_VFORK;
	else if (strcmp(argv[5], "spawn") == 0)
		mode = M_SPAWN;
	else if (strcmp(argv[5], "shared") == 0)
		mode = M_SHARED;
	else if (strcmp(argv[5], "zombie") == 0)
		mode = M_ZOMBIE;
	else
		return 2;

	memcpy(&get_word, "get\0\0\0\0", 8);
	memcpy(&delete_word, "delete\0", 8);
	if (mode == M_SHARED) {
		arg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (arg == MAP_FAILED) {
			perror("exec_race: mmap");
			return 2;
		}
	}
	arg->word = get_word;

	if (mode == M_SHARED) {
		/* The flipper is another process: this one stays a lone thread. */
		pid_t flipper = fork();
		if (flipper < 0) {
			perror("exec_race: fork");
			return 2;
		}
		if (flipper == 0) {
			for (;;)
				flip_thread(NULL);
		}
		race();
		kill(flipper, SIGKILL);
		waitpid(flipper, NULL, 0);
		return 0;
	}
	e = pthread_create(&th, NULL, flip_thread, NULL);
	if (e) {
		fprintf(stderr, "exec_race: pthread_create: %s\n", strerror(e));
		return 2;
	}
	if (mode == M_ZOMBIE) {
		pthread_t racer;
		e = pthread_create(&racer, NULL, zombie_racer, NULL);
		if (e) {
			fprintf(stderr, "exec_race: pthread_create: %s\n", strerror(e));
			return 2;
		}
		pthread_exit(NULL); /* the leader goes; zombie_racer ends the process */
	}
	race();
	pthread_join(th, NULL);
	return 0;
}
