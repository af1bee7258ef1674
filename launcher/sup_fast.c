/* SPDX-License-Identifier: MIT */
/*
 * sup_fast.c — when the supervisor may answer CONTINUE.
 *
 * After CONTINUE the kernel reads the path (and argv) from the caller's
 * memory again and resolves it again (seccomp_unotify(2), "Design goals;
 * use of SECCOMP_USER_NOTIF_FLAG_CONTINUE"). A verdict on our own reading
 * is then worth something only if neither can differ. The slow path never
 * relies on that (it opens the file itself and passes the descriptor, or
 * re-judges an exec on the new image), but it costs two cross-CPU wake-ups
 * per call. This file decides, per call, whether both readings provably
 * agree:
 *
 * 1. Nobody else can write the caller's memory, descriptor table or
 *    working directory (sup_fast_sole): the caller is its thread group's
 *    only thread, its memory map is the one its own exec made (the kernel
 *    clears PF_FORKNOEXEC at exec: not a vfork child, nor a fork child
 *    whose origin we cannot tell from a vfork orphan's), and it has not
 *    started a vfork child since (every vfork-style clone is trapped and
 *    its caller remembered). With the filter's clone rules (no CLONE_VM,
 *    CLONE_FILES or CLONE_FS sharing outside a thread group but a vfork
 *    child) that leaves no other task that could use its map. A parent
 *    chain could not prove it: a vfork child's vfork child outlives a
 *    killed middle one while the top resumes, and a vfork parent that is
 *    killed writes its clear_child_tid word into the shared memory.
 *    A sharer can only be made by the caller itself, which is blocked, so
 *    a check made before we read its memory holds until the kernel reads it.
 * 2. The bytes we read are in pages only the caller's memory map can change
 *    (sup_fast_private): present, private and anonymous in
 *    /proc/PID/pagemap, or a private page of a file nothing in the sandbox
 *    can write. A MAP_SHARED page, or a private page of a writable file not
 *    yet copied, changes when another process writes the mapping or file.
 * 3. What the path leads to cannot change (sup_fast_stable): the resolved
 *    path involves no symlink but the cached, read-only ones, no "..", and
 *    lies in none of the sandbox's writable mounts (write roots, /tmp,
 *    /dev/shm) nor in /proc, /dev or /sys. Everything else is mounted
 *    read-only, recursively, and mount calls are denied: no rename, link,
 *    symlink or mount inside can change what any component names.
 *
 * Also out: any run in which a process has set up Linux native AIO
 * (io_setup): an O_DIRECT read completes into the caller's pages
 * asynchronously, a writer that is not a task.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "launcher/sup_fast.h"
#include "launcher/sup_internal.h"
#include "policy/util.h"

#define PAGE_SHIFT_4K  12
#define PM_PRESENT     (1ULL << 63)
#define PM_FILE_SHARED (1ULL << 61) /* a file page or shared anonymous memory */

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	int fd = (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
	return fd < 0 ? -errno : fd;
}

static atomic_bool aio_seen;

void sup_fast_aio_seen(void)
{
	atomic_store(&aio_seen, true);
}

/*
 * Per-task descriptors of /proc/TID/stat, kept open: two system calls fewer
 * per call. Safe across exit, PID reuse and exec: the descriptor belongs to
 * the task's PID (reads fail once no task has it; after an exec by another
 * thread the leader's PID names the exec'ing task, as /proc would). Not
 * so /proc/TID/pagemap: its descriptor keeps the memory map it was opened
 * on, and after an exec that map may live on in a vfork parent, so it is
 * opened afresh for every check. An exec notification drops the caller's
 * own descriptor. (It used to empty the whole cache: a shell then paid a
 * fresh open of its own stat, ~9 µs, for every command it started.)
 * Main thread only.
 */
#define TASK_CACHE 64
static struct {
	pid_t tid;
	int fd;
} tasks[TASK_CACHE];
static size_t next_task;

static void task_close(size_t i)
{
	if (tasks[i].fd > 0)
		close(tasks[i].fd);
	tasks[i].tid = 0;
	tasks[i].fd = 0;
}

void sup_fast_forget_task(pid_t tid)
{
	for (size_t i = 0; i < TASK_CACHE; i++)
		if (tasks[i].tid == tid)
			task_close(i);
}

