/* SPDX-License-Identifier: MIT */
/*
 * sandbox_run.c — create the namespaces, execute the plan, lock it, run CMD.
 *
 *   aigate (host) ── clone(NEWUSER|NEWNS|NEWPID) ──> init (pid 1, user ns 1)
 *        │  relays the terminal, forwards signals      │ executes the mount plan
 *        │  (run_loop.c)                               │ reaps; exits with CMD's status
 *        │                                             └─ fork ──> CMD
 *        │                                                 unshare(NEWUSER|NEWNS): user ns 2
 *        │                                                 locks every mount; no capabilities,
 *        │                                                 no_new_privs, no user namespaces
 *        └── error pipe (O_CLOEXEC): a report, or EOF when CMD's exec succeeds
 *
 * After clone() the children use only async-signal-safe calls, report
 * failure through the pipe and _exit().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/securebits.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher/cli.h"
#include "launcher/log.h"
#include "launcher/landlock.h"
#include "launcher/run_loop.h"
#include "launcher/run_mask.h"
#include "launcher/safe_str.h"
#include "launcher/sandbox.h"
#include "launcher/sandbox_net.h"
#include "launcher/sup_filter.h"
#include "launcher/sup_internal.h"
#include "launcher/supervisor.h"
#include "policy/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

enum report_stage { REPORT_SETUP = 1, REPORT_EXEC = 2 };

struct report {
	int32_t stage;
	int32_t err; /* positive errno */
	char what[480];
};

/* ---- async-signal-safe helpers for the children ---- */

static _Noreturn void report_and_exit(int fd, int stage, int err, const char *what, const char *arg,
				      int code)
{
	struct report rep = { .stage = stage, .err = err };
	safe_append(rep.what, sizeof(rep.what), what);
	if (arg) {
		safe_append(rep.what, sizeof(rep.what), " ");
		safe_append(rep.what, sizeof(rep.what), arg);
	}
	if (write(fd, &rep, sizeof(rep)) < 0) {
		/* nothing else to tell: the exit status still says it failed */
	}
	_exit(code);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, s, safe_strlen(s));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

/* Write "ID ID 1" to @file: one id mapped to itself. */
static int map_one(const char *file, unsigned id)
{
	char line[48] = "", num[16];
	safe_utoa(id, num);
	safe_append(line, sizeof(line), num);
	safe_append(line, sizeof(line), " ");
	safe_append(line, sizeof(line), num);
	safe_append(line, sizeof(line), " 1");
	return write_file(file, line);
}

/* Map our own uid and gid to themselves: the single mapping an unprivileged user may write. */
static int map_ids(uid_t uid, gid_t gid)
{
	int r;
	if ((r = map_one("/proc/self/uid_map", (unsigned)uid)) < 0)
		return r;
	/* setgroups must be denied before an unprivileged gid_map (CVE-2014-8989). */
	if ((r = write_file("/proc/self/setgroups", "deny")) < 0)
		return r;
	return map_one("/proc/self/gid_map", (unsigned)gid);
}

/* Does this process hold any capability (permitted or effective)? */
static bool holds_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	if (syscall(SYS_capget, &hdr, data) < 0)
		return true; /* unknown: try to drop, and fail loudly */
	return (data[0].permitted | data[1].permitted | data[0].effective | data[1].effective) != 0;
}

