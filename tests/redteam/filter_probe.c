/* SPDX-License-Identifier: MIT */
/*
 * filter_probe.c — red-team helper for tests/integration/test_filter.sh:
 * attempt, with raw system calls (built -static: no libc wrapper and no
 * preloaded shim between us and the kernel), each call that aigate's seccomp
 * filter denies outright, and the ordinary calls it must leave alone.
 *
 * Usage: filter_probe SCRATCH PROBE...
 *   SCRATCH is a writable directory (created if missing) for the mount
 *   probes' directories; each PROBE is a name from the table below.
 *
 * Every probe runs in a child of its own (a plain fork, itself a negative
 * control), so a probe that changes the process (a new namespace, a new
 * personality, a new root) cannot change the next one, and prints one line:
 *   "NAME: ok"                  the call succeeded
 *   "NAME: EPERM"               it failed; the errno's symbolic name
 *   "NAME: killed by signal N"  the child died (the filter's kill action)
 * The arguments are ones that succeed, or at least pass the permission
 * check, in an unprivileged user namespace of one's own (`unshare -rm`), so
 * the caller can tell the filter's answer from the kernel's: for most probes
 * the native result differs from the filter's errno; where it cannot (the
 * capability checks against the initial namespace: bpf, open_by_handle_at,
 * kexec), the caller runs it as root natively, and in the sandbox only the
 * audit record proves that the filter answered. The kexec probes refuse to
 * run as root of the initial namespace (they would unload a loaded kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/mount.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *scratch;
static char dir_a[4096]; /* SCRATCH/probe-a: a plain directory */
static char dir_b[4096]; /* SCRATCH/probe-b: another one */

/* The result line; r < 0 means "failed with errno". */
static void report(const char *name, long r)
{
	if (r < 0) {
		const char *e = strerrorname_np(errno);
		if (e)
			dprintf(STDOUT_FILENO, "%s: %s\n", name, e);
		else
			dprintf(STDOUT_FILENO, "%s: errno %d\n", name, errno);
	} else {
		dprintf(STDOUT_FILENO, "%s: ok\n", name);
	}
}

/*
 * Reap a child made by a probe (it only calls _exit(0)); a child that
 * could not be reaped or did not exit 0 is the probe's failure.
 */
static long reap_ok(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, __WALL) != pid)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

/* clone(2) with FLAGS and no new stack: the child returns 0 like fork's. */
static long clone_flags(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	return reap_ok((pid_t)pid);
}

static long probe_mount(void)
{
	return syscall(SYS_mount, dir_a, dir_a, NULL, MS_BIND, NULL);
}

/* umount2 of /proc: EINVAL (a locked mount) under unshare -rm, EPERM plainly. */
static long probe_umount2(void)
{
	return syscall(SYS_umount2, "/proc", 0);
}

/* Not a mount point: EINVAL once the permission check passed. */
static long probe_pivot_root(void)
{
	return syscall(SYS_pivot_root, dir_a, dir_b);
}

/* The source is no mount's root: EINVAL once the permission check passed. */
static long probe_move_mount(void)
{
	return syscall(SYS_move_mount, AT_FDCWD, dir_a, AT_FDCWD, dir_b, 0);
}

static long probe_open_tree(void)
{
	return syscall(SYS_open_tree, AT_FDCWD, dir_a, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
}

static long probe_fsopen(void)
{
	return syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
}

/*
 * fsconfig and fsmount on the context fsopen gave, or on fd -1 when fsopen
 * was refused: natively that is EBADF, so only the filter answers EPERM.
 */
static long probe_fsconfig(void)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	return syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
}

static long probe_fsmount(void)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs >= 0)
		syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	return syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
}

/* Not a mount's root: EINVAL once the permission check passed. */
static long probe_fspick(void)
{
	return syscall(SYS_fspick, AT_FDCWD, dir_a, FSPICK_CLOEXEC);
}

static long probe_mount_setattr(void)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	return syscall(SYS_mount_setattr, AT_FDCWD, "/proc", 0, &attr, sizeof(attr));
}

static long probe_unshare_user(void)
{
	return syscall(SYS_unshare, CLONE_NEWUSER);
}

static long probe_unshare_mnt(void)
{
	return syscall(SYS_unshare, CLONE_NEWNS);
}

/*
 * Join one's own mount namespace (allowed with CAP_SYS_ADMIN over it),
 * named by a pidfd (5.8+) so that no open is involved.
 */
static long probe_setns_mnt(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (fd < 0) {
		dprintf(STDOUT_FILENO, "setns-mnt: no pidfd: %s\n", strerrorname_np(errno));
		_exit(0);
	}
	return syscall(SYS_setns, fd, CLONE_NEWNS);
}

static long probe_clone_newuser(void)
{
	return clone_flags(CLONE_NEWUSER | SIGCHLD);
}

