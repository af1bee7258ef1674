/* SPDX-License-Identifier: MIT */
/*
 * limits_watch.c — a run's limits while the sandbox lives (limits.h,
 * docs/limits.md): its cgroups, the memory watcher, and at the end what
 * was hit, said once and recorded.
 *
 * The watcher is a thread of aigate (every signal blocked: run_loop()'s
 * signalfd gets them) that wakes every WATCH_MS and
 *   - max_memory by fallback: sums the memory of the sandbox's processes
 *     and of its private /tmp and /dev/shm, and past the limit kills the
 *     whole sandbox;
 *   - max_memory by cgroup: watches the cgroup's OOM-kill counter and,
 *     once the kernel has killed a process for it, stops the rest, as
 *     cgroup v2's memory.oom.group does by itself (v1 has no such thing);
 *   - max_pids by fallback (RLIMIT_NPROC, which fails forks silently):
 *     counts the sandbox's tasks, so that reaching the limit is said and
 *     recorded at the end, as the cgroup's pids.events counter is.
 * It only reads /proc and kills; run_loop() sees init exit as usual.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/limits.h"
#include "launcher/limits_internal.h"
#include "launcher/log.h"

/* How often the watcher measures: the overshoot it allows is what the sandbox allocates in it. */
#define WATCH_MS 100

/* Most processes the watcher follows without a PID namespace (a host scan). */
#define WATCH_MAX_PROCS 32768

struct proc_entry {
	pid_t pid, ppid;
	bool member; /* init or one of its descendants */
};

struct limits_run {
	const struct limits *lim;
	struct limits_cgrun cg;
	pid_t init_pid;
	int init_pidfd;
	bool pidns; /* the sandbox has its own PID namespace: init's death ends it all */
	/* The watcher. */
	pthread_t thread;
	bool thread_on;
	int stop_fd;
	pid_t cmd_pid;		  /* CMD's host pid: the sandbox's /proc is /proc/CMD/root/proc */
	dev_t host_tmp, host_shm; /* aigate's own /tmp and /dev/shm: not the sandbox's */
	struct proc_entry *procs; /* the host scan (no PID namespace) */
	/* What the watcher did, read after it was joined. */
	bool mem_stopped;	 /* it stopped the sandbox for max_memory */
	uint64_t mem_used;	 /* bytes it measured then (the fallback) */
	bool mem_kernel_seen;	 /* cgroup v1: it saw the kernel's OOM kill first */
	unsigned long pids_peak; /* max_pids by fallback: the most tasks it counted */
};

