/* SPDX-License-Identifier: MIT */
/*
 * sup_filter.c — the filter table and its BPF (see sup_filter.h). Each
 * denied call says which attack it stops; the supervisor copies the reason
 * into the audit record.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "launcher/sup_filter.h"
#include "policy/util.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

#define DENY(n, e, why)             \
	{                           \
		n, SUP_DENY, e, why \
	}

static const struct sup_syscall table[] = {
	/* io_uring performs opens and connects in kernel workers that seccomp never sees. */
	DENY("io_uring_setup", ENOSYS, "io_uring would open and connect where seccomp cannot see"),
	DENY("io_uring_enter", ENOSYS, "io_uring would open and connect where seccomp cannot see"),
	DENY("io_uring_register", ENOSYS,
	     "io_uring would open and connect where seccomp cannot see"),
	/* Tracing or writing a sibling rewrites its memory after the supervisor checked it. */
	DENY("ptrace", EPERM, "tracing another process could change what the supervisor checked"),
	DENY("process_vm_readv", EPERM, "reading another process's memory"),
	/*
	 * Another process's descriptors: with no PID namespace (the fallback
	 * rungs) that includes aigate's, the audit log open for writing among them.
	 */
	DENY("pidfd_getfd", EPERM, "taking another process's descriptors"),
	DENY("process_vm_writev", EPERM,
	     "writing another process's memory could change what the supervisor checked"),
	DENY("kexec_load", EPERM, "loading a new kernel"),
	DENY("kexec_file_load", EPERM, "loading a new kernel"),
	DENY("bpf", EPERM, "BPF programs reach kernel state outside the sandbox"),
	/* userfaultfd stalls the kernel mid-copy: the classic way to widen a TOCTOU window. */
	DENY("userfaultfd", EPERM, "userfaultfd widens race windows in kernel copies"),
	DENY("perf_event_open", EPERM, "performance counters observe other processes"),
	/* The kernel keyring is shared per user: tokens of the host session live there. */
	DENY("keyctl", ENOSYS, "the kernel keyring holds the host user's keys"),
	DENY("add_key", ENOSYS, "the kernel keyring holds the host user's keys"),
	DENY("request_key", ENOSYS, "the kernel keyring holds the host user's keys"),
	/* A file handle opens an inode without a path: past every overmount and path rule. */
	DENY("open_by_handle_at", EPERM, "file handles open files without a path, past every rule"),
	DENY("name_to_handle_at", EOPNOTSUPP, "file handles open files without a path"),
	/* Mount calls could uncover what the overmounts hide. */
	DENY("mount", EPERM, "mounting could uncover hidden files"),
	DENY("umount2", EPERM, "unmounting could uncover hidden files"),
	DENY("pivot_root", EPERM, "changing the root could uncover hidden files"),
	DENY("move_mount", EPERM, "moving mounts could uncover hidden files"),
	DENY("fsopen", EPERM, "mounting could uncover hidden files"),
	DENY("fsmount", EPERM, "mounting could uncover hidden files"),
	DENY("fsconfig", EPERM, "mounting could uncover hidden files"),
	DENY("fspick", EPERM, "remounting could uncover hidden files"),
	DENY("open_tree", EPERM, "cloning mounts could uncover hidden files"),
	DENY("mount_setattr", EPERM, "changing mount flags could make read-only mounts writable"),
	/* New namespaces bring back capabilities over fresh mount and user namespaces. */
	DENY("unshare", EPERM, "new namespaces would bring back mount privileges"),
	DENY("setns", EPERM, "joining namespaces would leave the sandbox"),
	/*
	 * clone: namespace flags, and sharing memory, descriptors or the
	 * working directory outside a thread group (save a vfork child): such
	 * a sharer could rewrite what the supervisor checked (sup_fast.c).
	 */
	DENY("clone", EPERM, "new namespaces would bring back mount privileges"),
	DENY("personality", EPERM, "execution domains change how system calls are decoded"),
	/* Faking terminal input runs commands in the user's shell once aigate exits. */
	DENY("ioctl", EPERM, "TIOCSTI/TIOCLINUX would type into the user's terminal"),

	/* Native AIO completes O_DIRECT reads into memory later: noted, then allowed. */
	{ "io_setup", SUP_AIO, 0, NULL },
	/* A vfork child shares its parent's memory: noted, then allowed. */
	{ "vfork", SUP_VFORK, 0, NULL },
	{ "open", SUP_OPEN, 0, NULL },
	{ "openat", SUP_OPEN, 0, NULL },
	{ "openat2", SUP_OPEN, 0, NULL },
	{ "creat", SUP_OPEN, 0, NULL },
	{ "execve", SUP_EXEC, 0, NULL },
	{ "execveat", SUP_EXEC, 0, NULL },
	{ "link", SUP_LINK, 0, NULL },
	{ "linkat", SUP_LINK, 0, NULL },
	{ "symlink", SUP_SYMLINK, 0, NULL },
	{ "symlinkat", SUP_SYMLINK, 0, NULL },
	{ "rename", SUP_RENAME, 0, NULL },
	{ "renameat", SUP_RENAME, 0, NULL },
	{ "renameat2", SUP_RENAME, 0, NULL },
	{ "unlink", SUP_UNLINK, 0, NULL },
	{ "unlinkat", SUP_UNLINK, 0, NULL },
	{ "truncate", SUP_TRUNCATE, 0, NULL },
	/* allow_net only: connections out go through the egress (sup_net.c). */
	{ "connect", SUP_NET, 0, NULL },
	{ "sendto", SUP_NET, 0, NULL },
	{ "sendmsg", SUP_NET, 0, NULL },
	{ "sendmmsg", SUP_NET, 0, NULL },
	{ "socket", SUP_NET, 0, NULL },
	/* The fallback rungs under allow_net only: a listener on the host's network (sup_net.c). */
	{ "listen", SUP_NET, 0, NULL },
	{ "socketpair", SUP_NET, 0, NULL },
	{ "setsockopt", SUP_NET, 0, NULL },
	/*
	 * A file's mode, owner and attributes (sup_attr.c), on every rung: a
	 * directory above a protected path must not be opened to other users
	 * (they would replace .git/hooks after the run); in the fallback rungs,
	 * with no read-only mount and no Landlock right for them, the
	 * protected files themselves (~/.bashrc made world-writable).
	 */
	{ "chmod", SUP_ATTR, 0, NULL },
	{ "fchmod", SUP_ATTR, 0, NULL },
	{ "fchmodat", SUP_ATTR, 0, NULL },
	{ "fchmodat2", SUP_ATTR, 0, NULL },
	{ "chown", SUP_ATTR, 0, NULL },
	{ "fchown", SUP_ATTR, 0, NULL },
	{ "lchown", SUP_ATTR, 0, NULL },
	{ "fchownat", SUP_ATTR, 0, NULL },
	{ "setxattr", SUP_ATTR, 0, NULL },
	{ "lsetxattr", SUP_ATTR, 0, NULL },
	{ "fsetxattr", SUP_ATTR, 0, NULL },
	{ "setxattrat", SUP_ATTR, 0, NULL },
	{ "removexattr", SUP_ATTR, 0, NULL },
	{ "lremovexattr", SUP_ATTR, 0, NULL },
	{ "fremovexattr", SUP_ATTR, 0, NULL },
	{ "removexattrat", SUP_ATTR, 0, NULL },
	/*
	 * The fallback rungs only (rung 1: read-only mounts answer EROFS):
	 * Landlock's rights cover a whole write root, .git/hooks included,
	 * where a mknod'ed 0777 file would be a hook any user could fill.
	 */
	{ "mkdir", SUP_ATTR, 0, NULL },
	{ "mkdirat", SUP_ATTR, 0, NULL },
	{ "mknod", SUP_ATTR, 0, NULL },
	{ "mknodat", SUP_ATTR, 0, NULL },
	{ "rmdir", SUP_ATTR, 0, NULL },
};