static long probe_clone_newnet(void)
{
	return clone_flags(CLONE_NEWNET | SIGCHLD);
}

static long probe_clone3(void)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	return reap_ok((pid_t)pid);
}

/* ---- negative controls: these must work in the sandbox ---- */

static long probe_fork(void)
{
	long pid = syscall(SYS_fork);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	return reap_ok((pid_t)pid);
}

static long probe_vfork(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	return reap_ok(pid);
}

static long probe_clone(void)
{
	return clone_flags(SIGCHLD);
}

/* A child that shares our memory runs on a stack of its own and exits at once. */
static int vm_child(void *arg)
{
	(void)arg;
	_exit(0);
}

/* clone(2) with CLONE_VM in FLAGS: through glibc's wrapper, with a stack. */
static long clone_vm(unsigned long flags)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int pid = clone(vm_child, stack + sizeof(stack), (int)flags, NULL);
	if (pid < 0)
		return -1;
	return reap_ok((pid_t)pid);
}

/*
 * Sharing memory, the descriptor table or the working directory with a
 * process that is not a thread: the supervisor could not see that sharer.
 */
static long probe_clone_vm(void)
{
	return clone_vm(CLONE_VM | SIGCHLD);
}

/* The child is our parent's (CLONE_PARENT), not ours to reap: success is a pid. */
static long probe_clone_vm_parent(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int pid = clone(vm_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | CLONE_PARENT,
			NULL);
	return pid < 0 ? -1 : 0;
}

static long probe_clone_files(void)
{
	return clone_flags(CLONE_FILES | SIGCHLD);
}

static long probe_clone_fs(void)
{
	return clone_flags(CLONE_FS | SIGCHLD);
}

/* Native AIO: trapped (it turns the supervisor's fast path off), then allowed. */
static long probe_io_setup(void)
{
	unsigned long ctx = 0;
	if (syscall(SYS_io_setup, 8, &ctx) < 0)
		return -1;
	return syscall(SYS_io_destroy, ctx);
}

/* The vfork form posix_spawn uses: allowed. */
static long probe_clone_vfork(void)
{
	return clone_vm(CLONE_VM | CLONE_VFORK | SIGCHLD);
}

static void *thread_main(void *arg)
{
	return arg;
}

/* glibc tries clone3 first and falls back to clone(CLONE_VM | CLONE_THREAD …). */
static long probe_thread(void)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, thread_main, NULL);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return pthread_join(t, NULL) == 0 ? 0 : -1;
}

static long probe_personality_query(void)
{
	return syscall(SYS_personality, 0xffffffffUL);
}

static long probe_personality_linux(void)
{
	return syscall(SYS_personality, (unsigned long)PER_LINUX);
}

static long probe_personality_aslr(void)
{
	return syscall(SYS_personality, (unsigned long)ADDR_NO_RANDOMIZE);
}

/* ---- keys, bpf, userfaultfd, perf, kexec, file handles ---- */

