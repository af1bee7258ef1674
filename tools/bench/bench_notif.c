/* SPDX-License-Identifier: MIT */
/*
 * bench_notif — the cost of one trapped system call, timed inside the
 * process so that aigate's start-up is not part of the figure.
 *
 *   bench_notif open N FILE      N × (openat FILE, close); prints ns per pair
 *   bench_notif spawn N          N × (fork, execve /bin/true, wait); prints µs per spawn
 *   bench_notif openloop N FILE  N open/close pairs for the supervisor's memory
 *                                check: writes "10\n" to stdout after N/10
 *                                pairs and "100\n" after N, and after each
 *                                waits for one byte on stdin, so that the
 *                                caller can sample the supervisor at those
 *                                points without sleeping; then prints
 *                                "done NS" (ns per pair)
 *
 * open and spawn print one number (no unit) on stdout; bench_supervisor.sh
 * runs them alternately natively and under `aigate run` and takes medians.
 * openat() goes through libc, as a real program's does (and through the
 * shim when there is one); the kernel's seccomp filter sees it either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long parse_count(const char *s)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0) {
		fprintf(stderr, "bench_notif: bad count '%s'\n", s);
		exit(2);
	}
	return n;
}

static void open_close(const char *file)
{
	int fd = openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "bench_notif: openat %s: %s\n", file, strerror(errno));
		exit(1);
	}
	close(fd);
}

/* Tell the caller how far we are, then wait for its go-ahead on stdin. */
static void checkpoint(const char *msg)
{
	char c;
	ssize_t n;

	if (write(STDOUT_FILENO, msg, strlen(msg)) != (ssize_t)strlen(msg))
		exit(1);
	do
		n = read(STDIN_FILENO, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		exit(1);
}

static int bench_open(long n, const char *file)
{
	open_close(file); /* first touch: dentry and page cache, lazy binding */
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		open_close(file);
	printf("%.0f\n", (now_ns() - t0) / (double)n);
	return 0;
}

static int bench_spawn(long n)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();
		if (pid < 0) {
			perror("bench_notif: fork");
			return 1;
		}
		if (pid == 0) {
			execve("/bin/true", argv, envp);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return 1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_notif: /bin/true failed (status 0x%x)\n", status);
			return 1;
		}
	}
	printf("%.1f\n", (now_ns() - t0) / (double)n / 1e3);
	return 0;
}

static int bench_openloop(long n, const char *file)
{
	long tenth = n / 10;
	double t0 = now_ns(), paused = 0;

	for (long i = 1; i <= n; i++) {
		open_close(file);
		if (i == tenth) {
			double p0 = now_ns();
			checkpoint("10\n");
			paused += now_ns() - p0;
		}
	}
	double t1 = now_ns();
	checkpoint("100\n");
	char line[64];
	int len = snprintf(line, sizeof(line), "done %.0f\n", (t1 - t0 - paused) / (double)n);
	return write(STDOUT_FILENO, line, (size_t)len) == len ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "open") == 0)
		return bench_open(parse_count(argv[2]), argv[3]);
	if (argc == 3 && strcmp(argv[1], "spawn") == 0)
		return bench_spawn(parse_count(argv[2]));
	if (argc == 4 && strcmp(argv[1], "openloop") == 0)
		return bench_openloop(parse_count(argv[2]), argv[3]);
	fprintf(stderr, "usage: bench_notif open N FILE | spawn N | openloop N FILE\n");
	return 2;
}