/* The number after @key ("VmRSS:", "Pss:") in /proc text @buf, in kB; 0 when absent. */
static uint64_t field_kb(const char *buf, const char *key)
{
	size_t klen = strlen(key);
	for (const char *line = buf; line && *line;) {
		if (strncmp(line, key, klen) == 0)
			return strtoull(line + klen, NULL, 10);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

/*
 * Memory of the process whose /proc directory is @dir: the cheap upper
 * bound (RSS + swap, from counters) into *@upper and, when @exact, its
 * share (PSS + SwapPss, a page-table walk) into *@exact_ret. PSS splits a
 * page shared by N processes N ways, so the sandbox's sum counts each page
 * once: RSS would count libc and every copy-on-write page of a forked
 * worker pool again per process. A process whose smaps_rollup we may not
 * read (not dumpable) counts at its upper bound.
 */
static void process_memory(const char *dir, bool exact, uint64_t *upper, uint64_t *exact_ret)
{
	char path[PATH_MAX], buf[4096];
	uint64_t up = 0;
	snprintf(path, sizeof(path), "%s/status", dir);
	if (limits_read_small(path, buf, sizeof(buf)) > 0)
		up = (field_kb(buf, "VmRSS:") + field_kb(buf, "VmSwap:")) * 1024;
	*upper += up;
	if (!exact)
		return;
	snprintf(path, sizeof(path), "%s/smaps_rollup", dir);
	if (limits_read_small(path, buf, sizeof(buf)) > 0)
		*exact_ret += (field_kb(buf, "Pss:") + field_kb(buf, "SwapPss:")) * 1024;
	else
		*exact_ret += up;
}

/* Bytes in use on the tmpfs at @path when it is the sandbox's own (not aigate's @host_dev). */
static uint64_t tmpfs_used(const char *path, dev_t host_dev)
{
	struct statfs sf;
	struct stat st;
	if (stat(path, &st) < 0 || st.st_dev == host_dev || statfs(path, &sf) < 0)
		return 0;
	return (uint64_t)(sf.f_blocks - sf.f_bfree) * (uint64_t)sf.f_bsize;
}

/*
 * Host @pid's stat line after its command name (past the last ')': a
 * name may hold one), in @buf; NULL when the process is gone.
 */
static const char *stat_fields(int procfd, const char *name, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/stat", name);
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

/* Parent of host @pid from its stat line; 0 when gone. */
static pid_t stat_ppid(int procfd, const char *name)
{
	char buf[512];
	int ppid = 0;
	const char *p = stat_fields(procfd, name, buf, sizeof(buf));
	if (!p || sscanf(p, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* Threads of host @pid (its stat line's num_threads); 0 when gone. */
static unsigned long stat_threads(int procfd, const char *name)
{
	char buf[1024];
	long threads = 0;
	const char *p = stat_fields(procfd, name, buf, sizeof(buf));
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
	 * cutime cstime priority nice num_threads */
	if (!p ||
	    sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld",
		   &threads) != 1 ||
	    threads < 0)
		return 0;
	return (unsigned long)threads;
}

static int by_pid(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static struct proc_entry *find_pid(struct proc_entry *v, size_t n, pid_t pid)
{
	struct proc_entry key = { .pid = pid };
	return bsearch(&key, v, n, sizeof(*v), by_pid);
}

/*
 * Scan the host's /proc: every (pid, ppid). With @want_parent, stop at the
 * first child of it and return its pid. Otherwise mark the descendants of
 * init (init included) in w->procs and set *@ret_n to how many were seen.
 */
static pid_t host_scan(struct limits_run *w, pid_t want_parent, size_t *ret_n)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = procfd >= 0 ? fdopendir(procfd) : NULL;
	struct dirent *e;
	size_t n = 0;
	pid_t found = 0;
	bool sorted = true;

	if (!d) {
		if (procfd >= 0)
			close(procfd);
		return 0;
	}
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid_t ppid = stat_ppid(procfd, e->d_name);
		pid_t pid = (pid_t)atoi(e->d_name);
		if (want_parent) {
			if (ppid == want_parent)
				found = pid;
			continue;
		}
		if (n < WATCH_MAX_PROCS) {
			sorted &= n == 0 || w->procs[n - 1].pid < pid;
			w->procs[n++] = (struct proc_entry){ pid, ppid, pid == w->init_pid };
		}
	}
	closedir(d);
	if (want_parent)
		return found;
	/* /proc lists pids in ascending order; sort if it ever does not. */
	if (!sorted)
		qsort(w->procs, n, sizeof(*w->procs), by_pid);
	/* Descendants of init: orphans are reparented to init (a subreaper), so none escapes. */
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < n; i++) {
			if (w->procs[i].member)
				continue;
			const struct proc_entry *parent = find_pid(w->procs, n, w->procs[i].ppid);
			if (parent && parent->member)
				more = w->procs[i].member = true;
		}
	}
	*ret_n = n;
	return 0;
}

/*
 * Sum the memory of the processes listed in the sandbox's own /proc,
 * reached through CMD's root: exactly the sandbox's processes, at a cost
 * that grows with the sandbox, not with the host. False when it cannot be
 * read (CMD gone, or not started yet).
 */
static bool sum_nsproc(struct limits_run *w, bool precise, uint64_t *upper, uint64_t *exact)
{
	char dir[PATH_MAX], nsproc[64];
	struct dirent *e;
	if (!w->cmd_pid && !(w->cmd_pid = host_scan(w, w->init_pid, NULL)))
		return false;
	snprintf(nsproc, sizeof(nsproc), "/proc/%d/root/proc", (int)w->cmd_pid);
	DIR *d = opendir(nsproc);
	if (!d)
		return false;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
			snprintf(dir, sizeof(dir), "%s/%s", nsproc, e->d_name);
			process_memory(dir, precise, upper, exact);
		}
	closedir(d);
	return true;
}

/* The same from the host's /proc: init and its descendants (scanned when !@precise). */
static void sum_host(struct limits_run *w, bool precise, size_t *n, uint64_t *upper,
		     uint64_t *exact)
{
	char dir[64];
	if (!w->procs && !(w->procs = calloc(WATCH_MAX_PROCS, sizeof(*w->procs))))
		return;
	if (!precise)
		host_scan(w, 0, n);
	for (size_t i = 0; i < *n; i++)
		if (w->procs[i].member) {
			snprintf(dir, sizeof(dir), "/proc/%d", (int)w->procs[i].pid);
			process_memory(dir, precise, upper, exact);
		}
}

/*
 * The sandbox's memory now: its processes' and its private tmpfs's. The
 * cheap upper bound first; the exact sum only when the bound is past @max
 * (PSS ≤ RSS, so under the bound nothing can be over the limit).
 */
static uint64_t sandbox_memory(struct limits_run *w, uint64_t max)
{
	char dir[PATH_MAX];
	uint64_t upper = 0, exact = 0, files = 0;
	size_t n = 0;
	bool nsproc = w->pidns;

	for (int pass = 0; pass < 2; pass++) {
		bool precise = pass == 1;
		upper = exact = 0;
		/* The sandbox's /proc unreadable while it runs: the host's, never nothing. */
		if (nsproc && !sum_nsproc(w, precise, &upper, &exact)) {
			nsproc = false;
			upper = exact = 0;
			if (precise)
				sum_host(w, false, &n, &upper, &exact);
		}
		if (!nsproc)
			sum_host(w, precise, &n, &upper, &exact);
		if (!precise && w->cmd_pid) {
			snprintf(dir, sizeof(dir), "/proc/%d/root/tmp", (int)w->cmd_pid);
			files = tmpfs_used(dir, w->host_tmp);
			snprintf(dir, sizeof(dir), "/proc/%d/root/dev/shm", (int)w->cmd_pid);
			files += tmpfs_used(dir, w->host_shm);
		}
		if (!precise && upper + files <= max)
			return upper + files;
	}
	return exact + files;
}

/* Stop the whole sandbox. */
static void stop_sandbox(struct limits_run *w)
{
	if (w->pidns) {
		/* init's death takes the PID namespace with it: the kernel kills every process. */
		if (w->init_pidfd < 0 ||
		    syscall(SYS_pidfd_send_signal, w->init_pidfd, SIGKILL, NULL, 0) < 0)
			kill(w->init_pid, SIGKILL);
		return;
	}
	/*
	 * No PID namespace: init is a plain subreaper. Kill its descendants
	 * until none is left (a fork in flight is caught by the next round:
	 * orphans land on init), then init.
	 */
	for (int round = 0; round < 100; round++) {
		size_t n = 0, killed = 0;
		host_scan(w, 0, &n);
		for (size_t i = 0; i < n; i++)
			if (w->procs[i].member && w->procs[i].pid != w->init_pid) {
				kill(w->procs[i].pid, SIGKILL);
				killed++;
			}
		if (!killed)
			break;
	}
	if (w->init_pidfd < 0 ||
	    syscall(SYS_pidfd_send_signal, w->init_pidfd, SIGKILL, NULL, 0) < 0)
		kill(w->init_pid, SIGKILL);
}

/*
 * The sandbox's tasks now (processes and their threads: what RLIMIT_NPROC
 * and pids.max count). With a PID namespace, its own /proc (init is its
 * pid 1); without, init and its descendants on the host.
 */
static unsigned long sandbox_tasks(struct limits_run *w)
{
	unsigned long n = 0;
	if (w->pidns) {
		char nsproc[64];
		if (!w->cmd_pid && !(w->cmd_pid = host_scan(w, w->init_pid, NULL)))
			return 0;
		snprintf(nsproc, sizeof(nsproc), "/proc/%d/root/proc", (int)w->cmd_pid);
		DIR *d = opendir(nsproc);
		struct dirent *e;
		if (!d)
			return 0;
		while ((e = readdir(d)))
			if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
				n += stat_threads(dirfd(d), e->d_name);
		closedir(d);
		return n;
	}
	size_t count = 0;
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return 0;
	host_scan(w, 0, &count);
	for (size_t i = 0; i < count; i++)
		if (w->procs[i].member) {
			char name[16];
			snprintf(name, sizeof(name), "%d", (int)w->procs[i].pid);
			n += stat_threads(procfd, name);
		}
	close(procfd);
	return n;
}

static void *watch_main(void *arg)
{
	struct limits_run *w = arg;
	const struct limits *lim = w->lim;
	struct pollfd p = { .fd = w->stop_fd, .events = POLLIN };
	enum limits_mech mech = lim->choice[LIMITS_MEMORY].mech;
	bool count_pids = lim->choice[LIMITS_PIDS].mech == LIMITS_FALLBACK;

	for (;;) {
		int n = poll(&p, 1, WATCH_MS);
		if (n > 0 || (n < 0 && errno != EINTR))
			break;
		if (count_pids) {
			unsigned long tasks = sandbox_tasks(w);
			/* Said the moment it is seen (the record comes at the end). */
			if (tasks >= lim->max_pids && w->pids_peak < lim->max_pids)
				log_warn("the sandbox reached resource_limits.max_pids (%u, %s): "
					 "forks past it fail with EAGAIN",
					 lim->max_pids, lim->choice[LIMITS_PIDS].name);
			if (tasks > w->pids_peak)
				w->pids_peak = tasks;
		}
		if (mech == LIMITS_CGROUP1 || mech == LIMITS_CGROUP2) {
			const struct limits_cgdir *d = limits_cg_find(&w->cg, LIMITS_MEMORY);
			if (d &&
			    limits_cg_counter(d, d->v2 ? "memory.events" : "memory.oom_control",
					      "oom_kill") > 0) {
				w->mem_kernel_seen = true;
				stop_sandbox(w);
				break;
			}
		} else if (mech == LIMITS_FALLBACK) {
			uint64_t used = sandbox_memory(w, lim->max_memory);
			if (used > lim->max_memory) {
				w->mem_used = used;
				w->mem_stopped = true;
				stop_sandbox(w);
				break;
			}
		}
	}
	return NULL;
}

/* @v bytes to one decimal in MiB or GiB: "270.4 MiB". */
static void approx_bytes(uint64_t v, char *buf, size_t n)
{
	if (v >= (1ULL << 30))
		snprintf(buf, n, "%.1f GiB", (double)v / (double)(1ULL << 30));
	else
		snprintf(buf, n, "%.1f MiB", (double)v / (double)(1ULL << 20));
}

static void run_free(struct limits_run *run)
{
	if (run->stop_fd >= 0)
		close(run->stop_fd);
	if (run->init_pidfd >= 0)
		close(run->init_pidfd);
	free(run->procs);
	free(run);
}

static dev_t dev_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_dev : 0;
}

int limits_start(const struct limits *lim, pid_t init_pid, struct limits_run **ret)
{
	enum limits_mech mem = lim->choice[LIMITS_MEMORY].mech;
	/*
	 * cgroup v2 stops the whole cgroup by itself (memory.oom.group); the
	 * watcher still looks, for a kernel without oom.group, as it must for v1.
	 */
	bool need_cg = false, need_watch = (mem != LIMITS_UNSET && mem != LIMITS_GAP) ||
					   lim->choice[LIMITS_PIDS].mech == LIMITS_FALLBACK;
	int r;

	for (int k = 0; k < LIMITS_NKINDS; k++)
		need_cg |= lim->choice[k].mech == LIMITS_CGROUP1 ||
			   lim->choice[k].mech == LIMITS_CGROUP2;
	if (!need_cg && !need_watch) {
		*ret = NULL; /* nothing asked of the cgroups or the watcher */
		return 0;
	}
	struct limits_run *run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->lim = lim;
	run->init_pid = init_pid;
	run->pidns = lim->host.own_userns;
	run->stop_fd = -1;
	run->init_pidfd = (int)syscall(SYS_pidfd_open, init_pid, 0);
	if (run->init_pidfd < 0 && need_watch) {
		r = -errno;
		log_error("resource_limits: pidfd_open of the sandbox's init: %s", strerror(-r));
		run_free(run);
		return r;
	}
	if (need_cg && (r = limits_cg_create(lim, init_pid, &run->cg)) < 0) {
		run_free(run);
		return r;
	}
	if (need_watch) {
		sigset_t all, old;
		run->host_tmp = dev_of("/tmp");
		run->host_shm = dev_of("/dev/shm");
		run->stop_fd = eventfd(0, EFD_CLOEXEC);
		/* Without a PID namespace the watcher scans the host to find (and stop) the sandbox. */
		if (!run->pidns)
			run->procs = calloc(WATCH_MAX_PROCS, sizeof(*run->procs));
		r = run->stop_fd < 0 ? -errno : !run->pidns && !run->procs ? -ENOMEM : 0;
		if (r == 0) {
			/* The thread starts with every signal blocked: they are run_loop()'s. */
			sigfillset(&all);
			pthread_sigmask(SIG_SETMASK, &all, &old);
			r = -pthread_create(&run->thread, NULL, watch_main, run);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
		}
		if (r < 0) {
			log_error("resource_limits: cannot start the memory watcher: %s",
				  strerror(-r));
			if (run->cg.n) {
				siginfo_t si;
				kill(init_pid, SIGKILL);
				while (waitid(P_PID, (id_t)init_pid, &si, WEXITED | WNOWAIT) < 0 &&
				       errno == EINTR)
					;
				limits_cg_remove(&run->cg);
			}
			run_free(run);
			return r;
		}
		run->thread_on = true;
	}
	*ret = run;
	return 0;
}

/* The policy files, as the records' rule origin (the compiled policy keeps no line for a limit). */
static void record(const char *enforcer, const char *rule, const char *origin, int err,
		   const char *reason)
{
	struct audit_record rec = { .action = "limit",
				    .rule = rule,
				    .origin = origin,
				    .verdict = "denied",
				    .enforcer = enforcer,
				    .err = err,
				    .uid = (long)getuid(),
				    .reason = reason };
	audit_write(&rec); /* a failure is seen by run_audit_end() */
}

int limits_finish(struct limits_run *run)
{
	const struct limits *lim;
	char size[32], used[32], reason[256];
	int status = 0;

	if (!run)
		return 0;
	lim = run->lim;
	if (run->thread_on) {
		uint64_t one = 1;
		if (write(run->stop_fd, &one, sizeof(one)) < 0) {
			/* an eventfd write cannot fail here; the join below would wait WATCH_MS */
		}
		pthread_join(run->thread, NULL);
	}
	/* The counters, read before the cgroups go. */
	const struct limits_cgdir *mem = limits_cg_find(&run->cg, LIMITS_MEMORY);
	const struct limits_cgdir *pids = limits_cg_find(&run->cg, LIMITS_PIDS);
	unsigned long oom = 0, forks = 0;
	if (mem)
		oom = mem->v2 ? limits_cg_counter(mem, "memory.events", "oom_kill") +
					limits_cg_counter(mem, "memory.events", "oom_group_kill")
			      : limits_cg_counter(mem, "memory.oom_control", "oom_kill");
	if (pids)
		forks = limits_cg_counter(pids, "pids.events", "max");
	limits_cg_remove(&run->cg);

	limits_format_bytes(lim->max_memory, size, sizeof(size));
	if (oom || run->mem_kernel_seen) {
		const char *name = lim->choice[LIMITS_MEMORY].name;
		log_error("the sandbox reached resource_limits.max_memory (%s, %s); the kernel "
			  "stopped it (out of memory)",
			  size, name);
		snprintf(reason, sizeof(reason),
			 "out of memory at %s: the kernel killed a process and the sandbox was "
			 "stopped",
			 size);
		record(name, "resource_limits.max_memory", lim->origin, 0, reason);
		status = LIMITS_EXIT_MEMORY;
	} else if (run->mem_stopped) {
		approx_bytes(run->mem_used, used, sizeof(used));
		log_error("the sandbox reached resource_limits.max_memory (%s, watcher: %s in "
			  "use); aigate stopped it",
			  size, used);
		snprintf(reason, sizeof(reason),
			 "%s in use (its processes' PSS and its private /tmp and /dev/shm) over "
			 "%s: aigate stopped the sandbox",
			 used, size);
		record("watcher", "resource_limits.max_memory", lim->origin, 0, reason);
		status = LIMITS_EXIT_MEMORY;
	}
	/*
	 * max_pids by fallback: the kernel's RLIMIT_NPROC refuses forks past
	 * it without a trace; the watcher saw the sandbox at its limit (it
	 * samples, so how many forks failed is not known).
	 */
	if (!forks && lim->choice[LIMITS_PIDS].mech == LIMITS_FALLBACK &&
	    run->pids_peak >= lim->max_pids) {
		snprintf(reason, sizeof(reason),
			 "the sandbox had its %u tasks (the watcher counted %lu): fork and clone "
			 "calls past them failed with EAGAIN",
			 lim->max_pids, run->pids_peak);
		record("watcher", "resource_limits.max_pids", lim->origin, EAGAIN, reason);
	}
	if (forks) {
		const char *name = lim->choice[LIMITS_PIDS].name;
		log_warn("the sandbox reached resource_limits.max_pids (%u, %s): %lu fork%s failed "
			 "with EAGAIN",
			 lim->max_pids, name, forks, forks == 1 ? "" : "s");
		snprintf(
			reason, sizeof(reason),
			"%lu fork or clone call%s failed with EAGAIN: the sandbox had its %u tasks",
			forks, forks == 1 ? "" : "s", lim->max_pids);
		record(name, "resource_limits.max_pids", lim->origin, EAGAIN, reason);
	}
	run_free(run);
	return status;
}