static long probe_keyctl(void)
{
	return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

static long probe_add_key(void)
{
	return syscall(SYS_add_key, "user", "aigate-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
}

/* No such key: ENOKEY natively. */
static long probe_request_key(void)
{
	return syscall(SYS_request_key, "user", "aigate-probe-absent", NULL,
		       KEY_SPEC_PROCESS_KEYRING);
}

static long probe_bpf(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 1;
	return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

/* User-mode-only faults need no privilege (vm.unprivileged_userfaultfd=0). */
static long probe_userfaultfd(void)
{
	return syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
}

/* A user-space-only software counter on oneself: allowed at perf_event_paranoid 2. */
static long probe_perf_event_open(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	return syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* No segments: would unload the kexec image (root only; never run as root). */
static long probe_kexec_load(void)
{
	return syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL);
}

static long probe_kexec_file_load(void)
{
	return syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL);
}

struct probe_handle {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

static long probe_name_to_handle_at(void)
{
	struct probe_handle h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	int mount_id;

	return syscall(SYS_name_to_handle_at, AT_FDCWD, dir_a, &h.fh, &mount_id, 0);
}

/*
 * The "shocker" container escape: open a file by handle, bypassing the path.
 * The handle is dir_a's when name_to_handle_at gives one, else a made-up one.
 * It succeeds with CAP_DAC_READ_SEARCH (root of the initial namespace) and is
 * EPERM without it, also in `unshare -rm`: the host's file systems belong to
 * the initial user namespace.
 */
static long probe_open_by_handle_at(void)
{
	struct probe_handle h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	int mount_id;

	if (syscall(SYS_name_to_handle_at, AT_FDCWD, dir_a, &h.fh, &mount_id, 0) < 0) {
		memset(&h, 0, sizeof(h));
		h.fh.handle_bytes = 8;
		h.fh.handle_type = 1; /* FILEID_INO32_GEN */
	}
	/* The mount is the working directory's (SCRATCH): no open involved. */
	if (chdir(scratch) < 0) {
		dprintf(STDOUT_FILENO, "open_by_handle_at: cannot enter %s: %s\n", scratch,
			strerrorname_np(errno));
		_exit(0);
	}
	return syscall(SYS_open_by_handle_at, AT_FDCWD, &h.fh, O_RDONLY | O_CLOEXEC);
}

static const struct probe {
	const char *name;
	long (*run)(void);
} probes[] = {
	{ "mount", probe_mount },
	{ "umount2", probe_umount2 },
	{ "pivot_root", probe_pivot_root },
	{ "move_mount", probe_move_mount },
	{ "open_tree", probe_open_tree },
	{ "fsopen", probe_fsopen },
	{ "fsconfig", probe_fsconfig },
	{ "fsmount", probe_fsmount },
	{ "fspick", probe_fspick },
	{ "mount_setattr", probe_mount_setattr },
	{ "unshare-user", probe_unshare_user },
	{ "unshare-mnt", probe_unshare_mnt },
	{ "setns-mnt", probe_setns_mnt },
	{ "clone-newuser", probe_clone_newuser },
	{ "clone-newnet", probe_clone_newnet },
	{ "clone3", probe_clone3 },
	{ "fork", probe_fork },
	{ "vfork", probe_vfork },
	{ "clone", probe_clone },
	{ "clone-vm", probe_clone_vm },
	{ "clone-vm-parent", probe_clone_vm_parent },
	{ "clone-files", probe_clone_files },
	{ "clone-fs", probe_clone_fs },
	{ "clone-vfork", probe_clone_vfork },
	{ "io_setup", probe_io_setup },
	{ "thread", probe_thread },
	{ "personality-query", probe_personality_query },
	{ "personality-linux", probe_personality_linux },
	{ "personality-aslr", probe_personality_aslr },
	{ "keyctl", probe_keyctl },
	{ "add_key", probe_add_key },
	{ "request_key", probe_request_key },
	{ "bpf", probe_bpf },
	{ "userfaultfd", probe_userfaultfd },
	{ "perf_event_open", probe_perf_event_open },
	{ "kexec_load", probe_kexec_load },
	{ "kexec_file_load", probe_kexec_file_load },
	{ "name_to_handle_at", probe_name_to_handle_at },
	{ "open_by_handle_at", probe_open_by_handle_at },
};

static const struct probe *find_probe(const char *name)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strcmp(probes[i].name, name) == 0)
			return &probes[i];
	return NULL;
}

/*
 * Root of the initial user namespace (uid 0 mapped to itself over the whole
 * range): the kexec probes would really unload a loaded kernel there.
 */
static int in_initial_userns_as_root(void)
{
	char map[128] = "";
	int fd;

	if (geteuid() != 0)
		return 0;
	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, map, sizeof(map) - 1);
		close(fd);
		map[n > 0 ? n : 0] = '\0';
	}
	/* Unreadable: assume the worst. */
	return fd < 0 || strstr(map, "4294967295") != NULL;
}

static int run_one(const struct probe *p)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		dprintf(STDOUT_FILENO, "%s: cannot fork: %s\n", p->name, strerrorname_np(errno));
		return 1;
	}
	if (pid == 0) {
		if (strncmp(p->name, "kexec", 5) == 0 && in_initial_userns_as_root()) {
			dprintf(STDOUT_FILENO, "%s: refused to run as root\n", p->name);
			_exit(0);
		}
		report(p->name, p->run());
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		dprintf(STDOUT_FILENO, "%s: waitpid: %s\n", p->name, strerrorname_np(errno));
		return 1;
	}
	if (WIFSIGNALED(status))
		dprintf(STDOUT_FILENO, "%s: killed by signal %d\n", p->name, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		dprintf(STDOUT_FILENO, "%s: exit %d\n", p->name, WEXITSTATUS(status));
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: filter_probe SCRATCH PROBE...\nprobes:");
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			fprintf(stderr, " %s", probes[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	scratch = argv[1];
	snprintf(dir_a, sizeof(dir_a), "%s/probe-a", scratch);
	snprintf(dir_b, sizeof(dir_b), "%s/probe-b", scratch);
	if ((mkdir(scratch, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(dir_a, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(dir_b, 0700) < 0 && errno != EEXIST)) {
		fprintf(stderr, "filter_probe: cannot create the directories in %s: %s\n", scratch,
			strerror(errno));
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const struct probe *p = find_probe(argv[i]);
		if (!p) {
			fprintf(stderr, "filter_probe: no probe named '%s'\n", argv[i]);
			return 2;
		}
		rc |= run_one(p);
	}
	return rc;
}
