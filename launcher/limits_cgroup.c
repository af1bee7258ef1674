/* SPDX-License-Identifier: MIT */
/*
 * limits_cgroup.c — cgroups for resource_limits (docs/limits.md): find
 * what the host offers (a delegated cgroup v2 subtree; v1 hierarchies,
 * which only root can use), and per run create the sandbox's cgroups,
 * write the limits, attach init, read the counters, kill what is left and
 * remove them.
 *
 *   v2: <delegated>/aigate-<session>      memory.max, memory.swap.max=0,
 *                                         memory.oom.group=1, pids.max, cpu.max
 *   v1: <hierarchy>/aigate/<session>      memory.limit_in_bytes (+memsw),
 *                                         pids.max, cpu.cfs_quota_us
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/limits.h"
#include "launcher/limits_internal.h"
#include "launcher/log.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* The cgroup controller each limit needs, by enum limits_kind. */
static const char *const controller[LIMITS_NKINDS] = {
	[LIMITS_MEMORY] = "memory",
	[LIMITS_CPU] = "cpu",
	[LIMITS_PIDS] = "pids",
};

/* The CFS period aigate uses: 100 ms, the kernel's default; the quota is a share of it. */
#define CPU_PERIOD_US 100000ULL

ssize_t limits_read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = 0;
	if (fd < 0)
		return -errno;
	while (len + 1 < n) {
		ssize_t r = read(fd, buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* The LIMITS_CTL_* bits named in a space-separated list ("cpu io memory pids"). */
static unsigned ctl_mask(char *list)
{
	unsigned m = 0;
	char *save = NULL;
	for (char *t = strtok_r(list, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		for (int k = 0; k < LIMITS_NKINDS; k++)
			if (strcmp(t, controller[k]) == 0)
				m |= 1u << k;
	return m;
}

static unsigned ctl_file_mask(const char *dir, const char *file)
{
	char path[PATH_MAX + 32], buf[512];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path) ||
	    limits_read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	return ctl_mask(buf);
}

/* The parent of @pid (from /proc/PID/stat), or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	int ppid = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (limits_read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	/* comm may hold spaces and parentheses: the fields resume after the last ')'. */
	const char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* Is @pid aigate or a process it started (the supervisor, the sandbox's init)? */
static bool ours(pid_t pid)
{
	pid_t self = getpid();
	for (int depth = 0; pid > 1 && depth < 8; depth++) {
		if (pid == self)
			return true;
		pid = parent_of(pid);
	}
	return false;
}

/* Most pids read from one cgroup.procs at a time (killing repeats until none is left). */
#define PROCS_MAX 1024

/* The pids in @dir's cgroup.procs, at most PROCS_MAX, into @out; how many. */
static size_t read_procs(const char *dir, pid_t *out)
{
	char path[PATH_MAX + 32], line[32];
	size_t n = 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (n < PROCS_MAX && fgets(line, sizeof(line), f))
		if (atoi(line) > 0)
			out[n++] = (pid_t)atoi(line);
	fclose(f);
	return n;
}

/*
 * A process in @dir's cgroup.procs other than ours, or 0: enabling
 * controllers for children of a cgroup that holds processes is refused
 * (EBUSY: the "no internal processes" rule), and only ours can be moved out.
 */
static pid_t foreign_process(const char *dir)
{
	pid_t pids[PROCS_MAX];
	size_t n = read_procs(dir, pids);
	for (size_t i = 0; i < n; i++)
		if (!ours(pids[i]))
			return pids[i];
	return 0;
}

static bool holds_pid(const char *dir, pid_t want)
{
	pid_t pids[PROCS_MAX];
	size_t n = read_procs(dir, pids);
	for (size_t i = 0; i < n; i++)
		if (pids[i] == want)
			return true;
	return false;
}

static bool writable(const char *dir, const char *file)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, W_OK) == 0;
}

/* Our own cgroup in the hierarchy whose /proc/self/cgroup line starts with @prefix ("0::"). */
static bool own_cgroup(const char *prefix, char *out, size_t n)
{
	char line[PATH_MAX + 64];
	bool found = false;
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, prefix, strlen(prefix)) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = snprintf(out, n, "%s", line + strlen(prefix)) < (int)n;
	}
	fclose(f);
	return found;
}

