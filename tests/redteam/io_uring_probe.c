/* SPDX-License-Identifier: MIT */
/*
 * io_uring_probe.c — red-team helper for tests/integration/test_filter.sh:
 * io_uring performs opens and connects inside the kernel, where no seccomp
 * filter sees them, so a supervisor that judges openat and connect would be
 * bypassed by a ring. aigate's filter answers io_uring_setup, io_uring_enter
 * and io_uring_register with ENOSYS. Built -static, raw system calls, no
 * liburing.
 *
 * Usage: io_uring_probe [FILE]
 * Prints one line per step:
 *   io_uring_setup: ok | ERRNO-NAME
 *   io_uring_register: ok | ERRNO-NAME   (on the ring, or on fd -1 without one:
 *   io_uring_enter: ok | ERRNO-NAME       natively EBADF, ENOSYS from the filter)
 * and, when a ring was set up:
 *   io_uring openat: ok | ERRNO-NAME      IORING_OP_OPENAT of FILE (when given)
 *   io_uring read: FIRST-LINE | (empty) | ERRNO-NAME
 *   io_uring connect: ok | ERRNO-NAME     IORING_OP_CONNECT to a listening
 *                                         socket of its own on 127.0.0.1
 * Exit 0 whatever the results; 2 on a usage or setup error of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

static void report(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, ename(errno));
	else
		printf("%s: ok\n", what);
	fflush(stdout);
}

/* Map the rings of a freshly set-up io_uring (IORING_FEAT_SINGLE_MMAP, 5.4+). */
static int ring_map(struct ring *r, const struct io_uring_params *p)
{
	size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	size_t cq_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
	size_t len = sq_len > cq_len ? sq_len : cq_len;

	if (!(p->features & IORING_FEAT_SINGLE_MMAP)) {
		fprintf(stderr, "io_uring_probe: kernel without IORING_FEAT_SINGLE_MMAP\n");
		return -1;
	}
	char *sq = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -1;
	r->sqes = mmap(NULL, p->sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned *)(sq + p->sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p->sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p->sq_off.array);
	r->cq_head = (unsigned *)(sq + p->cq_off.head);
	r->cq_tail = (unsigned *)(sq + p->cq_off.tail);
	r->cq_mask = (unsigned *)(sq + p->cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(sq + p->cq_off.cqes);
	return 0;
}

/* Submit one SQE and wait for its completion; returns cqe->res (-errno on failure). */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe)
{
	unsigned tail = *r->sq_tail;
	unsigned idx = tail & *r->sq_mask;

	r->sqes[idx] = *sqe;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	unsigned head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	int res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static void ring_open_read(struct ring *r, const char *file)
{
	struct io_uring_sqe sqe;
	char buf[512];
	int fd;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_OPENAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (uintptr_t)file;
	sqe.open_flags = O_RDONLY | O_CLOEXEC;
	fd = ring_run(r, &sqe);
	if (fd < 0) {
		errno = -fd;
		report("io_uring openat", -1);
		return;
	}
	report("io_uring openat", 0);

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_READ;
	sqe.fd = fd;
	sqe.addr = (uintptr_t)buf;
	sqe.len = sizeof(buf) - 1;
	int n = ring_run(r, &sqe);
	if (n < 0) {
		printf("io_uring read: %s\n", ename(-n));
	} else {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		printf("io_uring read: %s\n", n ? buf : "(empty)");
	}
	fflush(stdout);
	close(fd);
}

static void ring_connect(struct ring *r)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	struct io_uring_sqe sqe;
	int lfd, cfd, res;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(lfd, 1) < 0 || getsockname(lfd, (struct sockaddr *)&addr, &len) < 0) {
		printf("io_uring connect: no listening socket (%s)\n", ename(errno));
		return;
	}
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0) {
		printf("io_uring connect: no socket (%s)\n", ename(errno));
		return;
	}
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_CONNECT;
	sqe.fd = cfd;
	sqe.addr = (uintptr_t)&addr;
	sqe.off = sizeof(addr); /* addr2: the address length */
	res = ring_run(r, &sqe);
	errno = -res;
	report("io_uring connect", res);
	close(cfd);
	close(lfd);
}

int main(int argc, char **argv)
{
	struct io_uring_params params;
	struct ring r = { .fd = -1 };
	unsigned char probe[sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op)];

	if (argc > 2) {
		fprintf(stderr, "usage: io_uring_probe [FILE]\n");
		return 2;
	}
	memset(&params, 0, sizeof(params));
	r.fd = (int)syscall(SYS_io_uring_setup, 4, &params);
	report("io_uring_setup", r.fd);

	/* On the ring when there is one, else on fd -1 (EBADF natively). */
	memset(probe, 0, sizeof(probe));
	report("io_uring_register",
	       syscall(SYS_io_uring_register, r.fd, IORING_REGISTER_PROBE, probe, 256));
	report("io_uring_enter", syscall(SYS_io_uring_enter, r.fd, 0, 0, 0, NULL, 0));
	if (r.fd < 0)
		return 0;

	if (ring_map(&r, &params) < 0) {
		fprintf(stderr, "io_uring_probe: cannot map the rings: %s\n", strerror(errno));
		return 2;
	}
	if (argc == 2)
		ring_open_read(&r, argv[1]);
	ring_connect(&r);
	return 0;
}