static int16_t by_nr[SUP_MAX_NR];

/*
 * The table's number for @name on this architecture: libseccomp's, or for
 * calls newer than Debian 12's libseccomp knows, the kernel's own (a call
 * the filter does not trap by number would not be trapped at all).
 */
static int table_nr(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
#if defined(__x86_64__)
	static const struct {
		const char *name;
		int nr;
	} newer[] = { { "setxattrat", 463 }, { "removexattrat", 466 } };
	for (size_t i = 0; nr == __NR_SCMP_ERROR && i < ARRAY_SIZE(newer); i++)
		if (strcmp(name, newer[i].name) == 0)
			nr = newer[i].nr;
#endif
	return nr;
}

int sup_filter_init(void)
{
	memset(by_nr, 0xff, sizeof(by_nr));
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		int nr = table_nr(table[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture (e.g. open on arm64) */
		if (nr < 0 || nr >= SUP_MAX_NR)
			return -ERANGE;
		by_nr[nr] = (int16_t)i;
	}
	return 0;
}

const struct sup_syscall *sup_filter_lookup(long nr)
{
	if (nr < 0 || nr >= SUP_MAX_NR || by_nr[nr] < 0)
		return NULL;
	return &table[by_nr[nr]];
}

uint32_t sup_filter_native_arch(void)
{
#if defined(__aarch64__)
	return AUDIT_ARCH_AARCH64;
#else
	/* x86_64; other architectures are not supported yet (README). */
	return AUDIT_ARCH_X86_64;
#endif
}

static const uint64_t ns_flags[] = { CLONE_NEWNS,     CLONE_NEWUSER, CLONE_NEWPID,
				     CLONE_NEWNET,    CLONE_NEWIPC,  CLONE_NEWUTS,
				     CLONE_NEWCGROUP, 0x80 /* NEWTIME */ };

/*
 * Sharing outside a thread group. A thread is seen by the supervisor's
 * thread count, a vfork child by comparing it with its parent; any other
 * sharer would be invisible to it (sup_fast.c).
 */
const struct sup_clone_rule sup_clone_sharing[4] = {
	/* memory, neither a thread nor a vfork child */
	{ CLONE_VM | CLONE_THREAD | CLONE_VFORK, CLONE_VM },
	/* memory, with a parent that is not the sharer */
	{ CLONE_VM | CLONE_THREAD | CLONE_PARENT, CLONE_VM | CLONE_PARENT },
	/* the descriptor table, not a thread */
	{ CLONE_FILES | CLONE_THREAD, CLONE_FILES },
	/* the working directory and root, not a thread */
	{ CLONE_FS | CLONE_THREAD, CLONE_FS },
};

bool sup_clone_denied(uint64_t flags, bool *ret_sharing)
{
	*ret_sharing = false;
	for (size_t i = 0; i < ARRAY_SIZE(sup_clone_sharing); i++)
		if ((flags & sup_clone_sharing[i].mask) == sup_clone_sharing[i].value)
			*ret_sharing = true;
	if (*ret_sharing)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(ns_flags); i++)
		if (flags & ns_flags[i])
			return true;
	return false;
}

