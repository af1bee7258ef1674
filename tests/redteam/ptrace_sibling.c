/* SPDX-License-Identifier: MIT */
/*
 * ptrace_sibling.c — red-team helper for tests/integration/test_filter.sh:
 * reach into another process of the sandbox. A tracer can rewrite a
 * tracee's system-call arguments after a seccomp decision, or the memory a
 * supervisor is about to read; aigate's filter denies ptrace and
 * process_vm_readv/writev (EPERM) and its supervisor decides every open, so
 * /proc/PID/mem of a sibling is judged there too. Built -static, raw calls.
 *
 * Usage: ptrace_sibling
 * Forks a child that waits on a pipe, then tries, one line each:
 *   PTRACE_ATTACH: ok | ERRNO-NAME          (attached, stopped and detached)
 *   PTRACE_SEIZE: ok | ERRNO-NAME           (seized, interrupted and detached)
 *   process_vm_readv: ok (0x1111) | ERRNO-NAME
 *   process_vm_writev: ok (child sees 0x2222) | ERRNO-NAME
 *   proc mem read: ok (0x…) | ERRNO-NAME     open(/proc/CHILD/mem, O_RDONLY), pread
 *   proc mem write: ok (child sees 0x3333) | ERRNO-NAME
 *                                            open(/proc/CHILD/mem, O_RDWR), pwrite
 * "child sees" is the child's own reading of the variable after the write.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* The variable the parent reads and writes in the child (same address after fork). */
static volatile long target = 0x1111;

static int to_child[2], from_child[2];

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

/* The child: on each byte from the parent, report its copy of target. */
static void child_loop(void)
{
	char c;

	close(to_child[1]);
	close(from_child[0]);
	while (read(to_child[0], &c, 1) == 1) {
		long v = target;
		if (write(from_child[1], &v, sizeof(v)) != sizeof(v))
			break;
	}
	_exit(0);
}

static long child_value(void)
{
	long v = -1;

	if (write(to_child[1], "?", 1) != 1 || read(from_child[0], &v, sizeof(v)) != sizeof(v))
		return -1;
	return v;
}

static void try_attach(pid_t pid)
{
	int status;

	if (syscall(SYS_ptrace, PTRACE_ATTACH, pid, 0, 0) < 0) {
		printf("PTRACE_ATTACH: %s\n", ename(errno));
		return;
	}
	waitpid(pid, &status, __WALL);
	syscall(SYS_ptrace, PTRACE_DETACH, pid, 0, 0);
	printf("PTRACE_ATTACH: ok\n");
}

static void try_seize(pid_t pid)
{
	int status;

	if (syscall(SYS_ptrace, PTRACE_SEIZE, pid, 0, 0) < 0) {
		printf("PTRACE_SEIZE: %s\n", ename(errno));
		return;
	}
	syscall(SYS_ptrace, PTRACE_INTERRUPT, pid, 0, 0);
	waitpid(pid, &status, __WALL);
	syscall(SYS_ptrace, PTRACE_DETACH, pid, 0, 0);
	printf("PTRACE_SEIZE: ok\n");
}

static void try_vm(pid_t pid)
{
	long v = 0;
	struct iovec local = { .iov_base = &v, .iov_len = sizeof(v) };
	struct iovec remote = { .iov_base = (void *)&target, .iov_len = sizeof(v) };

	if (syscall(SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0) < 0)
		printf("process_vm_readv: %s\n", ename(errno));
	else
		printf("process_vm_readv: ok (0x%lx)\n", v);

	v = 0x2222;
	if (syscall(SYS_process_vm_writev, pid, &local, 1, &remote, 1, 0) < 0)
		printf("process_vm_writev: %s\n", ename(errno));
	else
		printf("process_vm_writev: ok (child sees 0x%lx)\n", child_value());
}

static void try_mem(pid_t pid)
{
	char path[64];
	long v = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("proc mem read: %s\n", ename(errno));
	} else {
		if (pread(fd, &v, sizeof(v), (off_t)(uintptr_t)&target) != sizeof(v))
			printf("proc mem read: opened, pread %s\n", ename(errno));
		else
			printf("proc mem read: ok (0x%lx)\n", v);
		close(fd);
	}

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("proc mem write: %s\n", ename(errno));
		return;
	}
	v = 0x3333;
	if (pwrite(fd, &v, sizeof(v), (off_t)(uintptr_t)&target) != sizeof(v))
		printf("proc mem write: opened, pwrite %s\n", ename(errno));
	else
		printf("proc mem write: ok (child sees 0x%lx)\n", child_value());
	close(fd);
}

int main(void)
{
	pid_t pid;
	int status;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(from_child, O_CLOEXEC) < 0) {
		perror("ptrace_sibling: pipe");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("ptrace_sibling: fork");
		return 2;
	}
	if (pid == 0)
		child_loop();
	close(to_child[0]);
	close(from_child[1]);
	/* The child is running its loop once it answers. */
	if (child_value() != 0x1111) {
		fprintf(stderr, "ptrace_sibling: the child does not answer\n");
		kill(pid, SIGKILL);
		return 2;
	}

	try_attach(pid);
	try_seize(pid);
	try_vm(pid);
	try_mem(pid);

	close(to_child[1]);
	waitpid(pid, &status, 0);
	return 0;
}
