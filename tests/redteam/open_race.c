/* SPDX-License-Identifier: MIT */
/*
 * open_race.c — red-team helper for tests/integration/test_supervisor.sh: the
 * open race against a supervisor that checks a path in the caller's memory
 * and then lets the kernel read it again (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 * One task opens a path buffer over and over with raw openat(2) and reads
 * what it got; another task that shares the memory flips the buffer between
 * an allowed name and a denied one as fast as it can. A checker that reads
 * the allowed name while the kernel then opens the denied one leaks.
 *
 * Usage: open_race ALLOWED DENIED SECRET TRIES MODE
 *   ALLOWED, DENIED  file names relative to the working directory, at most
 *                    7 bytes each, so one 8-byte atomic store switches the
 *                    whole name and every open sees one name or the other
 *   SECRET           a string only the denied file holds
 *   TRIES            how many opens
 *   MODE             who flips the buffer and who opens it:
 *     thread   a second thread of this process flips, the main thread opens
 *     clonevm  a clone(CLONE_VM) child (another process, same memory) flips
 *     vfork    a second thread flips; the opens run in a vfork() child of
 *              the main thread (a process that is not in our thread group)
 *   and against the supervisor's fast path (a CONTINUE when it proves that
 *   nothing can rewrite the path), each beating one of its conditions:
 *     shared   the opener is a lone thread; the buffer is a MAP_SHARED page
 *              that a forked child flips
 *     file     the opener is a lone thread; the buffer is a read-only
 *              MAP_PRIVATE mapping of a file that a forked child rewrites
 *              with pwrite(2) (the page is the page cache's until copied)
 *     zombie   the main thread exits (the thread-group leader stays as a
 *              zombie, without a memory map); one thread flips, another
 *              vforks the opener: its parent's leader shows no map to
 *              compare with
 *     orphan   this process (one thread) starts a vfork child, which starts
 *              a vfork child of its own and is then killed by it: this
 *              process resumes and flips while the grandchild, adopted by
 *              init and still sharing our memory, opens
 *     orphantop the same family, the other way round: the grandchild flips
 *              while this process, resumed and a lone thread again, opens
 *
 * Prints one line:
 *   tries=N allowed=N secret=N empty=N eacces=N enoent=N other=N
 * allowed: reads that returned data without the secret; secret: reads that
 * returned the secret (a leak); empty: reads of 0 bytes (an overmount);
 * eacces, enoent, other: failed opens. Exit 0 when the run completed, 2 on a
 * usage or setup error. The caller judges the counts: natively both allowed
 * and secret must be > 0 (the race really runs), in the sandbox secret == 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The path buffer both tasks share: one 8-byte word, always NUL-terminated. */
static union path_word {
	uint64_t word;
	char name[8];
} path_static, *path_buf = &path_static;
static int flip_fd = -1; /* file mode: the child flips the word with pwrite on this file */

static uint64_t allowed_word, denied_word;
static volatile int stop;

static const char *secret;
static long tries;

static struct {
	long allowed, secret, empty, eacces, enoent, other;
} counts;

static void *flip_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (flip_fd >= 0) {
			if (pwrite(flip_fd, &denied_word, 8, 0) != 8 ||
			    pwrite(flip_fd, &allowed_word, 8, 0) != 8)
				break;
			continue;
		}
		__atomic_store_n(&path_buf->word, denied_word, __ATOMIC_RELAXED);
		__atomic_store_n(&path_buf->word, allowed_word, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int flip_child(void *arg)
{
	flip_thread(arg);
	return 0;
}

/* The open loop: raw system calls only (it also runs in a vfork child). */
static void open_loop(void)
{
	char buf[512];

	for (long i = 0; i < tries; i++) {
		long fd = syscall(SYS_openat, AT_FDCWD, path_buf->name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == EACCES)
				counts.eacces++;
			else if (errno == ENOENT)
				counts.enoent++;
			else
				counts.other++;
			continue;
		}
		long n = syscall(SYS_read, (int)fd, buf, sizeof(buf) - 1);
		syscall(SYS_close, (int)fd);
		if (n < 0) {
			counts.other++;
			continue;
		}
		buf[n] = '\0';
		if (n == 0)
			counts.empty++;
		else if (strstr(buf, secret))
			counts.secret++;
		else
			counts.allowed++;
	}
}

static void report(void);

/* orphan mode: stacks of their own (a vfork child normally borrows ours). */
static char orphan_stacks[2][256 * 1024] __attribute__((aligned(16)));

static int orphan_top_opens; /* orphantop mode */

static int orphan_grandchild(void *arg)
{
	(void)arg;
	/* Kill our parent: its vfork ends, so our grandparent resumes, and we live on. */
	kill(getppid(), SIGKILL);
	if (orphan_top_opens) {
		while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&path_buf->word, denied_word, __ATOMIC_RELAXED);
			__atomic_store_n(&path_buf->word, allowed_word, __ATOMIC_RELAXED);
		}
		_exit(0);
	}
	open_loop();
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	_exit(0);
}