/* Mount points of the cgroup2 hierarchy and of each controller's v1 hierarchy. */
static void find_mounts(char *v2, char v1[LIMITS_NKINDS][PATH_MAX])
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], type[64], opts[1024];
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL…] - TYPE SOURCE SUPEROPTS" */
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", type, opts) != 2)
			continue;
		if (strchr(mnt, '\\'))
			continue; /* an escaped (unusual) mount point: not ours to guess at */
		if (strcmp(type, "cgroup2") == 0 && !v2[0]) {
			snprintf(v2, PATH_MAX, "%s", mnt);
			continue;
		}
		if (strcmp(type, "cgroup") != 0)
			continue;
		char *save = NULL;
		for (char *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save))
			for (int k = 0; k < LIMITS_NKINDS; k++)
				if (strcmp(t, controller[k]) == 0 && !v1[k][0])
					snprintf(v1[k], PATH_MAX, "%s", mnt);
	}
	fclose(f);
}

/*
 * The cgroup v2 directory we may use: AIGATE_CGROUP, or our own cgroup.
 * Sets *@is_root when it is the hierarchy's root (no internal-process rule there).
 */
static bool v2_base(const char *mnt, char *out, bool *is_root)
{
	const char *env = getenv("AIGATE_CGROUP");
	char own[PATH_MAX];
	struct statfs sf;

	*is_root = false;
	if (env && *env) {
		/* Only a real cgroup2 directory: a typo must not become a plain mkdir somewhere. */
		if (env[0] != '/' || strlen(env) >= PATH_MAX - 64 || statfs(env, &sf) < 0 ||
		    sf.f_type != CGROUP2_SUPER_MAGIC)
			return false;
		snprintf(out, PATH_MAX, "%s", env);
		*is_root = mnt[0] && strcmp(env, mnt) == 0;
		return true;
	}
	if (!mnt[0] || !own_cgroup("0::", own, sizeof(own)) || own[0] != '/')
		return false;
	*is_root = strcmp(own, "/") == 0;
	if (snprintf(out, PATH_MAX, "%s%s", mnt, *is_root ? "" : own) >= PATH_MAX - 64)
		return false;
	return true;
}

/*
 * Are we uid 0 of the initial user namespace (the kernel's INIT_USER)? Not
 * just uid 0: inside a user namespace of an ordinary user (a container,
 * `unshare -r`), uid 0 is that user to the kernel, whose RLIMIT_NPROC
 * binds and who cannot write the host's cgroup v1 hierarchies. Only the
 * initial namespace (or one root made) maps every uid to itself.
 */
static bool init_root(void)
{
	char buf[256];
	unsigned long inner, outer, count;
	if (getuid() != 0 || limits_read_small("/proc/self/uid_map", buf, sizeof(buf)) <= 0)
		return false;
	return sscanf(buf, "%lu %lu %lu", &inner, &outer, &count) == 3 && inner == 0 &&
	       outer == 0 && count == 4294967295UL;
}