/* The conditional rules: only some calls of these go to the supervisor. */
/*
 * The fallback rungs under allow_net (no network namespace): every socket
 * is the host's, so only what the supervisor can carry out itself may
 * exist. IP sockets other than TCP (UDP, raw, SCTP, MPTCP: their sends
 * carry addresses the kernel would read after our check) and any family
 * but unix, IP and netlink (vsock reaches the hypervisor, packet sockets
 * the wire) go to the supervisor, which refuses and records them. The
 * arguments are registers: nothing to race.
 */
static int add_flat_socket_rules(scmp_filter_ctx ctx, int nr)
{
	static const int ip_families[] = { AF_INET, AF_INET6 };
	static const int other_types[] = { SOCK_DGRAM,	   SOCK_RAW,  SOCK_RDM,
					   SOCK_SEQPACKET, SOCK_DCCP, SOCK_PACKET };
	int r = 0;
	for (size_t f = 0; f < ARRAY_SIZE(ip_families) && r == 0; f++) {
		uint64_t fam = (uint64_t)ip_families[f];
		for (size_t t = 0; t < ARRAY_SIZE(other_types) && r == 0; t++)
			r = seccomp_rule_add(
				ctx, SCMP_ACT_NOTIFY, nr, 2,
				SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, fam),
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, (uint64_t)other_types[t]));
		/* TCP is protocol 0 or 6; 1–5 and everything above 6 are not. */
		for (uint64_t proto = 1; proto <= 5 && r == 0; proto++)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 2,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, fam),
					     SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, proto));
		if (r == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 2,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, fam),
					     SCMP_A2(SCMP_CMP_GT, IPPROTO_TCP));
	}
	/*
	 * Unix datagram sockets: a datagram's address is read by the kernel
	 * at every send, sendmsg's included, which the filter does not trap:
	 * the host's sockets (the journal, a session's notify socket, abstract
	 * names at rung 3) would be reachable, and so for socketpair(2)'s
	 * datagram pairs (the filter's socketpair rule). NETLINK_USERSOCK sends
	 * to other processes of the host.
	 */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 2,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX),
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM));
	if (r == 0)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_NOTIFY, nr, 2,
			SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_NETLINK),
			SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, 2 /* NETLINK_USERSOCK */));
	/* Families: AF_UNIX 1, AF_INET 2, AF_INET6 10, AF_NETLINK 16 stay; the rest do not. */
	for (uint64_t fam = 0; fam <= AF_NETLINK && r == 0; fam++)
		if (fam != AF_UNIX && fam != AF_INET && fam != AF_INET6 && fam != AF_NETLINK)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, fam));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1, SCMP_A0(SCMP_CMP_GT, AF_NETLINK));
	return r;
}

