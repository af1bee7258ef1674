/* SPDX-License-Identifier: MIT */
/*
 * sup_filter.h — the seccomp filter every process of the sandbox runs under,
 * and the table the supervisor answers from. Every system call the filter
 * traps goes to the supervisor (SECCOMP_RET_USER_NOTIF): the ones denied
 * outright are answered from the table below with their errno and an audit
 * record; the supervised ones (exec, open, the calls that rename or link)
 * are decided one by one. If the supervisor is gone, the kernel fails every
 * trapped call with ENOSYS: the filter fails closed by itself.
 */
#ifndef AIGATE_SUP_FILTER_H
#define AIGATE_SUP_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sup_kind {
	SUP_DENY,     /* answered from the table: errno and reason */
	SUP_OPEN,     /* open, openat, openat2, creat */
	SUP_EXEC,     /* execve, execveat */
	SUP_LINK,     /* link, linkat */
	SUP_SYMLINK,  /* symlink, symlinkat */
	SUP_RENAME,   /* rename, renameat, renameat2 */
	SUP_UNLINK,   /* unlink, unlinkat */
	SUP_TRUNCATE, /* truncate */
	SUP_AIO,      /* io_setup: allowed, and the fast path is off from then on */
	SUP_VFORK,    /* vfork (and clone with CLONE_VFORK): allowed, its caller noted */
	SUP_NET,      /* connect, sendto with an address: trapped only under allow_net */
	SUP_ATTR,     /* chmod, chown, xattr families; mkdir, mknod, rmdir in the fallback rungs */
};

/* USERFAULTFD_IOC_NEW (linux/userfaultfd.h, 6.1): a userfaultfd from /dev/userfaultfd. */
#define SUP_USERFAULTFD_IOC_NEW 0xAA00u

/* A clone the filter denies: (flags & mask) == value. */
struct sup_clone_rule {
	uint64_t mask, value;
};
extern const struct sup_clone_rule sup_clone_sharing[4];

/**
 * sup_clone_denied() - is a clone with @flags one the filter sent to be
 * denied (namespace flags, or sharing outside a thread group: then
 * *@ret_sharing)? false: a vfork-style clone, sent only to be noted.
 */
bool sup_clone_denied(uint64_t flags, bool *ret_sharing);

struct sup_syscall {
	const char *name; /* the libseccomp / kernel name */
	enum sup_kind kind;
	int err;	    /* SUP_DENY: the errno returned */
	const char *reason; /* SUP_DENY: one line, for the audit record and the docs */
};

/* Largest syscall number the lookup table covers (x86_64 numbers stay below). */
#define SUP_MAX_NR 1024

/**
 * sup_filter_lookup() - the table entry for native syscall @nr, or NULL
 * when the filter does not trap it. Call sup_filter_init() first.
 */
const struct sup_syscall *sup_filter_lookup(long nr);

/** sup_filter_init() - build the nr → entry index (once, before any lookup). Returns 0 or -errno. */
int sup_filter_init(void);

/**
 * sup_filter_build() - the BPF program: an architecture prefix (any other
 * architecture or an x32 call goes to the supervisor, which kills the
 * process) followed by libseccomp's code for the table. @net: allow_net
 * (connects and sockets trapped); @flat: a fallback rung, where the
 * sandbox's sockets are the host's (listen and every non-TCP IP socket
 * trapped too). Returns 0 with a malloc'd program in *@ret_prog
 * (*@ret_len instructions), or -errno.
 */
int sup_filter_build(bool net, bool flat, struct sock_filter **ret_prog, size_t *ret_len);

/** sup_filter_native_arch() - AUDIT_ARCH_* of this build. */
uint32_t sup_filter_native_arch(void);

#endif
