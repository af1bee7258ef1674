/* SPDX-License-Identifier: MIT */
/* report.c — see report.h. */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "shim/platform.h"
#include "shim/report.h"
#include "shim/shim_protocol.h"

/* Separate frames: the line and the message are never on the stack together. */
static __attribute__((noinline)) void print_line(const struct shim_state *st,
						 const struct shim_denial *d)
{
	char line[SHIM_LINE_MAX];
	size_t len = shim_line_encode(&st->blob, d, line, sizeof(line));

	/* One write: a line from another process cannot land inside it. */
	for (size_t off = 0; off < len;) {
		ssize_t n = write(STDERR_FILENO, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

static __attribute__((noinline)) bool send_record(const struct shim_state *st,
						  const struct shim_denial *d)
{
	char msg[SHIM_MSG_MAX];
	size_t len;

	if (st->audit_fd < 0)
		return false;
	len = shim_msg_encode(d, msg, sizeof(msg));
	return shim_plat_send(st->audit_fd, st->audit_dev, st->audit_ino, msg, len) == (ssize_t)len;
}

bool shim_report(const struct shim_state *st, const struct shim_denial *d)
{
	int saved = errno;
	/*
	 * Record first. A denial the trail cannot hear of (the socket closed
	 * by a close_fds child, full, or gone) is not the shim's to make: the
	 * caller lets the call through, and the supervisor denies it and
	 * records it. The decision is the same; only who says it changes.
	 */
	bool sent = send_record(st, d);
	if (sent)
		print_line(st, d);
	errno = saved;
	return sent;
}
