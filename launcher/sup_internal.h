/* SPDX-License-Identifier: MIT */
/*
 * sup_internal.h — what the supervisor's modules share: the state, reading
 * a target's memory, replying, and recording a denial.
 */
#ifndef AIGATE_SUP_INTERNAL_H
#define AIGATE_SUP_INTERNAL_H

#include <linux/seccomp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "launcher/audit.h"
#include "launcher/sup_filter.h"
#include "launcher/supervisor.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct sup {
	int listener;
	int rootfd; /* O_PATH: the sandbox's root (the same for every process in it) */
	uid_t uid;
	const struct policy_blob *blob;
	const struct sup_identity *denied;
	size_t ndenied;
	size_t notif_size, resp_size;
	/* The fast path (sup_fast.c): allowed at all, and where it may not go. */
	bool fast;
	bool fast_exec;
	int shim_fd; /* the shim's audit socket (receiving end), -1: none */
	const struct sup_hidden *hidden;
	size_t nhidden;
	int init_pidfd;
	/* the sandbox's init, for stopping it when the audit log fails */ /* no binfmt_misc entries: a native ELF file runs as itself */
	const struct mask_set *mask;	/* mask_stdout, for the lines on aigate's stderr */
	const struct sup_mount *mounts; /* the plan's mounts (supervisor.h) */
	size_t nmounts;
	/* The fallback rungs (supervisor_config.flat): what the supervisor may write. */
	bool flat;
	const struct sup_mount *flat_paths;
	size_t nflat_paths;
	pid_t init_pid; /* the sandbox's init: every process of the sandbox descends from it */
	/* Fallback rungs under allow_net: the egress's HTTP and SOCKS ports on the host's 127.0.0.1. */
	uint16_t egress_ports[2];
};

/* One notification being handled (by the main thread or a job thread). */
struct sup_req {
	struct sup *s;
	struct seccomp_notif *n; /* a copy, owned by the request */
	const struct sup_syscall *sc;
	pid_t tid;	/* n->pid: the calling thread, in our PID namespace */
	void *job_data; /* a handler's state for the job it hands the call to (sup_net.c) */
};

/** sup_read_mem() - exactly @len bytes of the target's memory at @addr. 0 or -EFAULT/-ESRCH. */
int sup_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len);

/**
 * sup_read_string() - a NUL-terminated string from the target (at most
 * @size bytes with the NUL). Returns its length, -EFAULT, or -ENAMETOOLONG.
 */
int sup_read_string(pid_t tid, uint64_t addr, char *buf, size_t size);

/**
 * sup_still_valid() - SECCOMP_IOCTL_NOTIF_ID_VALID: the target is still
 * blocked in this very call, so the pid still names it and what we read
 * from it is its memory. Checked after every read, before acting on it.
 */
bool sup_still_valid(const struct sup_req *r);

/** sup_reply_error() - fail the call with -@err (positive errno). */
void sup_reply_error(const struct sup_req *r, int err);

/** sup_reply_value() - complete the call with return value @val, without running it. */
void sup_reply_value(const struct sup_req *r, int64_t val);

/**
 * sup_reply_continue() - let the kernel run the call. Only where nothing
 * the decision depended on can change before the kernel reads it again.
 */
void sup_reply_continue(const struct sup_req *r);

/**
 * sup_deny() - record a denial (enforcer "supervisor") and fail the call
 * with @err. @rule / @origin name the rule ("" / "built-in" for the table).
 */
void sup_deny(const struct sup_req *r, const char *action, const char *target, const char *rule,
	      const char *origin, int err, const char *reason);

/**
 * sup_record_allowed() - under audit.level @level or above (exec: every
 * allowed exec; all: every allowed decision), record that thread @tid was
 * allowed @action on @target (@argv: an exec's command line).
 */
void sup_record_allowed(pid_t tid, int level, const char *action, const char *syscall,
			const char *target, const char *const *argv);

/** sup_record() - write an audit record about thread @tid (context read from /proc). */
void sup_record(pid_t tid, const char *action, const char *syscall, const char *target,
		const char *rule, const char *origin, const char *verdict, int err,
		const char *reason);

/** sup_record_argv() - the same, with the argv the caller tried to run (exec denials). */
void sup_record_argv(pid_t tid, const char *action, const char *syscall, const char *target,
		     const char *rule, const char *origin, const char *verdict, int err,
		     const char *reason, const char *const *attempted);

/* One event for the audit trail, about thread @tid (context read from /proc). */
struct sup_event {
	pid_t tid;
	const char *enforcer; /* supervisor, shim */
	const char *action, *syscall, *target, *rule, *origin, *verdict, *reason;
	int err;
	const char *const *attempted; /* the argv it tried to run, or NULL */
	bool tell;		      /* also one line on aigate's stderr */
	/* That line's target and reason, when they must differ from the record's (NULL: same). */
	const char *tell_target, *tell_reason;
};

/** sup_record_event() - write @ev's record (rate-limited; stops the run if it cannot). */
void sup_record_event(const struct sup_event *ev);

/** sup_split_why() - split "TEXT (ORIGIN)" (a plan op's why) into its parts. */
void sup_split_why(const char *why, char *rule, size_t rsz, char *origin, size_t osz);

/** sup_spawn_detached() - @fn(@arg) on a detached thread (256 KiB stack). 0 or -errno. */
int sup_spawn_detached(void *(*fn)(void *), void *arg);

/** sup_run_job() - run @fn(@r) on a thread of its own (it frees @r); inline if none can start. */
void sup_run_job(struct sup_req *r, void (*fn)(struct sup_req *r));