static int orphan_child(void *arg)
{
	(void)arg;
	clone(orphan_grandchild, orphan_stacks[1] + sizeof(orphan_stacks[1]),
	      CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	_exit(3); /* not reached when the grandchild started: it killed us */
}

/* zombie mode: vfork the opener from a thread whose group leader has exited. */
static void *zombie_opener(void *arg)
{
	(void)arg;
	pid_t pid = vfork();
	if (pid == 0) {
		open_loop();
		_exit(0);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "open_race: the vfork child failed (status %#x)\n", st);
		exit(2);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	report();
	exit(0);
}

static int set_word(uint64_t *word, const char *name)
{
	size_t n = strlen(name);
	if (n > 7)
		return -1;
	memset(word, 0, sizeof(*word));
	memcpy(word, name, n);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t th;
	const char *mode;
	char *end;

	if (argc != 6) {
		fprintf(stderr,
			"usage: open_race ALLOWED DENIED SECRET TRIES "
			"thread|clonevm|vfork|shared|file|zombie|orphan|orphantop\n");
		return 2;
	}
	if (set_word(&allowed_word, argv[1]) < 0 || set_word(&denied_word, argv[2]) < 0) {
		fprintf(stderr, "open_race: names must be at most 7 bytes\n");
		return 2;
	}
	secret = argv[3];
	tries = strtol(argv[4], &end, 10);
	if (*end || tries <= 0) {
		fprintf(stderr, "open_race: bad TRIES: %s\n", argv[4]);
		return 2;
	}
	mode = argv[5];
	path_buf->word = allowed_word;

	if (strcmp(mode, "thread") == 0 || strcmp(mode, "vfork") == 0) {
		int e = pthread_create(&th, NULL, flip_thread, NULL);
		if (e) {
			fprintf(stderr, "open_race: pthread_create: %s\n", strerror(e));
			return 2;
		}
		if (mode[0] == 't') {
			open_loop();
		} else {
			/* The child borrows our memory and our stack until it exits;
			 * the flipping thread keeps running in this process. */
			pid_t pid = vfork();
			if (pid == 0) {
				open_loop();
				_exit(0);
			}
			if (pid < 0) {
				perror("open_race: vfork");
				return 2;
			}
			int st;
			waitpid(pid, &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr,
					"open_race: the vfork child ended with status %#x\n", st);
				return 2;
			}
		}
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		pthread_join(th, NULL);
	} else if (strcmp(mode, "clonevm") == 0) {
		size_t size = 256 * 1024;
		char *stack = malloc(size);
		if (!stack) {
			perror("open_race: malloc");
			return 2;
		}
		/* Same memory, separate process (no CLONE_THREAD): a supervisor
		 * that only checks the thread group misses this writer. */
		pid_t pid = clone(flip_child, stack + size, CLONE_VM | SIGCHLD, NULL);
		if (pid < 0) {
			perror("open_race: clone");
			return 2;
		}
		open_loop();
		__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		waitpid(pid, NULL, 0);
		free(stack);
	} else if (strcmp(mode, "shared") == 0 || strcmp(mode, "file") == 0) {
		if (mode[0] == 's') {
			path_buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			if (path_buf == MAP_FAILED) {
				perror("open_race: mmap");
				return 2;
			}
			path_buf->word = allowed_word;
		} else {
			/* TMPDIR: the fallback rungs give the sandbox a /tmp of its own there. */
			const char *tmpdir = getenv("TMPDIR");
			char tmpl[4096];
			snprintf(tmpl, sizeof(tmpl), "%s/open_race.XXXXXX",
				 tmpdir && tmpdir[0] ? tmpdir : "/tmp");
			flip_fd = mkstemp(tmpl);
			if (flip_fd < 0 || unlink(tmpl) < 0 || ftruncate(flip_fd, 4096) < 0 ||
			    pwrite(flip_fd, &allowed_word, 8, 0) != 8) {
				perror("open_race: temporary file");
				return 2;
			}
			/* Read-only and private: this process never writes (copies) the page. */
			path_buf = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, flip_fd, 0);
			if (path_buf == MAP_FAILED) {
				perror("open_race: mmap");
				return 2;
			}
		}
		/* Another process, not a thread: this one stays single-threaded. */
		pid_t pid = fork();
		if (pid < 0) {
			perror("open_race: fork");
			return 2;
		}
		if (pid == 0) {
			for (;;)
				flip_thread(NULL);
		}
		open_loop();
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else if (strcmp(mode, "orphan") == 0 || strcmp(mode, "orphantop") == 0) {
		orphan_top_opens = strcmp(mode, "orphantop") == 0;
		pid_t pid = clone(orphan_child, orphan_stacks[0] + sizeof(orphan_stacks[0]),
				  CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
		if (pid < 0) {
			perror("open_race: clone");
			return 2;
		}
		waitpid(pid, NULL, 0);
		if (orphan_top_opens) {
			/* We open; the grandchild flips until we are done. */
			open_loop();
			__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
			report();
			return 0;
		}
		/* The grandchild opens; we flip until it says it is done. */
		while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&path_buf->word, denied_word, __ATOMIC_RELAXED);
			__atomic_store_n(&path_buf->word, allowed_word, __ATOMIC_RELAXED);
		}
	} else if (strcmp(mode, "zombie") == 0) {
		int e = pthread_create(&th, NULL, flip_thread, NULL);
		pthread_t opener;
		if (!e)
			e = pthread_create(&opener, NULL, zombie_opener, NULL);
		if (e) {
			fprintf(stderr, "open_race: pthread_create: %s\n", strerror(e));
			return 2;
		}
		/* The leader goes; the process lives on in its threads (zombie_opener ends it). */
		pthread_exit(NULL);
	} else {
		fprintf(stderr, "open_race: unknown MODE %s\n", mode);
		return 2;
	}

	report();
	return 0;
}

static void report(void)
{
	printf("tries=%ld allowed=%ld secret=%ld empty=%ld eacces=%ld enoent=%ld other=%ld\n",
	       tries, counts.allowed, counts.secret, counts.empty, counts.eacces, counts.enoent,
	       counts.other);
	fflush(stdout);
}