static int add_conditional(scmp_filter_ctx ctx, const struct sup_syscall *e, int nr, bool net,
			   bool flat)
{
	int r = 0;
	if (e->kind == SUP_NET && !net)
		return 0; /* the host's network: nothing to decide */
	if (e->kind == SUP_ATTR &&
	    (strncmp(e->name, "mk", 2) == 0 || strcmp(e->name, "rmdir") == 0))
		return flat ? 1 : 0; /* rung 1: the read-only mounts answer EROFS themselves */
	if (strcmp(e->name, "listen") == 0)
		return flat ? 1 : 0; /* in a namespace of its own, a listener is the sandbox's */
	/*
	 * Fallback rungs: a unix datagram pair (a datagram's address, read at
	 * every send, could name a host socket: see add_flat_socket_rules), and
	 * SO_REUSEPORT (a port shared with a host service: its clients would
	 * reach the sandbox). Registers all; the kernel reads them as ints.
	 */
	if (strcmp(e->name, "socketpair") == 0)
		return flat ? seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 2,
					       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX),
					       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM))
			    : 0;
	if (strcmp(e->name, "setsockopt") == 0)
		return flat ? seccomp_rule_add(
				      ctx, SCMP_ACT_NOTIFY, nr, 2,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, SOL_SOCKET),
				      SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, SO_REUSEPORT))
			    : 0;
	if (strcmp(e->name, "socket") == 0 && flat)
		return add_flat_socket_rules(ctx, nr);
	if (strcmp(e->name, "socket") == 0) {
		/*
		 * ICMP (ping) and raw IP sockets: refused and recorded. They
		 * could reach only the sandbox's loopback anyway; the record is
		 * the point. Netlink's raw sockets (getifaddrs) stay untouched.
		 */
		static const struct {
			int family, type_mask, type, proto;
		} socks[] = {
			{ AF_INET, 0xf, SOCK_RAW, -1 },
			{ AF_INET6, 0xf, SOCK_RAW, -1 },
			{ AF_INET, 0, 0, IPPROTO_ICMP },
			{ AF_INET6, 0, 0, IPPROTO_ICMPV6 },
			/* vsock is not namespaced: it would reach the hypervisor's host. */
			{ AF_VSOCK, 0, 0, -2 },
		};
		for (size_t i = 0; i < ARRAY_SIZE(socks) && r == 0; i++)
			r = socks[i].proto == -2
				    ? seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
						       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
							       (uint64_t)socks[i].family))
			    : socks[i].proto < 0
				    ? seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 2,
						       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
							       (uint64_t)socks[i].family),
						       SCMP_A1(SCMP_CMP_MASKED_EQ,
							       (uint64_t)socks[i].type_mask,
							       (uint64_t)socks[i].type))
				    : seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 2,
						       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
							       (uint64_t)socks[i].family),
						       SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu,
							       (uint64_t)socks[i].proto));
		return r;
	}
	/*
	 * TCP Fast Open connects inside a send: always to the supervisor (the
	 * flags are a register). Besides, sendto only with a destination: a
	 * connected socket's sends (every TCP write) stay fast.
	 */
	if (strcmp(e->name, "sendto") == 0) {
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1, SCMP_A4(SCMP_CMP_NE, 0));
		if (r == 0)
			r = seccomp_rule_add(
				ctx, SCMP_ACT_NOTIFY, nr, 1,
				SCMP_A3(SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
		return r;
	}
	if (strcmp(e->name, "sendmsg") == 0)
		return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					SCMP_A2(SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
	if (strcmp(e->name, "sendmmsg") == 0)
		return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					SCMP_A3(SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
	if (strcmp(e->name, "clone") == 0) {
		/* Any namespace flag, one rule each (MASKED_EQ tests all bits of a mask). */
		for (size_t i = 0; i < ARRAY_SIZE(ns_flags) && r == 0; i++)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
		for (size_t i = 0; i < ARRAY_SIZE(sup_clone_sharing) && r == 0; i++)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, sup_clone_sharing[i].mask,
						     sup_clone_sharing[i].value));
		/* A vfork child (allowed): the supervisor notes who started it (sup_fast.c). */
		if (r == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_VFORK, CLONE_VFORK));
		return r;
	}
	if (strcmp(e->name, "ioctl") == 0) {
		/* The kernel compares the request as an unsigned int: the low 32 bits only. */
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
		if (r == 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
		/* /dev/userfaultfd hands out what the denied userfaultfd(2) would. */
		if (r == 0)
			r = seccomp_rule_add(
				ctx, SCMP_ACT_NOTIFY, nr, 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, SUP_USERFAULTFD_IOC_NEW));
		return r;
	}
	return 1; /* not conditional */
}