/* The cached descriptor of /proc/@tid/stat, opened on first use (@fresh: again). */
static int stat_fd(pid_t tid, bool fresh)
{
	size_t i;
	for (i = 0; i < TASK_CACHE && tasks[i].tid != tid; i++)
		;
	if (i == TASK_CACHE) {
		i = next_task++ % TASK_CACHE;
		task_close(i);
		tasks[i].tid = tid;
	}
	if (fresh && tasks[i].fd > 0) {
		close(tasks[i].fd);
		tasks[i].fd = 0;
	}
	if (tasks[i].fd <= 0) {
		char path[48];
		snprintf(path, sizeof(path), "/proc/%d/stat", tid);
		int f = open(path, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			return -errno;
		tasks[i].fd = f;
	}
	return tasks[i].fd;
}

/* pread() of /proc/@tid/stat; once more on a fresh descriptor if the cached one is stale. */
static ssize_t stat_pread(pid_t tid, void *buf, size_t size)
{
	for (int fresh = 0; fresh < 2; fresh++) {
		int fd = stat_fd(tid, fresh);
		if (fd < 0)
			return -1;
		ssize_t n = pread(fd, buf, size, 0);
		if (n > 0)
			return n;
	}
	return -1;
}

/* Parse /proc/TID/stat: its thread count and its task flags (PF_*). */
static int read_stat(pid_t tid, long *threads, unsigned long *flags)
{
	char buf[1024];
	ssize_t n = stat_pread(tid, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* The name may hold spaces and parentheses: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* Fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime priority nice num_threads */
	long field[18];
	p++;
	for (int i = 0; i < 18; i++) {
		while (*p == ' ')
			p++;
		if (i == 0) {
			field[0] = *p;
			while (*p && *p != ' ')
				p++;
			continue;
		}
		char *end;
		field[i] = strtol(p, &end, 10);
		if (end == p)
			return -EIO;
		p = end;
	}
	*flags = (unsigned long)field[6];
	*threads = field[17];
	return 0;
}

bool sup_fast_enabled(const struct sup *s)
{
	return s->fast && !atomic_load(&aio_seen);
}

/*
 * Thread groups that started a vfork child (CLONE_VM|CLONE_VFORK, vfork):
 * their memory map may be shared with a child, or outlived by one. Kept
 * while the group lives (the same one after an exec only loses the fast
 * path). Full of live groups, or a caller we could not name: the fast path
 * is off for the rest of the run.
 */
#define VFORKERS      4096
#define VFORKER_SLOTS (2 * VFORKERS) /* open addressing, at most half full */

/*
 * A set of thread-group ids, looked up on every fast-path call: hashed,
 * not scanned (a long CI job leaves thousands of shells behind). Main
 * thread only, as the fast path.
 */
static pid_t vforker_slots[VFORKER_SLOTS]; /* 0: empty */
static size_t nvforkers;
static atomic_bool vforkers_full;

static size_t vforker_slot(pid_t tgid)
{
	size_t i = ((size_t)(uint32_t)tgid * 2654435761u) % VFORKER_SLOTS;
	while (vforker_slots[i] && vforker_slots[i] != tgid)
		i = (i + 1) % VFORKER_SLOTS;
	return i;
}

/*
 * Forget groups that have died: a map is shared only by live tasks, and a
 * later process given the same PID has a map of its own exec (or fails
 * the PF_FORKNOEXEC test). A PID reused before we look is kept: slower,
 * never wrong.
 */
static void prune_vforkers(void)
{
	static pid_t live[VFORKERS];
	size_t n = 0;
	char path[32];
	for (size_t i = 0; i < VFORKER_SLOTS; i++) {
		pid_t t = vforker_slots[i];
		if (!t)
			continue;
		snprintf(path, sizeof(path), "/proc/%d", t);
		if (access(path, F_OK) == 0 || errno != ENOENT)
			live[n++] = t;
	}
	memset(vforker_slots, 0, sizeof(vforker_slots));
	for (size_t i = 0; i < n; i++)
		vforker_slots[vforker_slot(live[i])] = live[i];
	nvforkers = n;
}

void sup_fast_vfork_seen(pid_t tgid)
{
	if (tgid <= 0) {
		atomic_store(&vforkers_full, true); /* unknown: off for the run */
		return;
	}
	if (vforker_slots[vforker_slot(tgid)] == tgid)
		return;
	if (nvforkers == VFORKERS)
		prune_vforkers();
	if (nvforkers == VFORKERS) {
		atomic_store(&vforkers_full, true);
		return;
	}
	vforker_slots[vforker_slot(tgid)] = tgid;
	nvforkers++;
}

static bool vforked(pid_t tgid)
{
	return vforker_slots[vforker_slot(tgid)] == tgid;
}

pid_t sup_fast_group(pid_t tid)
{
	long threads;
	unsigned long flags;
	/* One thread: the caller is its group's leader (see sup_fast_sole). */
	if (read_stat(tid, &threads, &flags) < 0 || threads != 1)
		return 0;
	return tid;
}

#define PF_FORKNOEXEC_FLAG 0x00000040UL /* include/linux/sched.h: forked but did not exec */

bool sup_fast_sole(const struct sup_req *r)
{
	long threads;
	unsigned long flags;
	if (!sup_fast_enabled(r->s) || atomic_load(&vforkers_full) ||
	    read_stat(r->tid, &threads, &flags) < 0)
		return false;
	/*
	 * Another thread of the group could rewrite the path, swap the dirfd
	 * or chdir. One thread is the leader alone (an exited leader still
	 * counts while its group lives): so the caller is its group (tid == tgid).
	 */
	if (threads != 1)
		return false;
	/* Not exec'd since its fork: perhaps a vfork child (or an orphaned one). */
	if (flags & PF_FORKNOEXEC_FLAG)
		return false;
	/* It started a vfork child: the child, or one it left behind, may share the map. */
	return !vforked(r->tid);
}

/* ---- pages ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * PROCMAP_QUERY (Linux 6.11; not in every uapi header yet): the mapping
 * that covers an address, and the file behind it, by an ioctl on
 * /proc/PID/maps.
 */
#ifndef PROCMAP_QUERY
struct procmap_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#endif
#define PROCMAP_VMA_SHARED 0x08

/*
 * A private file page that has not been copied shows the page cache, so
 * it changes when the file is written. It is as stable as anonymous memory
 * when nothing in the sandbox can write that file: not the sandbox user's
 * (no chmod), no write bit for group or others (with an ACL the group bits
 * are its mask, which caps every named entry), and the sandbox holds no
 * capabilities. That covers what programs pass as literals: ld.so's
 * "/etc/ld.so.cache", libc's "sh" and "-c". @maps: the caller's
 * /proc/TID/maps, opened for this check. Sets *@vma_end.
 */
static bool file_page_stable(const struct sup *s, int maps, uint64_t addr, uint64_t *vma_end)
{
	char name[PATH_MAX] = "";
	struct procmap_query q = { .size = sizeof(q),
				   .query_addr = addr,
				   .vma_name_size = sizeof(name),
				   .vma_name_addr = (uintptr_t)name };
	if (maps < 0 || ioctl(maps, PROCMAP_QUERY, &q) < 0 || addr < q.vma_start)
		return false;
	*vma_end = q.vma_end;
	/* Shared: another mapping (or the file) writes it in place. */
	if ((q.vma_flags & PROCMAP_VMA_SHARED) || q.inode == 0 || name[0] != '/')
		return false;
	/* The name as the sandbox sees it; it must still be that very file. */
	struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int fd = sys_openat2(s->rootfd, name, &how);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return false; /* " (deleted)", a memfd, renamed: not judged, refused */
	return S_ISREG(st.st_mode) && st.st_ino == q.inode &&
	       st.st_dev == makedev(q.dev_major, q.dev_minor) && st.st_uid != s->uid &&
	       !(st.st_mode & 022);
}

bool sup_fast_private(const struct sup *s, pid_t tid, const struct sup_span *spans, size_t n)
{
	uint64_t pages[SUP_FAST_MAX_PAGES];
	size_t np = 0;
	/* pagemap has one entry per page of the running kernel's size (16K, 64K on some arm64). */
	static unsigned shift;
	if (shift == 0) {
		long size = sysconf(_SC_PAGESIZE);
		shift = (unsigned)__builtin_ctzl(size > 0 ? (unsigned long)size : 4096UL);
	}
	for (size_t i = 0; i < n; i++) {
		if (spans[i].len == 0)
			continue;
		uint64_t first = spans[i].addr >> shift;
		uint64_t last = (spans[i].addr + spans[i].len - 1) >> shift;
		if (last < first)
			return false;
		for (uint64_t p = first; p <= last; p++) {
			if (np == SUP_FAST_MAX_PAGES)
				return false;
			pages[np++] = p;
		}
	}
	if (np == 0)
		return true;
	qsort(pages, np, sizeof(pages[0]), cmp_u64);

	char path[48];
	snprintf(path, sizeof(path), "/proc/%d/pagemap", tid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	_cleanup_close_ int maps = -1; /* opened for the first file page */
	uint64_t stable_end = 0;       /* file pages below this address: checked */
	uint64_t ent[64];
	for (size_t i = 0; i < np;) {
		/* One read per run of consecutive pages. */
		size_t run = 1;
		while (i + run < np && run < ARRAY_SIZE(ent) && pages[i + run] <= pages[i] + run)
			run++;
		uint64_t span = pages[i + run - 1] - pages[i] + 1;
		ssize_t want = (ssize_t)(span * sizeof(uint64_t));
		if (pread(fd, ent, (size_t)want, (off_t)(pages[i] * sizeof(uint64_t))) != want)
			return false;
		for (uint64_t k = 0; k < span; k++) {
			uint64_t addr = (pages[i] + k) << shift;
			if (!(ent[k] & PM_PRESENT))
				return false;
			if (!(ent[k] & PM_FILE_SHARED) || addr < stable_end)
				continue;
			if (maps < 0) {
				snprintf(path, sizeof(path), "/proc/%d/maps", tid);
				maps = open(path, O_RDONLY | O_CLOEXEC);
			}
			if (!file_page_stable(s, maps, addr, &stable_end))
				return false;
		}
		i += run;
	}
	return true;
}

/* ---- paths ---- */

static bool below_or_same(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

bool sup_fast_stable(const struct sup *s, const char *path)
{
	static const char *const live[] = { "/proc", "/dev", "/sys" };
	if (path[0] != '/')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(live); i++)
		if (below_or_same(path, live[i]))
			return false;
	/*
	 * Nothing below a writable mount of the plan, read-only ones inside
	 * them included: the plan's mounts are what was asked for, and a later
	 * bind of a parent directory can cover one below it (a copy of the
	 * host's tree, taken before), so a read-only mount inside a writable
	 * one is not trusted to be there. Everything else is the root's
	 * read-only tree.
	 */
	for (size_t i = 0; i < s->nmounts; i++)
		if (s->mounts[i].writable && below_or_same(path, s->mounts[i].path))
			return false;
	return true;
}

/*
 * Lexical normal form of an absolute path: "//" and "." dropped, no
 * trailing slash. Refuses ".." (its meaning depends on symlinks before it)
 * and a trailing slash (it demands a directory). Returns the length or -1.
 */
static int normalise(const char *in, char *out, size_t size)
{
	size_t o = 0;
	const char *p = in;
	if (*p != '/')
		return -1;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		if (len == 1 && p[0] == '.') {
			p += 1;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (o + 1 + len + 1 > size)
			return -1;
		out[o++] = '/';
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	size_t inlen = strlen(in);
	/* A trailing "/" or "/." demands (and follows into) a directory: not ours to model. */
	if (inlen > 1 && (in[inlen - 1] == '/' || (in[inlen - 1] == '.' && in[inlen - 2] == '/')))
		return -1;
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return (int)o;
}

bool sup_fast_relative_ok(const char *path)
{
	/* No "..": climbing may leave the stable tree and comes back as a join. */
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += len;
		while (*p == '/')
			p++;
	}
	size_t n = strlen(path);
	return n > 0 && path[n - 1] != '/';
}

/*
 * Symlinks met on stable paths (/lib -> usr/lib on a merged /usr, a
 * library's soname link): a symlink in a read-only directory cannot change
 * from inside, so its target, made absolute, is remembered for the run.
 */
#define LINK_CACHE   128
#define LINK_MAX_LEN 512
static struct {
	char *link, *target;
} links[LINK_CACHE];
static size_t nlinks, next_slot;

/*
 * Replace the longest cached symlink prefix of @path; true when one
 * applied. @whole: the last component may be replaced too (the open
 * follows a final symlink; O_NOFOLLOW does not).
 */
static bool apply_links(char *path, size_t size, bool whole)
{
	size_t best = SIZE_MAX, bestlen = 0;
	for (size_t i = 0; i < nlinks; i++) {
		size_t l = strlen(links[i].link);
		if (l > bestlen && strncmp(path, links[i].link, l) == 0 &&
		    (path[l] == '/' || (whole && path[l] == 0)))
			best = i, bestlen = l;
	}
	if (best == SIZE_MAX)
		return false;
	char tmp[PATH_MAX];
	const char *t = links[best].target;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s", strcmp(t, "/") ? t : "", path + bestlen) >=
	    sizeof(tmp))
		return false;
	if (tmp[0] == 0)
		snprintf(tmp, sizeof(tmp), "/");
	snprintf(path, size, "%s", tmp);
	return true;
}

/*
 * @path (normal form) met a symlink: find the first one, and remember it
 * if its directory is stable. true when a link was learnt.
 */
static bool learn_link(const struct sup *s, const char *path)
{
	char prefix[PATH_MAX], target[PATH_MAX], joined[PATH_MAX * 2], norm[PATH_MAX];
	size_t n = strlen(path);
	struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	for (size_t end = 1; end <= n; end++) {
		if (end < n && path[end] != '/')
			continue;
		memcpy(prefix, path, end);
		prefix[end] = 0;
		_cleanup_close_ int fd = sys_openat2(s->rootfd, prefix, &how);
		if (fd < 0)
			return false;
		struct stat st;
		if (fstat(fd, &st) < 0)
			return false;
		if (!S_ISLNK(st.st_mode))
			continue;
		/* The directory holding it must be one nothing inside can change. */
		char *slash = strrchr(prefix, '/');
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - prefix), prefix);
		if (dir[0] == 0)
			snprintf(dir, sizeof(dir), "/");
		if (!sup_fast_stable(s, dir))
			return false;
		ssize_t l = readlinkat(fd, "", target, sizeof(target) - 1);
		if (l <= 0)
			return false;
		target[l] = 0;
		if (target[0] == '/')
			snprintf(joined, sizeof(joined), "%s", target);
		else
			snprintf(joined, sizeof(joined), "%s/%s", strcmp(dir, "/") ? dir : "",
				 target);
		/* ".." in a target is resolved against a symlink-free directory: lexical is exact. */
		char *out = norm;
		size_t o = 0;
		for (const char *p = joined; *p;) {
			while (*p == '/')
				p++;
			size_t len = strcspn(p, "/");
			if (len == 0)
				break;
			if (len == 1 && p[0] == '.') {
				p += len;
				continue;
			}
			if (len == 2 && p[0] == '.' && p[1] == '.') {
				while (o > 0 && out[o - 1] != '/')
					o--;
				if (o > 0)
					o--;
				p += len;
				continue;
			}
			if (o + 1 + len + 1 > sizeof(norm))
				return false;
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
			p += len;
		}
		if (o == 0)
			out[o++] = '/';
		out[o] = 0;
		if (strlen(prefix) >= LINK_MAX_LEN || o >= LINK_MAX_LEN)
			return false;
		char *a = strdup(prefix), *b = strdup(norm);
		if (!a || !b) {
			free(a);
			free(b);
			return false;
		}
		size_t slot = nlinks < LINK_CACHE ? nlinks++ : (next_slot++ % LINK_CACHE);
		free(links[slot].link);
		free(links[slot].target);
		links[slot].link = a;
		links[slot].target = b;
		return true;
	}
	return false;
}

int sup_fast_resolve(const struct sup *s, const char *path, uint64_t probe_flags, char *out,
		     size_t size)
{
	if (normalise(path, out, size) < 0)
		return -EINVAL;
	struct open_how how = { .flags = O_PATH | O_CLOEXEC | probe_flags,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	/* Bounded: a loop of links ends here as "not for the fast path". */
	for (int round = 0; round < 8; round++) {
		/* Known links first: following one is what the kernel will do. */
		for (int i = 0; i < 8 && apply_links(out, size, !(probe_flags & O_NOFOLLOW)); i++)
			;
		if (!sup_fast_stable(s, out))
			return -EINVAL;
		int fd = sys_openat2(s->rootfd, out, &how);
		if (fd != -ELOOP)
			return fd;
		if (!learn_link(s, out))
			return -EINVAL;
	}
	return -EINVAL;
}
