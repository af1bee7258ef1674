/* SPDX-License-Identifier: MIT */
/*
 * hooks_net.c — connect(2) under allow_net. The supervisor traps every
 * connect and is the boundary; the shim refuses, in the process and with
 * its reason, only what the supervisor is certain to refuse
 * (decide_net.h): a destination outside the sandbox that the DNS stub never
 * answered for an allowed name, or a datagram socket aimed outside. The
 * stub's answers are read from the table the supervisor publishes
 * (shim_protocol.h), mapped on the first connect that needs it.
 * sendto/sendmsg are not hooked: the supervisor's and the namespace's.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "shim/decide_net.h"
#include "shim/hooks.h"
#include "shim/platform.h"
#include "shim/report.h"
#include "shim/resolve.h"
#include "shim/state.h"

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

/* The mapped table: NULL until tried, NO_TABLE when there is none to map. */
#define NO_TABLE ((const struct shim_net_table *)(uintptr_t)1)
static _Atomic(const struct shim_net_table *) net_table;

/*
 * Mapped once: two threads racing both map, one keeps its mapping and the
 * other unmaps its own. No lock, no allocation (a signal handler or a vfork
 * child may be the first to connect).
 */
static const struct shim_net_table *table(const struct shim_state *st)
{
	const struct shim_net_table *t = atomic_load_explicit(&net_table, memory_order_acquire);
	const void *map = NULL;

	if (t)
		return t == NO_TABLE ? NULL : t;
	const struct shim_net_table *mine =
		shim_plat_map_net(st->net_fd, &map) == 0 ? map : NO_TABLE;
	const struct shim_net_table *expected = NULL;
	if (!atomic_compare_exchange_strong(&net_table, &expected, mine)) {
		if (mine != NO_TABLE)
			munmap((void *)mine, sizeof(*mine));
		mine = expected;
	}
	return mine == NO_TABLE ? NULL : mine;
}

static __attribute__((noinline)) bool report_connect(const struct shim_state *st,
						     const char *target, int err)
{
	struct shim_denial d = {
		.action = "connect",
		.call = "connect",
		.list = POLICY_BLOB_ALLOW_NET,
		.rule = policy_blob_count(&st->blob, POLICY_BLOB_ALLOW_NET) ? 0 : -1,
		.reason = shim_net_reason(err),
		.target = target,
		.err = err,
	};
	return shim_report(st, &d);
}

/* The errno to fail with (reported already), or 0: let the call through. */
static int connect_denied(int fd, const struct sockaddr *addr, socklen_t len)
{
	const struct shim_state *st;
	char target[SHIM_NET_TARGET_MAX];
	int type, proto, err;
	bool outside;

	/*
	 * Cheap checks first, none reading the caller's memory: without
	 * allow_net (or its table) nothing is judged, and a bad address
	 * pointer gets the kernel's EFAULT, not a crash in the shim.
	 */
	st = shim_state();
	if (!st || !st->have_blob || st->net_fd < 0 ||
	    !(st->blob.hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET) || !addr ||
	    len < sizeof(sa_family_t) ||
	    !shim_plat_readable(
		    addr, len < sizeof(struct sockaddr_in6) ? len : sizeof(struct sockaddr_in6)))
		return 0;
	if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
		return 0;
	const struct shim_net_table *t = table(st);
	if (!t || shim_plat_socket_kind(fd, &type, &proto, &outside) < 0)
		return 0;
	err = shim_decide_connect(&st->blob, t, addr, len, type, proto, target, sizeof(target));
	/*
	 * A connected socket, or one with a local address outside loopback
	 * (one aigate connected and handed in, even after a reset), gets
	 * EISCONN from the supervisor, not this: its answer, not ours.
	 */
	if (!err || outside)
		return 0;
	/* A denial the trail cannot hear of is the supervisor's to make (report.h). */
	return report_connect(st, target, err) ? err : 0;
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	connect_fn real = (connect_fn)shim_real(SHIM_SYM_CONNECT);
	int err;

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if ((err = connect_denied(fd, addr, len))) {
		errno = err;
		return -1;
	}
	return real(fd, addr, len);
}