static int drop_capabilities(int last_cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	/*
	 * Locked securebits: uid 0 inside (or aigate run as root) never gets
	 * capabilities from exec, and nothing can raise ambient ones. With
	 * no_new_privs (no setuid, no file capabilities) and the empty sets
	 * below, nothing in the sandbox can regain CAP_SYS_ADMIN to mount an
	 * overlay that shows the files beneath our overmounts.
	 */
	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
			  SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
			  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		  0, 0, 0) < 0)
		return -errno;
	/* And the bounding set, so no later exec (file caps, a bug) can ever hand one back. */
	for (int cap = 0; cap <= last_cap; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

/*
 * The plan travels from the launcher to init through a shared anonymous
 * mapping created before clone (same address in both): the launcher builds
 * the plan while init does its fixed steps, deep-copies it here, then says
 * "go" on a pipe. Only touched pages cost memory (MAP_NORESERVE).
 */
#define ARENA_SIZE (64u << 20)

struct arena {
	const struct sbx_plan *plan; /* set by the launcher before "go" */
	struct sock_fprog filter;    /* the seccomp filter CMD installs (in the arena) */
	size_t used;
	_Alignas(16) unsigned char data[];
};

struct child_ctx {
	const struct sbx_plan *plan; /* read from the arena once init has the go */
	char *const *argv;
	const struct run_pty *pty;
	struct arena *arena;
	int report_fd;
	int go_fd;  /* init reads one byte: the plan is in the arena */
	int sup_fd; /* CMD sends the filter's listener to the supervisor here */
	uid_t uid;
	gid_t gid;
	int last_cap; /* /proc/sys/kernel/cap_last_cap, read before clone */
	bool net;     /* allow_net: a network namespace of its own, the egress's listeners */
	/*
	 * The fallback rungs (docs/fallback.md): no namespaces at all; the
	 * supervisor, Landlock (@landlock_fd, -1: none) and the shim confine CMD.
	 */
	bool flat;
	int landlock_fd;
	const struct run_mask *mask; /* mask_stdout: CMD's piped stdout/stderr, or NULL */
	sigset_t oldmask;
};

struct sbx_handle {
	struct child_ctx c;
	struct run_pty *pty;
	struct run_mask *mask;
	sigset_t fwd;
	pid_t pid;
	int report_rd;
	int go_wr;
	int sup_rd; /* the supervisor's end of the listener socket */
	double t_clone;
};

/* CMD: lock the mounts in a nested user namespace, shed every privilege, exec. */
static _Noreturn void cmd_child(const struct child_ctx *c)
{
	const struct sbx_plan *plan = c->plan;
	struct rlimit zero = { 0, 0 };
	int r;

	/*
	 * A mount namespace owned by a less privileged user namespace gets
	 * every inherited mount locked: the agent can no longer umount,
	 * mount --move or non-recursively bind our overmounts away.
	 */
	/*
	 * Flat: aigate made itself non-dumpable (start()); CMD must be
	 * dumpable again, or the supervisor could not read the paths and argv
	 * of its calls (EFAULT). Nothing of the sandbox runs yet, and exec
	 * sets the flag anew for whatever CMD becomes.
	 */
	if (c->flat && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "dumpable", NULL, 125);
	if (!c->flat && unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "nested user namespace", NULL,
				125);
	if (!c->flat && (r = map_ids(c->uid, c->gid)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "nested uid/gid map", NULL, 125);
	/* No user namespaces below this one: no way back to CAP_SYS_ADMIN over a mount namespace. */
	if (!c->flat && (r = write_file("/proc/sys/user/max_user_namespaces", "0")) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "user.max_user_namespaces=0", NULL,
				125);
	/*
	 * resource_limits' fallbacks (limits.h), once in the nested user
	 * namespace: RLIMIT_NPROC is counted per (user namespace, uid), so
	 * here it counts the sandbox's tasks alone.
	 */
	if ((r = limits_child_apply(&plan->rlimits)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "resource limits (setrlimit)", NULL,
				125);
	if (chdir(plan->cwd) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "chdir", plan->cwd, 125);
	if ((r = run_pty_child_setup(c->pty)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "terminal setup", NULL, 125);
	/* mask_stdout: what is not the pty's goes through aigate's relay too. */
	if ((r = run_mask_child_setup(c->mask)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "output masking pipes", NULL, 125);
	/* A crash must not write the agent's memory (secrets it read) to a core file. */
	if (setrlimit(RLIMIT_CORE, &zero) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "RLIMIT_CORE", NULL, 125);
	/* A fresh session keyring: the host session's keys (kerberos, ecryptfs) stay out of reach. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "session keyring", NULL, 125);
	/*
	 * Flat (no user namespace): an ordinary user holds no capability and
	 * may not change securebits or the bounding set (EPERM); no_new_privs
	 * below is what keeps setuid programs from granting any.
	 */
	if ((!c->flat || holds_capabilities()) && (r = drop_capabilities(c->last_cap)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "dropping capabilities", NULL, 125);
	/* setuid binaries and file capabilities can never raise privileges inside. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "no_new_privs", NULL, 125);
	/*
	 * Flat: Landlock, before the filter (its calls are not trapped). Only
	 * the write roots stay writable to the kernel's own checks (mkdir,
	 * rmdir, mknod, bind), and signals and abstract sockets stay inside.
	 */
	if (c->landlock_fd >= 0) {
		if ((r = landlock_enforce(c->landlock_fd)) < 0)
			report_and_exit(c->report_fd, REPORT_SETUP, -r, "Landlock", NULL, 125);
		close(c->landlock_fd);
	}
	/*
	 * The filter, last: from here on every trapped call of this process
	 * and of everything it starts is decided by the supervisor, outside.
	 * WAIT_KILLABLE_RECV: once the supervisor has a call, only SIGKILL
	 * interrupts it, so an open or rename it carries out is never redone
	 * by a restarted call (O_EXCL would fail the second time).
	 */
	const struct sock_fprog *prog = &c->arena->filter;
	int listener = (int)syscall(
		SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, prog);
	if (listener < 0 && errno == EINVAL)
		listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					SECCOMP_FILTER_FLAG_NEW_LISTENER, prog);
	if (listener < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "seccomp filter", NULL, 125);
	if ((r = supervisor_send_listener(c->sup_fd, listener)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r,
				"handing the filter to the supervisor", NULL, 125);
	/* A process holding the listener could answer its own calls: none inside ever does. */
	close(listener);
	close(c->sup_fd);
	/* Handlers reset at exec by themselves; ignored signals stay ignored, as with any exec. */
	sigprocmask(SIG_SETMASK, &c->oldmask, NULL);
	/* Inherited descriptors (a host socket, a log) must not leak into the sandbox. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "closing inherited fds", NULL,
				125);
	/* Except the shim's: the sealed (read-only) policy and the audit socket's sending end. */
	for (size_t i = 0; i < plan->ninherit; i++)
		if (fcntl(plan->inherit_fds[i], F_SETFD, 0) < 0)
			report_and_exit(c->report_fd, REPORT_SETUP, errno, "the shim's descriptors",
					NULL, 125);
	execvpe(c->argv[0], c->argv, plan->env.envp);
	int e = errno;
	report_and_exit(c->report_fd, REPORT_EXEC, e, c->argv[0], NULL,
			e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

static volatile pid_t init_cmd_pid;

/*
 * init forwards what aigate sends it. init is in a session of its own, so
 * no terminal signals it directly. SIGTSTP becomes SIGSTOP: CMD's process
 * group is orphaned (its parent, init, sits in another session), and the
 * kernel discards a default-action SIGTSTP sent to an orphaned group.
 */
static void init_forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	(void)si;
	if (init_cmd_pid > 0)
		kill(init_cmd_pid, sig == SIGTSTP ? SIGSTOP : sig);
}

/* PID 1 of the sandbox: mounts, then CMD, then reap until CMD exits. */
static _Noreturn void init_child(struct child_ctx *c)
{
	const struct sbx_op *failed = NULL;
	int r;

	/* If aigate dies, the sandbox dies with it: init's exit ends the PID namespace. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/*
	 * A session of our own: without a pty, CMD would otherwise keep the
	 * user's controlling terminal and could open /dev/tty and push
	 * keystrokes into the user's shell with TIOCSTI.
	 */
	if (setsid() < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "setsid", NULL, 125);
	/*
	 * Flat: no PID namespace, so init is what keeps the sandbox's
	 * processes together: orphans (a daemonized server) come to it, are
	 * reaped by it, and are killed by aigate when the run ends.
	 */
	if (c->flat && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "child subreaper", NULL, 125);
	if (!c->flat && (r = map_ids(c->uid, c->gid)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "uid/gid map", NULL, 125);
	if (!c->flat && (r = sbx_mount_early()) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "mount", "/ or /proc", 125);
	/* Before the plan: the supervisor reads these first, then CMD's filter. */
	if (c->net && !c->flat && (r = sbx_net_setup(c->sup_fd)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r,
				"the network namespace's loopback and egress listeners", NULL, 125);

	/* Wait for the plan; EOF means the launcher gave up (a refusal): leave quietly. */
	char go;
	ssize_t n;
	do {
		n = read(c->go_fd, &go, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(125);
	close(c->go_fd);
	c->plan = c->arena->plan;

	if (!c->flat && (r = sbx_mount_execute(c->plan, &failed)) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, -r, "mount", failed ? failed->path : "",
				125);
	/* Our old cwd is the mount we just covered; look it up again. */
	if (chdir(c->plan->cwd) < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "chdir", c->plan->cwd, 125);

	pid_t pid = fork();
	if (pid < 0)
		report_and_exit(c->report_fd, REPORT_SETUP, errno, "fork", NULL, 125);
	if (pid == 0)
		cmd_child(c);
	init_cmd_pid = pid;
	close(c->report_fd);
	/* Nothing inside may read init's memory or attach to it. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	struct sigaction sa = { .sa_sigaction = init_forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	static const int fwd[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
				   SIGUSR1, SIGUSR2, SIGTSTP, SIGCONT };
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaction(fwd[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &c->oldmask, NULL);
	syscall(SYS_close_range, 0, ~0U, 0);

	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			_exit(125); /* ECHILD without having seen CMD: cannot happen */
		}
		if (w != pid)
			continue; /* a reparented orphan */
		/* Everything else still running dies with us: nothing outlives the run. */
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
}

static int exit_code_from_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EXIT_SANDBOX;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Bump allocation in the shared arena; NULL when full. */
static void *arena_alloc(struct arena *a, size_t n)
{
	size_t at = (a->used + 15) & ~(size_t)15;
	if (at + n > ARENA_SIZE - sizeof(*a))
		return NULL;
	a->used = at + n;
	return a->data + at;
}

static char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = arena_alloc(a, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/*
 * Deep-copy what init and CMD read (mount ops, stubs, the environment
 * vector) into the arena. Environment strings themselves predate the clone,
 * so the child has them at the same addresses; only the vector is copied.
 */
static int arena_share(struct arena *a, const struct sbx_plan *src)
{
	struct sbx_plan *p = arena_alloc(a, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = *src;
	p->gaps = NULL;
	p->ngaps = 0;
	p->env.dropped = NULL;
	p->env.ndropped = 0;
	p->nested = NULL;
	p->nnested = 0;
	p->linked = NULL;
	p->nlinked = 0;
	p->ops = arena_alloc(a, src->n * sizeof(*p->ops));
	p->stubs = arena_alloc(a, src->nstubs * sizeof(*p->stubs));
	p->env.envp = arena_alloc(a, (src->env.n + 1) * sizeof(char *));
	if ((src->n && !p->ops) || (src->nstubs && !p->stubs) || !p->env.envp)
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		p->ops[i] = src->ops[i];
		p->ops[i].path = arena_strdup(a, src->ops[i].path);
		p->ops[i].why = "";
		if (!p->ops[i].path)
			return -ENOMEM;
	}
	for (size_t i = 0; i < src->nstubs; i++) {
		p->stubs[i].size = src->stubs[i].size;
		p->stubs[i].image = arena_alloc(a, src->stubs[i].size);
		if (!p->stubs[i].image)
			return -ENOMEM;
		memcpy(p->stubs[i].image, src->stubs[i].image, src->stubs[i].size);
	}
	memcpy(p->env.envp, src->env.envp, (src->env.n + 1) * sizeof(char *));
	/* Strings made after the clone do not exist in init's copy of our memory. */
	for (size_t i = 0; i < src->env.n; i++)
		for (size_t k = 0; k < src->nenv_owned; k++)
			if (src->env.envp[i] == src->env_owned[k] &&
			    !(p->env.envp[i] = arena_strdup(a, src->env.envp[i])))
				return -ENOMEM;
	memset(p->env_owned, 0, sizeof(p->env_owned));
	p->nenv_owned = 0;
	a->plan = p;
	return 0;
}

static void handle_free(struct sbx_handle *h)
{
	if (!h)
		return;
	if (h->report_rd >= 0)
		close(h->report_rd);
	if (h->go_wr >= 0)
		close(h->go_wr);
	if (h->sup_rd >= 0)
		close(h->sup_rd);
	if (h->c.arena)
		munmap(h->c.arena, ARENA_SIZE);
	run_pty_free(h->pty);
	run_mask_free(h->mask);
	sigprocmask(SIG_SETMASK, &h->c.oldmask, NULL);
	free(h);
}

static int start(char *const *argv, bool net, bool mask, bool flat, int landlock_fd,
		 struct sbx_handle **ret)
{
	static const int sigs[] = { SIGINT,  SIGTERM,  SIGHUP,	SIGQUIT, SIGUSR1,
				    SIGUSR2, SIGWINCH, SIGTSTP, SIGCONT };
	struct sbx_handle *h = calloc(1, sizeof(*h));
	int report[2], go[2], sup[2], r;

	if (!h)
		return -ENOMEM;
	h->report_rd = h->go_wr = h->sup_rd = -1;
	h->c.argv = argv;
	h->c.net = net;
	h->c.flat = flat;
	h->c.landlock_fd = landlock_fd;
	h->c.uid = getuid();
	h->c.gid = getgid();
	sigemptyset(&h->fwd);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&h->fwd, sigs[i]);
	sigprocmask(SIG_SETMASK, NULL, &h->c.oldmask);

	h->c.last_cap = 63;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &h->c.last_cap) != 1 || h->c.last_cap < 0 || h->c.last_cap > 63)
			h->c.last_cap = 63;
		fclose(f);
	}
	h->c.arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h->c.arena == MAP_FAILED) {
		h->c.arena = NULL;
		log_error("cannot map the plan hand-over area: %s", strerror(errno));
		r = -ECANCELED;
		goto fail;
	}
	if ((r = run_pty_open(&h->pty)) < 0) {
		log_error("cannot open a pseudo-terminal: %s", strerror(-r));
		r = -ECANCELED;
		goto fail;
	}
	h->c.pty = h->pty;
	if (mask && (r = run_mask_open(run_pty_fds(h->pty), &h->mask)) < 0) {
		log_error("cannot make the pipes for mask_stdout: %s", strerror(-r));
		r = -ECANCELED;
		goto fail;
	}
	h->c.mask = h->mask;
	if (pipe2(report, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sup) < 0) {
		log_error("pipe: %s", strerror(errno));
		r = -ECANCELED;
		goto fail;
	}
	h->c.sup_fd = sup[1];
	h->sup_rd = sup[0];
	h->c.report_fd = report[1];
	h->c.go_fd = go[0];
	h->report_rd = report[0];
	h->go_wr = go[1];
	/* Block first: a signal arriving between clone and the event loop is queued, not lost. */
	sigprocmask(SIG_BLOCK, &h->fwd, &h->c.oldmask);
	fflush(NULL);
	h->t_clone = now_ms();

	/*
	 * NEWIPC: host SysV shared memory, semaphores and message queues stay
	 * out of reach. NEWNET (allow_net): loopback only; the egress outside
	 * is the one way out, and abstract unix sockets of the host (they
	 * belong to its network namespace) are out of reach too.
	 */
	/*
	 * Flat: aigate becomes a child subreaper too, so that what outlives
	 * init (killed from inside, where nothing scopes signals) is still
	 * ours to stop at the end (kill_leftovers()).
	 */
	/*
	 * Flat: nothing but same-uid rules stands between the sandbox and
	 * aigate's memory and descriptors (the audit log, the user's
	 * terminal); non-dumpable, neither /proc/PID/{mem,fd} nor ptrace-like
	 * access reaches them.
	 */
	if (flat)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (flat && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		log_error("cannot become a child subreaper: %s", strerror(errno));
		r = -ECANCELED;
		goto fail;
	}
	unsigned long flags = flat ? SIGCHLD
				   : CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
					      (net ? CLONE_NEWNET : 0) | SIGCHLD;
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(report[0]);
		close(go[1]);
		close(sup[0]);
		init_child(&h->c);
	}
	int clone_errno = errno;
	close(report[1]);
	close(go[0]);
	close(sup[1]);
	if (pid < 0) {
		r = -clone_errno;
		goto fail;
	}
	h->pid = pid;
	run_pty_parent_after_fork(h->pty);
	run_mask_parent_after_fork(h->mask);
	*ret = h;
	return 0;
fail:
	handle_free(h);
	return r;
}

int sbx_start(char *const *argv, bool net, bool mask, struct sbx_handle **ret)
{
	return start(argv, net, mask, false, -1, ret);
}

int sbx_start_flat(char *const *argv, bool net, bool mask, int landlock_fd, struct sbx_handle **ret)
{
	return start(argv, net, mask, true, landlock_fd, ret);
}

/*
 * Flat: once init has exited, every process of the sandbox still running
 * is our child (we are their subreaper): kill and reap them all, sparing
 * the supervisor. Nothing the agent started outlives the run.
 */
static void kill_leftovers(pid_t spare)
{
	for (int round = 0; round < 100000; round++) {
		char buf[4096];
		/* Every thread's: an orphan is handed to one thread of its subreaper. */
		ssize_t n = 0;
		DIR *tasks = opendir("/proc/self/task");
		struct dirent *t;
		while (tasks && (t = readdir(tasks)) && n < (ssize_t)sizeof(buf) - 2) {
			char path[300];
			if (t->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%s/children", t->d_name);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			ssize_t got = fd >= 0 ? read(fd, buf + n, sizeof(buf) - 2 - (size_t)n) : -1;
			if (fd >= 0)
				close(fd);
			if (got > 0) {
				n += got;
				buf[n++] = ' ';
			}
		}
		if (tasks)
			closedir(tasks);
		if (n <= 0)
			return;
		buf[n] = 0;
		bool any = false;
		for (char *p = buf, *end; *p; p = end) {
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 0 && pid != spare) {
				/* Our own unreaped child: its pid cannot name anything else. */
				kill((pid_t)pid, SIGKILL);
				while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
					;
				any = true;
			}
		}
		if (!any)
			return;
	}
}

void sbx_abort(struct sbx_handle *h)
{
	if (!h)
		return;
	/* EOF on the go pipe: init leaves without running anything. */
	close(h->go_wr);
	h->go_wr = -1;
	while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
		;
	handle_free(h);
}

/* The filter, built here and copied into the arena for CMD to install. */
static int arena_filter(struct arena *a, bool net, bool flat)
{
	struct sock_filter *prog = NULL;
	size_t len = 0;
	int r = sup_filter_build(net, flat, &prog, &len);
	if (r < 0)
		return r;
	struct sock_filter *copy = arena_alloc(a, len * sizeof(*prog));
	if (!copy || len > 0xffff) {
		free(prog);
		return -ENOMEM;
	}
	memcpy(copy, prog, len * sizeof(*prog));
	free(prog);
	a->filter.filter = copy;
	a->filter.len = (unsigned short)len;
	return 0;
}

/*
 * Wait for the supervisor to finish its last records; it ends by itself
 * once the sandbox is gone. Returns its wait status, or -1 when it ended
 * normally or had to be stopped by us (stuck, with nothing left to decide).
 */
static int supervisor_reap(pid_t pid, int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	bool killed_by_us = false;
	int st = 0;
	if (pidfd >= 0 && poll(&p, 1, 2000) == 0) {
		kill(pid, SIGKILL);
		killed_by_us = true;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (killed_by_us || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
		return -1;
	return st;
}

int sbx_commit(struct sbx_handle *h, const struct sbx_plan *plan, const struct sbx_supervision *sv)
{
	double t_ready;
	int r;

	if ((r = arena_share(h->c.arena, plan)) < 0) {
		log_error("cannot hand the plan to the sandbox: %s", strerror(-r));
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	/* mask_stdout: armed before anything runs; unmasked output is never an option. */
	if (h->mask && (!sv->mask || (r = run_mask_arm(h->mask, sv->mask, sv->mask_delay_ms,
						       h->pty != NULL)) < 0)) {
		log_error("cannot set up mask_stdout: %s", sv->mask ? strerror(-r) : "no masks");
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	/* allow_net's filter without its egress would crash the supervisor's judging: never. */
	if (h->c.net && !sv->egress) {
		log_error("allow_net: no egress settings; refusing to start");
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	if ((r = arena_filter(h->c.arena, h->c.net, h->c.flat)) < 0) {
		log_error("cannot build the seccomp filter: %s", strerror(-r));
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	struct supervisor_config scfg = { .blob = sv->blob,
					  .sock = h->sup_rd,
					  .audit_fd = sv->audit_fd };
	if ((r = sbx_denied_identities(plan, &scfg.denied, &scfg.ndenied)) < 0) {
		log_error("cannot record the hidden files: %s", strerror(-r));
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	/*
	 * The plan's mounts and which are writable: everything else is
	 * read-only (recursively) and the filter denies mount calls, so the
	 * supervisor's fast path can tell where nothing inside can change a
	 * path. Only directory mounts whose writability the plan sets; the
	 * hides and stubs are left out (fewer read-only links: only ever
	 * more cautious).
	 */
	struct sup_mount *mounts = calloc(plan->n + 1, sizeof(*mounts));
	if (!mounts) {
		free(scfg.denied);
		log_error("cannot start the seccomp supervisor: %s", strerror(ENOMEM));
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	for (size_t i = 0; i < plan->n; i++) {
		enum sbx_op_kind k = plan->ops[i].kind;
		/*
		 * Flat: the read-only paths inside the write roots are the
		 * supervisor's alone to keep (mkdir and rmdir are not trapped):
		 * left out, they count as writable, where the fast path never goes.
		 */
		if (h->c.flat && k == SBX_BIND_RO)
			continue;
		if (k == SBX_TMPFS || k == SBX_BIND_RW || k == SBX_BIND_RO)
			mounts[scfg.nmounts++] = (struct sup_mount){ .path = plan->ops[i].path,
								     .writable = k != SBX_BIND_RO };
	}
	if (h->c.flat && plan->flat_tmpdir)
		mounts[scfg.nmounts++] =
			(struct sup_mount){ .path = plan->flat_tmpdir, .writable = true };
	scfg.mounts = mounts;
	/* Files the plan hides by path (the plan outlives the supervisor's start: it copies). */
	struct sup_hidden *hidden = calloc(plan->n ? plan->n : 1, sizeof(*hidden));
	if (!hidden) {
		free(scfg.denied);
		free(mounts);
		log_error("cannot start the seccomp supervisor: %s", strerror(ENOMEM));
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	for (size_t i = 0; i < plan->n; i++)
		if (plan->ops[i].kind == SBX_HIDE_FILE ||
		    (h->c.flat && plan->ops[i].kind == SBX_HIDE_DIR))
			hidden[scfg.nhidden++] =
				(struct sup_hidden){ .path = plan->ops[i].path,
						     .why = plan->ops[i].why,
						     .dir = plan->ops[i].kind == SBX_HIDE_DIR };
	scfg.hidden = hidden;
	/*
	 * The fast path counts on paths outside the write roots not changing:
	 * mounts make that so, or Landlock in the flat rung; with neither
	 * (rung 3) every call takes the slow path.
	 */
	scfg.fast = !h->c.flat || h->c.landlock_fd >= 0;
	struct sup_mount *flat_paths = NULL;
	if (h->c.flat) {
		scfg.flat = true;
		if (sbx_flat_paths(plan, &flat_paths, &scfg.nflat_paths) < 0) {
			free(scfg.denied);
			free(mounts);
			free(hidden);
			log_error("cannot start the seccomp supervisor: %s", strerror(ENOMEM));
			sbx_abort(h);
			return EXIT_SANDBOX;
		}
		scfg.flat_paths = flat_paths;
	}
	scfg.sandbox_init = h->pid;
	scfg.shim_fd = sv->shim_fd;
	scfg.egress = h->c.net ? sv->egress : NULL;
	scfg.flat_egress_fds[0] = scfg.flat_egress_fds[1] = -1;
	if (h->c.flat && h->c.net && plan->nflat_egress_fds == 2) {
		scfg.flat_egress_fds[0] = plan->flat_egress_fds[0];
		scfg.flat_egress_fds[1] = plan->flat_egress_fds[1];
	}
	run_mask_read_fds(h->mask, scfg.close_fds);
	scfg.mask = h->mask ? sv->mask : NULL;
	fflush(NULL);
	pid_t sup_pid = supervisor_start(&scfg);
	free(scfg.denied);
	free(mounts);
	free(hidden);
	free(flat_paths);
	if (sup_pid < 0) {
		log_error("cannot start the seccomp supervisor: %s", strerror(-sup_pid));
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	close(h->sup_rd);
	h->sup_rd = -1;
	int sup_pidfd = (int)syscall(SYS_pidfd_open, sup_pid, 0);
	/*
	 * resource_limits (limits.h): init joins the run's cgroups while it
	 * waits for "go", so everything CMD starts is inside from its first
	 * instruction. A failure is fatal: said, nothing left behind.
	 */
	struct limits_run *lrun = NULL;
	if (sv->limits && limits_start(sv->limits, h->pid, &lrun) < 0) {
		sbx_abort(h);
		supervisor_reap(sup_pid, sup_pidfd);
		if (sup_pidfd >= 0)
			close(sup_pidfd);
		return EXIT_SANDBOX;
	}
	/* If init already failed (its report is below), the write must not SIGPIPE us. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	sigaction(SIGPIPE, &ign, &old_pipe);
	if (write(h->go_wr, "g", 1) != 1) {
		/* init is gone already: its report (below) says why */
	}
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(h->go_wr);
	h->go_wr = -1;

	/* Setup result: a report, or EOF once CMD's exec succeeded (or everything died). */
	struct report rep;
	ssize_t got;
	do {
		got = read(h->report_rd, &rep, sizeof(rep));
	} while (got < 0 && errno == EINTR);
	close(h->report_rd);
	h->report_rd = -1;
	t_ready = now_ms();

	pid_t pid = h->pid;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 && got != (ssize_t)sizeof(rep)) {
		/* Without a pidfd we cannot forward signals safely: stop the sandbox, fail closed. */
		log_error("pidfd_open: %s; stopping the sandbox", strerror(errno));
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		limits_finish(lrun);
		handle_free(h);
		return EXIT_SANDBOX;
	}
	int sup_died = -1;
	struct run_loop_args la = { .init_pid = pid,
				    .init_pidfd = pidfd,
				    .pty = h->pty,
				    .forwarded = &h->fwd,
				    .sup_pidfd = sup_pidfd,
				    .ret_sup_died = &sup_died,
				    .mask = h->mask };
	int st = 0;
	if (got == (ssize_t)sizeof(rep)) {
		/* Setup failed: init exits on its own; just reap it. */
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		run_pty_restore();
		if (rep.stage == REPORT_EXEC)
			log_error("cannot run '%s': %s", rep.what, strerror(rep.err));
		else
			log_error("cannot build the sandbox: %s: %s", rep.what, strerror(rep.err));
		r = rep.stage == REPORT_EXEC ? exit_code_from_status(st) : EXIT_SANDBOX;
	} else {
		st = run_loop(&la);
		run_mask_record(h->mask);
		r = st < 0 ? EXIT_SANDBOX : exit_code_from_status(st);
		log_debug("sandbox: %.2f ms from clone to exec, %.2f ms running and tearing down",
			  t_ready - h->t_clone, now_ms() - t_ready);
		if (st < 0)
			log_error("lost track of the sandbox: %s", strerror(-st));
	}
	/*
	 * The supervisor may have died just before CMD ended (its trapped
	 * call failed with ENOSYS and it exited at once), before the loop saw
	 * it: the reaped status tells.
	 */
	if (h->c.flat)
		kill_leftovers(sup_pid);
	/* resource_limits: what the sandbox hit is said and recorded; its cgroups go. */
	int lim_status = limits_finish(lrun);
	if (lim_status > 0)
		r = lim_status;
	int sup_end = supervisor_reap(sup_pid, sup_pidfd);
	if (sup_died < 0 && sup_end >= 0)
		sup_died = sup_end;
	if (sup_died >= 0) {
		/* Fail closed, loudly: whatever CMD returned, its run was not supervised to the end. */
		if (WIFEXITED(sup_died) && WEXITSTATUS(sup_died) == SUP_EXIT_AUDIT)
			; /* the audit log failed: run_audit_end() says so */
		else if (WIFEXITED(sup_died) && WEXITSTATUS(sup_died) == SUP_EXIT_EGRESS)
			log_error("allow_net's egress (proxy, DNS stub) could not start; the "
				  "sandbox was stopped");
		else if (WIFSIGNALED(sup_died))
			log_error("the seccomp supervisor was killed (signal %d); the sandbox was "
				  "stopped",
				  sup_died & 0x7f);
		else
			log_error("the seccomp supervisor failed (status %d); the sandbox was "
				  "stopped",
				  WEXITSTATUS(sup_died));
		r = EXIT_SANDBOX;
	}
	if (sup_pidfd >= 0)
		close(sup_pidfd);
	if (pidfd >= 0)
		close(pidfd);
	handle_free(h);
	return r;
}
