/* SPDX-License-Identifier: MIT */
/* landlock.c — build and enforce the fallback rungs' Landlock ruleset (landlock.h). */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher/landlock.h"

/*
 * Our own copies of the UAPI: Debian 12's headers stop at ABI 1-2, and the
 * structure grew (handled_access_net in ABI 4, scoped in ABI 6). The
 * kernel takes the size we pass and reads only what it knows.
 */
struct aigate_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct aigate_landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
} __attribute__((packed));

struct aigate_landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#define AG_LL_CREATE_RULESET_VERSION (1U << 0)
#define AG_LL_RULE_PATH_BENEATH	     1

#define AG_LL_FS_WRITE_FILE	  (1ULL << 1)
#define AG_LL_FS_REMOVE_DIR	  (1ULL << 4)
#define AG_LL_FS_REMOVE_FILE	  (1ULL << 5)
#define AG_LL_FS_MAKE_CHAR	  (1ULL << 6)
#define AG_LL_FS_MAKE_DIR	  (1ULL << 7)
#define AG_LL_FS_MAKE_REG	  (1ULL << 8)
#define AG_LL_FS_MAKE_SOCK	  (1ULL << 9)
#define AG_LL_FS_MAKE_FIFO	  (1ULL << 10)
#define AG_LL_FS_MAKE_BLOCK	  (1ULL << 11)
#define AG_LL_FS_MAKE_SYM	  (1ULL << 12)
#define AG_LL_FS_REFER		  (1ULL << 13) /* ABI 2 */
#define AG_LL_FS_TRUNCATE	  (1ULL << 14) /* ABI 3 */
#define AG_LL_RULE_NET_PORT	  2
#define AG_LL_NET_CONNECT_TCP	  (1ULL << 1) /* ABI 4 */
#define AG_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define AG_LL_SCOPE_SIGNAL	  (1ULL << 1) /* ABI 6 */

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule	    445
#define SYS_landlock_restrict_self  446
#endif

int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, AG_LL_CREATE_RULESET_VERSION);
	return abi > 0 ? (int)abi : 0;
}

/* Every write-side right @abi knows; reads and execution are not handled (allowed). */
static uint64_t write_rights(int abi)
{
	uint64_t r = AG_LL_FS_WRITE_FILE | AG_LL_FS_REMOVE_DIR | AG_LL_FS_REMOVE_FILE |
		     AG_LL_FS_MAKE_CHAR | AG_LL_FS_MAKE_DIR | AG_LL_FS_MAKE_REG |
		     AG_LL_FS_MAKE_SOCK | AG_LL_FS_MAKE_FIFO | AG_LL_FS_MAKE_BLOCK |
		     AG_LL_FS_MAKE_SYM;
	if (abi >= 2)
		r |= AG_LL_FS_REFER;
	if (abi >= 3)
		r |= AG_LL_FS_TRUNCATE;
	return r;
}

static int add_beneath(int ruleset, const char *path, uint64_t access)
{
	struct aigate_landlock_path_beneath_attr pb = { .allowed_access = access };
	pb.parent_fd = open(path, O_PATH | O_CLOEXEC | O_DIRECTORY);
	if (pb.parent_fd < 0)
		return -errno;
	int r = (int)syscall(SYS_landlock_add_rule, ruleset, AG_LL_RULE_PATH_BENEATH, &pb, 0);
	int e = errno;
	close(pb.parent_fd);
	return r < 0 ? -e : 0;
}

int landlock_ruleset_build(const char *const *write_roots, size_t n, int abi, bool net,
			   size_t *ret_skipped)
{
	if (abi < 1)
		return -EOPNOTSUPP;
	uint64_t rights = write_rights(abi);
	struct aigate_landlock_ruleset_attr attr = { .handled_access_fs = rights };
	size_t attr_size = sizeof(attr.handled_access_fs);
	/*
	 * ABI 4, allow_net: TCP connects the kernel makes for the sandbox
	 * itself reach only the ports landlock_allow_connect() adds (aigate's
	 * proxy). The supervisor carries out every connect anyway; this holds
	 * should one ever get past it. Binding stays unhandled: listeners are
	 * kept to loopback by the supervisor (sup_net.c).
	 */
	if (net && abi >= 4) {
		attr.handled_access_net = AG_LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct aigate_landlock_ruleset_attr, scoped);
	}
	/*
	 * ABI 6: signals and abstract unix sockets scoped to the domain. With
	 * no PID or network namespace, the agent could otherwise kill the
	 * user's editor or talk to any abstract socket the host listens on.
	 */
	if (abi >= 6) {
		attr.scoped = AG_LL_SCOPE_ABSTRACT_UNIX | AG_LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (fd < 0)
		return -errno;
	size_t skipped = 0;
	for (size_t i = 0; i < n; i++) {
		int r = add_beneath(fd, write_roots[i], rights);
		if (r == -ENOENT || r == -ENOTDIR) {
			skipped++;
			continue;
		}
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	/*
	 * Terminals and /dev/null are written by everything. Opens are the
	 * supervisor's anyway (it allows devices, never new files in /dev);
	 * the rule is for what the kernel checks on the sandbox's own calls.
	 */
	uint64_t dev = AG_LL_FS_WRITE_FILE | (abi >= 3 ? AG_LL_FS_TRUNCATE : 0);
	int r = add_beneath(fd, "/dev", dev);
	if (r < 0 && r != -ENOENT) {
		close(fd);
		return r;
	}
	if (ret_skipped)
		*ret_skipped = skipped;
	return fd;
}

int landlock_allow_connect(int ruleset_fd, uint16_t port)
{
	struct aigate_landlock_net_port_attr np = { .allowed_access = AG_LL_NET_CONNECT_TCP,
						    .port = port };
	if (syscall(SYS_landlock_add_rule, ruleset_fd, AG_LL_RULE_NET_PORT, &np, 0) < 0)
		return -errno;
	return 0;
}

int landlock_enforce(int ruleset_fd)
{
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0)
		return -errno;
	return 0;
}