void limits_host_probe(bool own_userns, struct limits_host *ret, struct limits_cgroups *ret_cg)
{
	static struct limits_cgroups cg; /* 16 KiB: not on the stack */
	char v2mnt[PATH_MAX] = "";
	bool is_root = false;

	memset(ret, 0, sizeof(*ret));
	memset(&cg, 0, sizeof(cg));
	ret->root = init_root();
	ret->own_userns = own_userns;
	find_mounts(v2mnt, cg.v1_dir);

	for (int k = 0; k < LIMITS_NKINDS; k++) {
		if (!cg.v1_dir[k][0])
			continue;
		/* Mounted is enough for the fix to say "as root"; root also needs it writable. */
		if (!ret->root || access(cg.v1_dir[k], W_OK) == 0)
			ret->cgroup1 |= 1u << k;
		else
			cg.v1_dir[k][0] = '\0';
	}

	if (v2_base(v2mnt, cg.v2_base, &is_root) && access(cg.v2_base, W_OK) == 0 &&
	    writable(cg.v2_base, "cgroup.subtree_control") &&
	    writable(cg.v2_base, "cgroup.procs")) {
		unsigned avail = ctl_file_mask(cg.v2_base, "cgroup.controllers");
		unsigned enabled = ctl_file_mask(cg.v2_base, "cgroup.subtree_control");
		/*
		 * A controller not enabled yet can be, if every process in the
		 * cgroup is ours to move out first (aigate, its children).
		 */
		if (is_root || foreign_process(cg.v2_base) == 0)
			enabled |= avail;
		ret->cgroup2 = avail & enabled;
		cg.v2_self_inside = !is_root && holds_pid(cg.v2_base, getpid());
	}
	if (!ret->cgroup2)
		cg.v2_base[0] = '\0';
	if (ret_cg)
		*ret_cg = cg;
}

/* ---- per run ---- */

static int write_file(const char *dir, const char *file, const char *value, bool optional)
{
	char path[PATH_MAX + 64];
	int r = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
	} else {
		size_t n = strlen(value);
		ssize_t w = write(fd, value, n);
		if (w < 0)
			r = -errno;
		else if ((size_t)w != n)
			r = -EIO;
		close(fd);
	}
	if (r == -ENOENT && optional)
		return 0;
	if (r < 0)
		log_error("resource_limits: cannot write '%s' to %s: %s", value, path,
			  strerror(-r));
	return r;
}

static int write_num(const char *dir, const char *file, unsigned long long v, bool optional)
{
	char num[32];
	snprintf(num, sizeof(num), "%llu", v);
	return write_file(dir, file, num, optional);
}

static int make_dir(const char *path, bool may_exist)
{
	if (mkdir(path, 0755) == 0 || (may_exist && errno == EEXIST))
		return 0;
	int e = errno;
	log_error("resource_limits: cannot create the cgroup %s: %s", path, strerror(e));
	return -e;
}

/* The limits of @ctls into the cgroup @dir. */
static int write_limits(const struct limits *lim, const struct limits_cgdir *d)
{
	char cpu[64];
	unsigned long long quota = (unsigned long long)lim->max_cpu_percent * CPU_PERIOD_US / 100;
	int r = 0;

	if (d->ctls & LIMITS_CTL_MEMORY) {
		if (d->v2) {
			/*
			 * No swap beyond the limit (it would be a way around it,
			 * and slow); the whole cgroup is killed as one, so the
			 * sandbox stops rather than limping on without a process.
			 */
			if ((r = write_num(d->path, "memory.max", lim->max_memory, false)) < 0 ||
			    (r = write_num(d->path, "memory.swap.max", 0, true)) < 0 ||
			    (r = write_num(d->path, "memory.oom.group", 1, true)) < 0)
				return r;
		} else {
			/* memsw (RAM + swap) exists with swap accounting; set after the RAM limit. */
			if ((r = write_num(d->path, "memory.limit_in_bytes", lim->max_memory,
					   false)) < 0 ||
			    (r = write_num(d->path, "memory.memsw.limit_in_bytes", lim->max_memory,
					   true)) < 0)
				return r;
		}
	}
	if ((d->ctls & LIMITS_CTL_PIDS) &&
	    (r = write_num(d->path, "pids.max", lim->max_pids, false)) < 0)
		return r;
	if (d->ctls & LIMITS_CTL_CPU) {
		if (d->v2) {
			snprintf(cpu, sizeof(cpu), "%llu %llu", quota, CPU_PERIOD_US);
			r = write_file(d->path, "cpu.max", cpu, false);
		} else if ((r = write_num(d->path, "cpu.cfs_period_us", CPU_PERIOD_US, false)) ==
			   0) {
			r = write_num(d->path, "cpu.cfs_quota_us", quota, false);
		}
	}
	return r;
}