/** sup_req_free() - free a request copy. */
void sup_req_free(struct sup_req *r);

/** sup_open_root() - the sandbox's root (O_PATH), opened through @tid the first time. fd or -errno. */
int sup_open_root(struct sup *s, pid_t tid);

struct open_how;
/**
 * sup_openat() - open @path as the caller @r would see it from @dirfd
 * (absolute: inside the sandbox's root; no /proc magic links). fd or -errno.
 */
int sup_openat(struct sup_req *r, int dirfd, const char *path, const struct open_how *how);

/** sup_caller_fd() - the caller's descriptor @fd, duplicated into ours (pidfd_getfd). fd or -errno. */
int sup_caller_fd(pid_t tid, int fd);

/**
 * sup_flat_denied() - in the fallback rungs, may the sandbox change the
 * entry at @full (resolved; @removes: removing or renaming it)? When not,
 * the call is answered and recorded (@action), and true is returned.
 */
bool sup_flat_denied(struct sup_req *r, const char *action, const char *full, bool removes);

/**
 * sup_handle_attr() - a file's mode, owner and extended attributes
 * (chmod, chown, setxattr, removexattr families; sup_attr.c), and in the
 * fallback rungs mkdir, mknod and rmdir (sup_fsops.c). Answers @r.
 */
void sup_handle_attr(struct sup_req *r);

/** sup_handle_mkent() - mkdir, mkdirat, mknod, mknodat, rmdir in the fallback rungs. Answers @r. */
void sup_handle_mkent(struct sup_req *r);

/**
 * sup_holds_protected() - is @real (resolved) a directory above one of
 * the read-only paths (.git above .git/hooks, the home above ~/.bashrc)?
 * Its first such path in @which. Rung 1's read-only mounts, or the
 * fallback rungs' flat_paths.
 */
bool sup_holds_protected(const struct sup *s, const char *real, char *which, size_t size);

/** sup_umask_of() - thread @tid's umask (/proc/TID/status), 022 when unreadable. */
int sup_umask_of(pid_t tid);

/** sup_fd_path() - the path of our @fd in the sandbox's view. Length or -errno. */
int sup_fd_path(int fd, char *buf, size_t size);

struct stat;
/** sup_ident_denied() - is @st one of the files hidden at start (a hard link of one)? */
bool sup_ident_denied(const struct sup *s, const struct stat *st, const char **ret_why);

/* A path split into its directory (opened) and last component. */
struct sup_entry {
	int dir;		 /* O_PATH directory, ours */
	char name[PATH_MAX];	 /* the last component (trailing slashes kept) */
	char full[PATH_MAX * 2]; /* the directory's real path + "/" + name */
};

/**
 * sup_entry_open() - resolve @path's directory as the caller @r would from
 * @dirfd (following symlinks there, as the kernel does), and keep its last
 * component: what is done to the entry is then done through @e->dir, the
 * very directory judged. 0 or -errno; the caller closes @e->dir.
 */
int sup_entry_open(struct sup_req *r, int dirfd, const char *path, struct sup_entry *e);

/**
 * sup_flat_write_denied() - in the fallback rungs, may the supervisor
 * write at @real (a resolved path: a file it would create, open for
 * writing, rename, link or remove)? @removes: @real itself goes away or
 * is replaced (rename, unlink), so no protected path may lie below it.
 * false when allowed (always, with namespaces); else true with @rule,
 * @origin and *@ret_err (EACCES outside the write roots, EROFS for a
 * protected path, EBUSY for a directory holding one).
 */
bool sup_flat_write_denied(const struct sup *s, const char *real, bool removes, char *rule,
			   size_t rsz, char *origin, size_t osz, int *ret_err);

/**
 * sup_flat_pid_inside() - in the fallback rungs, is @pid one of the
 * sandbox's processes (a descendant of its init)? Always true with a PID
 * namespace, which shows nothing else.
 */
bool sup_flat_pid_inside(const struct sup *s, long pid);

/* Handlers (sup_open.c, sup_exec.c, sup_fsops.c). Each replies exactly once. */
void sup_handle_open(struct sup_req *r);
void sup_handle_exec(struct sup_req *r);
/** sup_exec_fast() - on the main thread: answer an exec by the fast path. false: not answered. */
bool sup_exec_fast(struct sup_req *r);
/**
 * sup_exec_job() - sup_handle_exec(), on a thread that may be kept for the
 * next exec: true when the calling thread traces no process any more.
 */
bool sup_exec_job(struct sup_req *r);
/** sup_exec_thread_done() - free the exec buffers of the calling thread (it is ending). */
void sup_exec_thread_done(void);
void sup_handle_fsop(struct sup_req *r);
/** sup_handle_net() - connect, sendto (allow_net): answers, and frees @r (sup_net.c). */
void sup_handle_net(struct sup_req *r);

/**
 * sup_path_verdict() - the deny_read verdict on an object we opened: @fd
 * (any kind), its resolved path in the sandbox's view in @path. Returns
 * true when denied, with the rule text and origin filled in.
 */
bool sup_path_verdict(const struct sup *s, int fd, char *path, size_t pathsz, char *rule,
		      size_t rsz, char *origin, size_t osz);

/** sup_name_denied() - would a file at @path (not opened; a name about to be made) be denied? */
bool sup_name_denied(const struct sup *s, const char *path, bool is_dir, char *rule, size_t rsz,
		     char *origin, size_t osz);

#endif