int sup_filter_build(bool net, bool flat, struct sock_filter **ret_prog, size_t *ret_len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0, memfd = -1;
	struct sock_filter *prog = NULL;

	if (!ctx)
		return -ENOMEM;
	/* Other architectures are caught by our own prefix; this is only a backstop. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		int nr = table_nr(table[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = add_conditional(ctx, &table[i], nr, net, flat);
		if (r == 1)
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
		if (r < 0)
			goto out;
	}
	/*
	 * clone3 passes its flags in memory the filter cannot read, so it is
	 * answered ENOSYS right here: libc then falls back to clone, whose
	 * flags the rules above check. Not a denial of anything (no record):
	 * glibc tries clone3 for every thread it starts.
	 */
	int clone3_nr = seccomp_syscall_resolve_name("clone3");
	if (clone3_nr != __NR_SCMP_ERROR &&
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), clone3_nr, 0)) < 0)
		goto out;
	memfd = memfd_create("aigate-bpf", MFD_CLOEXEC);
	if (memfd < 0) {
		r = -errno;
		goto out;
	}
	if ((r = seccomp_export_bpf(ctx, memfd)) < 0)
		goto out;
	off_t size = lseek(memfd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(struct sock_filter)) {
		r = -EINVAL;
		goto out;
	}
	/*
	 * The prefix: load the architecture; anything but ours (i386 through
	 * int 0x80, where the numbers mean other calls) and any x32 call go to
	 * the supervisor, which kills the process and records it.
	 */
	const struct sock_filter prefix[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4 /* offsetof(seccomp_data, arch) */),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sup_filter_native_arch(), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0 /* offsetof(seccomp_data, nr) */),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	size_t n = ARRAY_SIZE(prefix) + (size_t)size / sizeof(struct sock_filter);
	prog = calloc(n, sizeof(*prog));
	if (!prog) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(prog, prefix, sizeof(prefix));
	if (pread(memfd, prog + ARRAY_SIZE(prefix), (size_t)size, 0) != size) {
		r = -EIO;
		goto out;
	}
	*ret_prog = TAKE_PTR(prog);
	*ret_len = n;
	r = 0;
out:
	free(prog);
	if (memfd >= 0)
		close(memfd);
	seccomp_release(ctx);
	return r;
}
