/* SPDX-License-Identifier: MIT */
/*
 * supervisor.c — the supervisor process: start, receive the listener,
 * serve notifications, and the helpers every handler shares (reading the
 * target's memory, replying, recording). See supervisor.h.
 *
 * Threads: the main thread receives every notification and answers the
 * quick ones itself (table denials, opens of files, renames, links): one
 * thread keeps the SYNC_WAKE_UP hand-off on one CPU. Anything that can
 * block — an exec (it waits for the new image), an open of a FIFO or a
 * device — runs on a job thread of its own, so one slow or hostile call
 * never stalls the others.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "launcher/egress.h"
#include "launcher/mask_stream.h"
#include "launcher/sandbox_net.h"
#include "launcher/sup_fast.h"
#include "launcher/sup_internal.h"
#include "launcher/sup_shim.h"
#include "policy/util.h"

static int cmp_ident(const void *a, const void *b)
{
	const struct sup_identity *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

size_t sup_identity_sort(struct sup_identity *ids, size_t n)
{
	size_t out = 0;
	if (n == 0)
		return 0;
	qsort(ids, n, sizeof(*ids), cmp_ident);
	for (size_t i = 0; i < n; i++)
		if (out == 0 || cmp_ident(&ids[out - 1], &ids[i]) != 0)
			ids[out++] = ids[i];
	return out;
}

/* ---- reading the target ---- */

int sup_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return errno == ESRCH ? -ESRCH : -EFAULT;
	return (size_t)n == len ? 0 : -EFAULT;
}

int sup_read_string(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;
	if (addr == 0)
		return -EFAULT;
	/* Page by page: the string may end just before an unmapped page. */
	while (got < size) {
		size_t chunk = 4096 - ((addr + got) & 4095);
		if (chunk > size - got)
			chunk = size - got;
		int r = sup_read_mem(tid, addr + got, buf + got, chunk);
		if (r < 0)
			return r;
		char *nul = memchr(buf + got, 0, chunk);
		if (nul)
			return (int)(nul - buf);
		got += chunk;
	}
	return -ENAMETOOLONG;
}

/* ---- replying ---- */

static struct sup *the_sup;