/* Move every process of ours in @base (aigate, the supervisor) into the leaf @leaf. */
static int v2_move_ours(const char *base, const char *leaf, pid_t init_pid, const char *sandbox)
{
	pid_t pids[PROCS_MAX];
	size_t n = read_procs(base, pids);
	int r;

	for (size_t i = 0; i < n; i++) {
		if (pids[i] == init_pid) {
			r = write_num(sandbox, "cgroup.procs", (unsigned long long)init_pid, false);
		} else if (ours(pids[i])) {
			r = write_num(leaf, "cgroup.procs", (unsigned long long)pids[i], false);
		} else {
			log_error("resource_limits: the cgroup %s holds process %d, which aigate "
				  "did not start: controllers cannot be enabled below a cgroup "
				  "that holds processes (cgroup v2's no-internal-processes "
				  "rule); start aigate in a cgroup of its own (systemd-run "
				  "--user --scope -p Delegate=yes) or point AIGATE_CGROUP at an "
				  "empty one",
				  base, (int)pids[i]);
			r = -EBUSY;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The v2 cgroup of the run, a child of the delegated one, with its controllers enabled. */
static int v2_create(const struct limits *lim, unsigned ctls, const char *id, pid_t init_pid,
		     struct limits_cgdir *d)
{
	const char *base = lim->cg.v2_base;
	char leaf[PATH_MAX];
	int r;

	d->v2 = true;
	d->ctls = ctls;
	if (snprintf(d->path, sizeof(d->path), "%s/aigate-%s", base, id) >= (int)sizeof(d->path))
		return -ENAMETOOLONG;
	if ((r = make_dir(d->path, false)) < 0) {
		d->path[0] = '\0';
		return r;
	}
	unsigned enabled = ctl_file_mask(base, "cgroup.subtree_control");
	if ((enabled & ctls) == ctls)
		return 0;
	/*
	 * Enabling a controller for the children of a cgroup that holds
	 * processes fails (except at the root): aigate, living in its own
	 * delegated cgroup, first moves itself (and its supervisor) into a
	 * leaf, which stays for the life of the delegated cgroup (a scope).
	 */
	if (lim->cg.v2_self_inside || holds_pid(base, init_pid)) {
		if (snprintf(leaf, sizeof(leaf), "%s/aigate-launcher", base) >= (int)sizeof(leaf))
			return -ENAMETOOLONG;
		if ((r = make_dir(leaf, true)) < 0 ||
		    (r = v2_move_ours(base, leaf, init_pid, d->path)) < 0)
			return r;
	}
	for (int k = 0; k < LIMITS_NKINDS; k++) {
		char op[32];
		if (!(ctls & (1u << k)) || (enabled & (1u << k)))
			continue;
		snprintf(op, sizeof(op), "+%s", controller[k]);
		if ((r = write_file(base, "cgroup.subtree_control", op, false)) < 0)
			return r;
	}
	return 0;
}

/* The v1 cgroup of the run in the hierarchy mounted at @mnt. */
static int v1_create(const char *mnt, unsigned ctls, const char *id, struct limits_cgdir *d)
{
	char parent[PATH_MAX];
	int r;

	d->v2 = false;
	d->ctls = ctls;
	if (snprintf(parent, sizeof(parent), "%s/aigate", mnt) >= (int)sizeof(parent) ||
	    snprintf(d->path, sizeof(d->path), "%s/%s", parent, id) >= (int)sizeof(d->path))
		return -ENAMETOOLONG;
	/* aigate/ groups the runs' cgroups (an administrator can limit them all there); it stays. */
	if ((r = make_dir(parent, true)) < 0 || (r = make_dir(d->path, false)) < 0) {
		d->path[0] = '\0';
		return r;
	}
	return 0;
}

int limits_cg_create(const struct limits *lim, pid_t init_pid, struct limits_cgrun *cg)
{
	char id[64];
	unsigned v2 = 0;
	int r = 0;

	memset(cg, 0, sizeof(*cg));
	/* Named after the audit session: an administrator can tell which run a cgroup is. */
	snprintf(id, sizeof(id), "%s", audit_session_id()[0] ? audit_session_id() : "run");
	snprintf(id + strlen(id), sizeof(id) - strlen(id), "-%d", (int)getpid());

	for (int k = 0; k < LIMITS_NKINDS; k++)
		if (lim->choice[k].mech == LIMITS_CGROUP2)
			v2 |= 1u << k;
	if (v2) {
		r = v2_create(lim, v2, id, init_pid, &cg->dir[cg->n]);
		if (cg->dir[cg->n].path[0])
			cg->n++;
		if (r < 0)
			goto fail;
	}
	for (int k = 0; k < LIMITS_NKINDS; k++) {
		if (lim->choice[k].mech != LIMITS_CGROUP1)
			continue;
		/* Controllers mounted together (cpu,cpuacct; or memory with pids) share one cgroup. */
		bool shared = false;
		for (size_t i = 0; i < cg->n && !shared; i++)
			if (!cg->dir[i].v2 &&
			    strncmp(cg->dir[i].path, lim->cg.v1_dir[k],
				    strlen(lim->cg.v1_dir[k])) == 0 &&
			    cg->dir[i].path[strlen(lim->cg.v1_dir[k])] == '/') {
				cg->dir[i].ctls |= 1u << k;
				shared = true;
			}
		if (shared)
			continue;
		r = v1_create(lim->cg.v1_dir[k], 1u << k, id, &cg->dir[cg->n]);
		if (cg->dir[cg->n].path[0])
			cg->n++;
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < cg->n; i++)
		if ((r = write_limits(lim, &cg->dir[i])) < 0)
			goto fail;
	/* Last: init joins once every limit is in place, before it is told to start CMD. */
	for (size_t i = 0; i < cg->n; i++)
		if (!holds_pid(cg->dir[i].path, init_pid) &&
		    (r = write_num(cg->dir[i].path, "cgroup.procs", (unsigned long long)init_pid,
				   false)) < 0)
			goto fail;
	return 0;
fail:
	/* init is in some of them: it must go before they can (the run is aborted anyway). */
	if (init_pid > 0) {
		siginfo_t si;
		kill(init_pid, SIGKILL);
		while (waitid(P_PID, (id_t)init_pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
	}
	limits_cg_remove(cg);
	return r;
}

const struct limits_cgdir *limits_cg_find(const struct limits_cgrun *cg, enum limits_kind kind)
{
	for (size_t i = 0; cg && i < cg->n; i++)
		if (cg->dir[i].ctls & (1u << kind))
			return &cg->dir[i];
	return NULL;
}

unsigned long limits_cg_counter(const struct limits_cgdir *dir, const char *file, const char *key)
{
	char path[PATH_MAX + 64], buf[2048];
	size_t klen = strlen(key);
	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir->path, file);
	if (limits_read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	for (char *line = buf; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return strtoul(line + klen + 1, NULL, 10);
	return 0;
}

/* SIGKILL every process listed in @dir's cgroup.procs. */
static void kill_listed(const char *dir)
{
	pid_t pids[PROCS_MAX];
	size_t n = read_procs(dir, pids);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
}

void limits_cg_remove(struct limits_cgrun *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		const char *dir = cg->dir[i].path;
		/*
		 * With a PID namespace nothing is left once init is reaped; without
		 * one (or on an error path) stragglers are killed here. v2's
		 * cgroup.kill (5.14+) kills atomically, forks included; v1 is
		 * killed by list, again until the cgroup can go (bounded: 2 s).
		 */
		if (cg->dir[i].v2)
			(void)write_file(dir, "cgroup.kill", "1", true);
		int tries = 0;
		while (rmdir(dir) < 0 && errno != ENOENT) {
			if ((errno != EBUSY && errno != ENOTEMPTY) || ++tries > 1000) {
				log_warn("resource_limits: cannot remove the cgroup %s: %s", dir,
					 strerror(errno));
				break;
			}
			kill_listed(dir);
			struct timespec ts = { 0, 2 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	cg->n = 0;
}