bool sup_still_valid(const struct sup_req *r)
{
	uint64_t id = r->n->id;
	return ioctl(r->s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void send_resp(const struct sup_req *r, int64_t val, int err, uint32_t flags)
{
	struct seccomp_notif_resp resp = {
		.id = r->n->id, .val = val, .error = err, .flags = flags
	};
	/* ENOENT: the target was killed meanwhile; nothing is waiting for the answer. */
	if (ioctl(r->s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT) {
		/* Nothing better to do: the call stays failed (ENOSYS) if we are gone. */
	}
}

void sup_reply_error(const struct sup_req *r, int err)
{
	send_resp(r, 0, -err, 0);
}

void sup_reply_value(const struct sup_req *r, int64_t val)
{
	send_resp(r, val, 0, 0);
}

void sup_reply_continue(const struct sup_req *r)
{
	send_resp(r, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

/* ---- recording ---- */

void sup_split_why(const char *why, char *rule, size_t rsz, char *origin, size_t osz)
{
	/* plan ops say: deny_read ".env" (~/.aigate/config.yaml:12) */
	const char *q1 = strchr(why, '"'), *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
	/* The origin may hold parentheses itself: "((built-in default):12)". */
	const char *o1 = strchr(q2 ? q2 : why, '('), *o2 = o1 ? strrchr(o1, ')') : NULL;
	if (q1 && q2)
		snprintf(rule, rsz, "%.*s", (int)(q2 - q1 - 1), q1 + 1);
	else
		snprintf(rule, rsz, "%s", why);
	if (o1 && o2)
		snprintf(origin, osz, "%.*s", (int)(o2 - o1 - 1), o1 + 1);
	else
		snprintf(origin, osz, "%s", "");
}

static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

/* The last NSpid of /proc/TID/status: the pid as the sandbox sees it. */
static pid_t ns_pid_of(pid_t host, pid_t *ret_host_ppid)
{
	char path[64], buf[4096];
	pid_t ns = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", host);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	char *l = strstr(buf, "\nNSpid:");
	if (l) {
		char *end = strchr(l + 1, '\n'), *p = l + 7;
		while (p && p < end) {
			char *next;
			long v = strtol(p, &next, 10);
			if (next == p)
				break;
			ns = (pid_t)v;
			p = next;
		}
	}
	l = strstr(buf, "\nPPid:");
	if (l && ret_host_ppid)
		*ret_host_ppid = (pid_t)strtol(l + 6, NULL, 10);
	return ns;
}

/*
 * Every denial also says so on aigate's stderr, naming the rule: the
 * program inside only sees EACCES. At most SUP_MAX_MESSAGES lines, then
 * one saying the rest is in the audit trail (a loop must not flood the
 * terminal). "\r\n" on a terminal: the relay keeps it in raw mode.
 */
#define SUP_MAX_MESSAGES 50
static atomic_int messages;

static int stderr_emit(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	if (write(STDERR_FILENO, data, len) < 0) {
		/* the audit record is written; the message is a courtesy */
	}
	return 0;
}

static void tell_user(const char *action, const char *target, const char *rule, const char *origin,
		      const char *verdict, const char *reason)
{
	char line[1024];
	int n = atomic_fetch_add(&messages, 1);
	const char *nl = isatty(STDERR_FILENO) ? "\r\n" : "\n";
	if (n > SUP_MAX_MESSAGES)
		return;
	if (n == SUP_MAX_MESSAGES)
		snprintf(line, sizeof(line), "aigate: more denials: see the audit trail%s", nl);
	else if (origin && strcmp(origin, "built-in") == 0)
		snprintf(line, sizeof(line), "aigate: %s: %s %s (%s)%s", verdict, action, target,
			 rule ? rule : "", nl);
	else if (rule && strcmp(rule, "allow_net") == 0)
		/* Network refusals: the rule is the list as a whole; the reason says what it lacks. */
		snprintf(line, sizeof(line), "aigate: %s: %s %s: %s (allow_net, %s)%s", verdict,
			 action, target, reason ? reason : "", origin ? origin : "", nl);
	else
		snprintf(line, sizeof(line), "aigate: %s: %s %s (%s \"%s\", %s)%s", verdict, action,
			 target, strcmp(action, "exec") == 0 ? "deny_exec" : "deny_read",
			 rule ? rule : "", origin ? origin : "", nl);
	/*
	 * The line names what the sandbox asked for: a secret spelt into a DNS
	 * name or a path would reach the terminal here, past the relay.
	 */
	struct mask_stream *ms = the_sup && the_sup->mask ? mask_stream_new(the_sup->mask) : NULL;
	if (ms) {
		mask_stream_feed(ms, (const uint8_t *)line, strlen(line), stderr_emit, NULL);
		mask_stream_flush(ms, stderr_emit, NULL);
		mask_stream_free(ms);
		return;
	}
	if (the_sup && the_sup->mask)
		return; /* no memory to mask it: the audit record has it, the terminal not */
	(void)stderr_emit(NULL, (const uint8_t *)line, strlen(line));
}

/*
 * A record that cannot be written under audit.on_error fail stops the run
 * before anything else happens unrecorded: the call that needed it stays
 * blocked while the sandbox's init is killed (which kills every process in
 * its PID namespace) and we wait for it to be gone; then we exit and the
 * launcher says why.
 */
static _Noreturn void stop_unrecorded(void)
{
	/*
	 * Through the pidfd taken when we started: by now the launcher may
	 * have reaped init and its pid may belong to someone else.
	 */
	int pfd = the_sup ? the_sup->init_pidfd : -1;
	if (pfd >= 0 && syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		poll(&p, 1, 5000);
	}
	_exit(SUP_EXIT_AUDIT);
}

void sup_record(pid_t tid, const char *action, const char *syscall, const char *target,
		const char *rule, const char *origin, const char *verdict, int err,
		const char *reason)
{
	sup_record_argv(tid, action, syscall, target, rule, origin, verdict, err, reason, NULL);
}

void sup_record_argv(pid_t tid, const char *action, const char *syscall, const char *target,
		     const char *rule, const char *origin, const char *verdict, int err,
		     const char *reason, const char *const *attempted)
{
	struct sup_event ev = { .tid = tid,
				.enforcer = "supervisor",
				.action = action,
				.syscall = syscall,
				.target = target,
				.rule = rule,
				.origin = origin,
				.verdict = verdict,
				.err = err,
				.reason = reason,
				.attempted = attempted,
				.tell = rule != NULL };
	sup_record_event(&ev);
}

void sup_record_event(const struct sup_event *ev)
{
	char path[64], exe[4096] = "", cwd[4096] = "", cmdline[4096];
	const char *argv[65];
	size_t argc = 0;
	pid_t host_ppid = 0;
	ssize_t n;
	pid_t tid = ev->tid;

	pid_t pid = ns_pid_of(tid, &host_ppid);
	struct audit_record rec = {
		.action = ev->action,
		.syscall = ev->syscall,
		.target = ev->target,
		.rule = ev->rule,
		.origin = ev->origin,
		.verdict = ev->verdict,
		.enforcer = ev->enforcer,
		.err = ev->err,
		.reason = ev->reason,
		.pid = pid,
		.uid = the_sup ? (long)the_sup->uid : -1,
	};
	/* Rate-limited (a loop on one rule): counted, and nothing more read from /proc. */
	if (!audit_admit(&rec)) {
		if (ev->tell)
			tell_user(ev->action,
				  ev->tell_target ? ev->tell_target
				  : ev->target	  ? ev->target
						  : "?",
				  ev->rule, ev->origin, ev->verdict,
				  ev->tell_reason ? ev->tell_reason : ev->reason);
		return;
	}
	rec.ppid = host_ppid > 0 ? ns_pid_of(host_ppid, NULL) : 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", tid);
	if ((n = readlink(path, exe, sizeof(exe) - 1)) > 0)
		exe[n] = 0;
	snprintf(path, sizeof(path), "/proc/%d/cwd", tid);
	if ((n = readlink(path, cwd, sizeof(cwd) - 1)) > 0)
		cwd[n] = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", tid);
	if ((n = read_small(path, cmdline, sizeof(cmdline))) > 0) {
		for (char *p = cmdline; p < cmdline + n && argc < 64; p += strlen(p) + 1)
			argv[argc++] = p;
	}
	argv[argc] = NULL;
	rec.exe = exe[0] ? exe : NULL;
	rec.argv = ev->attempted ? ev->attempted : argc ? argv : NULL;
	rec.cwd = cwd[0] ? cwd : NULL;
	if (audit_write(&rec) < 0 && audit_failed(NULL))
		stop_unrecorded();
	if (ev->tell) /* a denial of ours: the user hears of it too */
		tell_user(ev->action,
			  ev->tell_target ? ev->tell_target
			  : ev->target	  ? ev->target
					  : (argc ? argv[0] : "?"),
			  ev->rule, ev->origin, ev->verdict,
			  ev->tell_reason ? ev->tell_reason : ev->reason);
}

void sup_record_allowed(pid_t tid, int level, const char *action, const char *syscall,
			const char *target, const char *const *argv)
{
	if ((int)audit_level() < level)
		return;
	sup_record_argv(tid, action, syscall, target, NULL, NULL, "allowed", 0, NULL, argv);
}

void sup_deny(const struct sup_req *r, const char *action, const char *target, const char *rule,
	      const char *origin, int err, const char *reason)
{
	/* Record first, reply second: the target cannot run on before its denial is on disk. */
	sup_record(r->tid, action, r->sc ? r->sc->name : NULL, target, rule, origin, "denied", err,
		   reason);
	sup_reply_error(r, err);
}

/* ---- requests and jobs ---- */

void sup_req_free(struct sup_req *r)
{
	if (!r)
		return;
	free(r->n);
	free(r);
}

struct job {
	struct sup_req *r;
	void (*fn)(struct sup_req *r);
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	/* Our own umask and cwd: opens set the caller's umask on the thread that creates. */
	unshare(CLONE_FS);
	j->fn(j->r);
	sup_req_free(j->r);
	free(j);
	return NULL;
}

/*
 * Exec jobs run on threads that are kept for the next exec: a shell
 * starting one command after another paid a thread start for each
 * (~35 µs here). A thread is the tracer of what it attached (ptrace is
 * per thread), so one is kept only when its job left no tracee behind
 * (sup_exec_job); otherwise it exits and the kernel detaches whatever it
 * still traces, as it did for every job before. At most EXEC_IDLE_MAX
 * wait; a job finding none idle gets a new thread, so a slow exec (a file
 * on a stalled network mount) never holds up the next one.
 */
#define EXEC_IDLE_MAX 4
static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t exec_cond = PTHREAD_COND_INITIALIZER;
static struct sup_req *exec_queue[EXEC_IDLE_MAX]; /* never more than exec_idle */
static size_t exec_queued, exec_idle;

static void *exec_worker(void *arg)
{
	struct sup_req *r = arg; /* NULL: started ahead, idle from the start */
	/* As job_main: a umask and cwd of our own. */
	unshare(CLONE_FS);
	for (;;) {
		if (r) {
			bool clean = sup_exec_job(r);
			sup_req_free(r);
			if (!clean)
				break; /* perhaps still a tracer: only exiting detaches for sure */
		}
		pthread_mutex_lock(&exec_lock);
		if (exec_idle >= EXEC_IDLE_MAX) {
			pthread_mutex_unlock(&exec_lock);
			break;
		}
		exec_idle++;
		while (exec_queued == 0)
			pthread_cond_wait(&exec_cond, &exec_lock);
		r = exec_queue[--exec_queued];
		exec_idle--;
		pthread_mutex_unlock(&exec_lock);
	}
	sup_exec_thread_done();
	return NULL;
}

int sup_spawn_detached(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int e = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -e;
}

static int start_exec_worker(struct sup_req *r)
{
	return sup_spawn_detached(exec_worker, r);
}

/* Hand an exec to an idle exec thread, or to a new one. */
static void run_exec_job(struct sup_req *r)
{
	pthread_mutex_lock(&exec_lock);
	if (exec_idle > exec_queued) {
		exec_queue[exec_queued++] = r;
		pthread_cond_signal(&exec_cond);
		pthread_mutex_unlock(&exec_lock);
		return;
	}
	pthread_mutex_unlock(&exec_lock);
	if (start_exec_worker(r) == 0)
		return;
	/* No thread: serve it here (slower for the others, still correct). */
	sup_handle_exec(r);
	sup_req_free(r);
}

void sup_run_job(struct sup_req *r, void (*fn)(struct sup_req *r))
{
	struct job *j = malloc(sizeof(*j));
	if (j) {
		j->r = r;
		j->fn = fn;
		if (sup_spawn_detached(job_main, j) == 0)
			return;
		free(j);
	}
	/* No thread: serve it here (slower for the others, still correct). */
	fn(r);
	sup_req_free(r);
}

/* ---- the filter table's answers ---- */

/* The thread group of @tid (our PID namespace), 0 if unknown. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	char *l = strstr(buf, "\nTgid:");
	return l ? (pid_t)strtol(l + 6, NULL, 10) : 0;
}

/*
 * A vfork-style child is about to share the caller's memory: its group
 * loses the fast path (sup_fast.c), then the call runs. Noted before it
 * runs, so no child exists that we have not heard of.
 */
static void note_vfork(struct sup_req *r)
{
	/* A shell's own stat is cached (sup_fast.c): cheaper than its status, ~10 µs a command. */
	pid_t tgid = sup_fast_group(r->tid);
	sup_fast_vfork_seen(tgid > 0 ? tgid : tgid_of(r->tid));
	sup_reply_continue(r);
}

static void handle_deny(struct sup_req *r)
{
	const struct sup_syscall *e = r->sc;
	char what[96];
	/*
	 * personality: querying (0xffffffff) and plain PER_LINUX change
	 * nothing. The argument is a register value, not memory, so letting
	 * the kernel run it cannot race.
	 */
	uint32_t persona = (uint32_t)r->n->data.args[0];
	if (strcmp(e->name, "personality") == 0 && (persona == 0xffffffffu || persona == 0)) {
		sup_reply_continue(r);
		return;
	}
	snprintf(what, sizeof(what), "deny %s", e->name);
	const char *reason = e->reason;
	if (strcmp(e->name, "ioctl") == 0 &&
	    (uint32_t)r->n->data.args[1] == SUP_USERFAULTFD_IOC_NEW) {
		snprintf(what, sizeof(what), "deny userfaultfd");
		reason = "userfaultfd widens race windows in kernel copies";
	}
	bool sharing = false;
	if (strcmp(e->name, "clone") == 0) {
		/* Flags are a register: deciding on them cannot race. */
		if (!sup_clone_denied(r->n->data.args[0], &sharing)) {
			note_vfork(r); /* a vfork-style child: allowed */
			return;
		}
		if (sharing) {
			snprintf(what, sizeof(what), "deny clone sharing outside a thread");
			reason = "a process sharing memory, descriptors or the working "
				 "directory could change what the supervisor checked";
		}
	}
	sup_deny(r, "syscall", NULL, what, "built-in", e->err, reason);
}

/* Another architecture's call (i386 int 0x80, x32): kill before it runs, then record. */
static void handle_foreign(struct sup_req *r)
{
	char sc[48];
	const char *arch = r->n->data.arch == sup_filter_native_arch() ? "x32" : "i386";
	snprintf(sc, sizeof(sc), "%s:%d", arch, r->n->data.nr & ~0x40000000);
	sup_record(r->tid, "syscall", sc, NULL, "deny foreign architecture", "built-in", "killed",
		   0, "system calls of another architecture bypass the filter's decoding");
	/*
	 * SIGKILL to the whole process: the caller is blocked in this call and
	 * dies in it (the wait is killable), so the foreign call never runs.
	 */
	pid_t host_tgid = 0;
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", r->tid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		char *l = strstr(buf, "\nTgid:");
		if (l)
			host_tgid = (pid_t)strtol(l + 6, NULL, 10);
	}
	if (sup_still_valid(r))
		kill(host_tgid > 0 ? host_tgid : r->tid, SIGKILL);
	sup_reply_error(r, ENOSYS);
}

static void dispatch(struct sup_req *r)
{
	const struct seccomp_notif *n = r->n;
	if (n->data.arch != sup_filter_native_arch() || (n->data.nr & 0x40000000)) {
		handle_foreign(r);
		sup_req_free(r);
		return;
	}
	r->sc = sup_filter_lookup(n->data.nr);
	if (!r->sc) {
		/* The filter trapped something the table does not know: deny, never guess. */
		sup_deny(r, "syscall", NULL, "unknown trapped call", "built-in", ENOSYS, NULL);
		sup_req_free(r);
		return;
	}
	switch (r->sc->kind) {
	case SUP_DENY:
		handle_deny(r);
		break;
	case SUP_OPEN:
		sup_handle_open(r); /* hands itself to a job when it could block */
		return;
	case SUP_EXEC:
		sup_fast_forget_task(r->tid);
		if (sup_exec_fast(r))
			break;
		run_exec_job(r);
		return;
	case SUP_VFORK:
		note_vfork(r);
		break;
	case SUP_NET:
		sup_handle_net(r); /* answers and frees, or hands itself to a job */
		return;
	case SUP_AIO:
		/* Its arguments are registers and a pointer it writes: nothing to judge. */
		sup_fast_aio_seen();
		sup_reply_continue(r);
		break;
	case SUP_LINK:
	case SUP_SYMLINK:
	case SUP_RENAME:
	case SUP_UNLINK:
	case SUP_TRUNCATE:
		sup_handle_fsop(r);
		break;
	case SUP_ATTR:
		sup_handle_attr(r);
		break;
	default:
		sup_deny(r, "syscall", NULL, "unknown trapped call", "built-in", ENOSYS, NULL);
		break;
	}
	sup_req_free(r);
}

int supervisor_send_listener(int sock, int listener)
{
	return sbx_send_fds(sock, 'L', &listener, 1);
}

/*
 * Are there binfmt_misc entries (the host's; mounting one inside is
 * denied)? One could claim native ELF files, and the exec fast path
 * assumes the ELF loader runs them. Not mounted: entries cannot have been
 * registered through it, taken as none.
 */
static bool binfmt_misc_entries(void)
{
	DIR *d = opendir("/proc/sys/fs/binfmt_misc");
	struct dirent *e;
	bool any = false;
	if (!d)
		return false;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.' && strcmp(e->d_name, "register") != 0 &&
		      strcmp(e->d_name, "status") != 0;
	closedir(d);
	return any;
}

static _Noreturn void supervisor_main(const struct supervisor_config *cfg)
{
	static struct sup s;
	struct seccomp_notif_sizes sizes;

	prctl(PR_SET_NAME, "aigate-sup", 0, 0, 0);
	/*
	 * A session of our own, without a controlling terminal: the opens we
	 * make for the sandbox must never reach the user's terminal through
	 * /dev/tty (sup_open.c opens the caller's own instead).
	 */
	(void)setsid();
	/* mask_stdout's pipes: only aigate may hold their reading ends (run_mask.h). */
	for (size_t i = 0; i < ARRAY_SIZE(cfg->close_fds); i++)
		if (cfg->close_fds[i] >= 0)
			close(cfg->close_fds[i]);
	/* Nothing may read our memory (the policy, what we read from targets) or attach to us. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Should the launcher die, so do we; the kernel then fails every trapped call. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Modes of files we create for a target are computed with its umask, not ours. */
	umask(0);
	/*
	 * No capabilities (they matter when aigate runs as root): the opens
	 * we make for the sandbox must meet the permission checks its own
	 * would (a root-only file stays unreadable), and nothing we hold may
	 * reach beyond what the sandbox's user could. Same uid as the
	 * sandbox's processes, so reading and tracing them needs none.
	 */
	struct __user_cap_header_struct cap_hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct cap_none[2] = { 0 };
	if (syscall(SYS_capset, &cap_hdr, cap_none) < 0)
		_exit(74);

	s.rootfd = -1;
	s.uid = getuid();
	s.blob = cfg->blob;
	s.denied = cfg->denied;
	s.ndenied = cfg->ndenied;
	s.fast = cfg->fast;
	s.fast_exec = !binfmt_misc_entries();
	/* init is the launcher's child, not yet reaped: this pidfd is init's for good. */
	s.init_pidfd =
		cfg->sandbox_init > 0 ? (int)syscall(SYS_pidfd_open, cfg->sandbox_init, 0) : -1;
	s.shim_fd = cfg->shim_fd;
	s.hidden = cfg->hidden;
	s.nhidden = cfg->nhidden;
	s.mounts = cfg->mounts;
	s.mask = cfg->mask;
	s.nmounts = cfg->nmounts;
	s.flat = cfg->flat;
	s.flat_paths = cfg->flat_paths;
	s.nflat_paths = cfg->nflat_paths;
	s.init_pid = cfg->sandbox_init;
	the_sup = &s;
	/* The audit session (id, sequence, counters) is the launcher's, inherited by fork. */
	if (sup_filter_init() < 0)
		_exit(70);
	/* A supervisor without the shim's records still decides everything: not fatal. */
	sup_shim_start(&s);
	/*
	 * CMD's own exec takes the slow path (it is a fork child): one exec
	 * thread started now, while the sandbox is being built, keeps its
	 * start off that path. None: the first exec starts one.
	 */
	(void)start_exec_worker(NULL);
	int listener = -1, fds[SBX_NET_NFDS];
	bool egress = false;
	if (cfg->flat && cfg->egress) {
		/* The fallback rungs: aigate's own listeners on the host's loopback, no DNS stub. */
		int flat_fds[SBX_NET_NFDS] = { cfg->flat_egress_fds[0], cfg->flat_egress_fds[1], -1,
					       -1 };
		for (int i = 0; i < 2; i++) {
			struct sockaddr_in sin;
			socklen_t sl = sizeof(sin);
			if (flat_fds[i] < 0 ||
			    getsockname(flat_fds[i], (struct sockaddr *)&sin, &sl) < 0)
				_exit(SUP_EXIT_EGRESS);
			s.egress_ports[i] = ntohs(sin.sin_port);
		}
		if (egress_start(cfg->egress, flat_fds, cfg->sandbox_init) < 0)
			_exit(SUP_EXIT_EGRESS);
		egress = true;
	}
	while (listener < 0) {
		int tag = sbx_net_recv(cfg->sock, fds);
		if (tag < 0)
			_exit(tag == -ENODATA ? 0 : 71); /* the sandbox stopped before CMD */
		if (tag == 'L') {
			listener = fds[0];
		} else if (!cfg->egress || egress ||
			   egress_start(cfg->egress, fds, cfg->sandbox_init) < 0) {
			_exit(SUP_EXIT_EGRESS); /* listeners not asked for, twice, or no thread */
		} else {
			egress = true;
		}
	}
	/* allow_net without its egress would be no network at all, silently: never. */
	if (cfg->egress && !egress)
		_exit(SUP_EXIT_EGRESS);
	close(cfg->sock);
	s.listener = listener;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		_exit(72);
	s.notif_size = sizes.seccomp_notif > sizeof(struct seccomp_notif)
			       ? sizes.seccomp_notif
			       : sizeof(struct seccomp_notif);
	s.resp_size = sizes.seccomp_notif_resp;
	/*
	 * Wake-ups on one CPU: the target blocks as it wakes us and we block
	 * as we wake it, so the pair hands the CPU back and forth instead of
	 * crossing to the other one (~3 µs instead of ~50 µs per call here).
	 * Older kernels lack it: slower, not weaker.
	 */
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);

	for (;;) {
		struct sup_req *r = calloc(1, sizeof(*r));
		struct seccomp_notif *n = r ? calloc(1, s.notif_size) : NULL;
		if (!r || !n)
			_exit(73);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, n) < 0) {
			free(n);
			free(r);
			if (errno == EINTR)
				continue;
			/*
			 * ENOENT: the caller died before we read it, or the
			 * filter has no users left (every sandboxed process
			 * exited), which poll reports as a hang-up.
			 */
			struct pollfd pfd = { .fd = listener, .events = POLLIN };
			if (errno == ENOENT && poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP))
				continue;
			sup_shim_drain(&s);
			audit_flush_suppressed();
			_exit(audit_failed(NULL) ? SUP_EXIT_AUDIT : 0);
		}
		r->s = &s;
		r->n = n;
		r->tid = (pid_t)n->pid;
		dispatch(r);
	}
}

pid_t supervisor_start(const struct supervisor_config *cfg)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		supervisor_main(cfg);
	return pid;
}
