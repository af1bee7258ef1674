/* SPDX-License-Identifier: MIT */
/*
 * platform_linux.c — shim/platform.h for Linux and glibc. The only file of
 * the shim that may use dlsym flags, auxv, /proc or memfd seals.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010 /* Linux 5.1 */
#endif

#include "policy/blob.h"
#include "shim/platform.h"
#include "shim/shim_protocol.h"

/* The ELF header of the shim's own object (the linker defines it, hidden). */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

/*
 * The address range of the shim's own object: from its ELF header (where
 * it is mapped) to the end of its last PT_LOAD segment, read from the
 * program headers. No dladdr(): it walks every symbol of an object and
 * cost several microseconds of each process's start. Racing threads
 * compute the same range.
 */
static _Atomic(uintptr_t) self_lo, self_hi;

static void self_range(uintptr_t *lo, uintptr_t *hi)
{
	*lo = atomic_load_explicit(&self_lo, memory_order_acquire);
	*hi = atomic_load_explicit(&self_hi, memory_order_acquire);
	if (*hi)
		return;
	const ElfW(Ehdr) *eh = &__ehdr_start;
	const ElfW(Phdr) *ph = (const void *)((const char *)eh + eh->e_phoff);
	uintptr_t start = UINTPTR_MAX, end = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr < start)
			start = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > end)
			end = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (start != 0 || end == 0)
		return; /* a shared object's first segment starts at its header */
	*lo = (uintptr_t)eh;
	*hi = *lo + end;
	atomic_store_explicit(&self_lo, *lo, memory_order_release);
	atomic_store_explicit(&self_hi, *hi, memory_order_release);
}

void *shim_plat_next_symbol(const char *name)
{
	int saved = errno;
	void *sym = dlsym(RTLD_NEXT, name);
	uintptr_t lo, hi;

	/*
	 * RTLD_NEXT searches the objects loaded after ours, so it should never
	 * return our own hook; if it ever did (a loader quirk, the shim loaded
	 * in an unusual way), calling it from the hook would recurse until the
	 * stack ran out. Refuse any definition that lies in our own object.
	 * A second copy of the shim later in the list is harmless: its hooks
	 * look up their own next symbol, so the chain still ends in libc.
	 */
	if (sym) {
		self_range(&lo, &hi);
		if ((uintptr_t)sym >= lo && (uintptr_t)sym < hi)
			sym = NULL;
	}
	errno = saved;
	return sym;
}

bool shim_plat_secure(void)
{
	int saved = errno;
	bool secure = getauxval(AT_SECURE) != 0;
	errno = saved;
	return secure;
}

int shim_plat_fd_path(int fd, char *buf, size_t bufsz)
{
	/* "/proc/self/fd/" and at most 10 digits: built by hand, no snprintf. */
	char link[32] = "/proc/self/fd/";
	char digits[12];
	size_t nd = 0, len = 14;
	unsigned v = (unsigned)fd;
	int saved = errno, r;
	ssize_t n;

	if (fd < 0 || bufsz < 2)
		return -EBADF;
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (nd)
		link[len++] = digits[--nd];
	link[len] = '\0';
	n = readlink(link, buf, bufsz);
	if (n < 0) {
		r = -errno;
	} else if ((size_t)n >= bufsz) {
		r = -ENAMETOOLONG;
	} else if (n == 0 || buf[0] != '/') {
		r = -ENOENT; /* "socket:[123]", "anon_inode:…": no path to judge */
	} else {
		buf[n] = '\0';
		r = (int)n;
	}
	errno = saved;
	return r;
}

/*
 * Map @fd read-only, shared, when it carries every seal in @required and
 * its size is within [@min, @max]. 0 or -errno; errno preserved.
 */
static int map_sealed(int fd, int required, size_t min, size_t max, const void **ret_map,
		      size_t *ret_size)
{
	int saved = errno, seals, r = 0;
	struct stat st;
	void *map = MAP_FAILED;

	if (fd < 0)
		return -EBADF;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		r = -errno;
	else if ((seals & required) != required)
		r = -EPERM;
	else if (fstat(fd, &st) < 0)
		r = -errno;
	else if (st.st_size < 0 || (uint64_t)st.st_size < min || (uint64_t)st.st_size > max)
		r = -EBADMSG;
	else if ((map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)
		r = -errno;
	if (r == 0) {
		*ret_map = map;
		*ret_size = (size_t)st.st_size;
	}
	errno = saved;
	return r;
}

int shim_plat_map_policy(int fd, const void **ret_map, size_t *ret_size)
{
	/*
	 * policy_blob_map_fd()'s checks, without policy_blob_open(): see
	 * platform.h. Only a fully sealed memfd is trusted: without
	 * F_SEAL_WRITE whoever still holds a writable fd could change rules
	 * after they were validated; without SHRINK a truncation would turn
	 * reads into SIGBUS.
	 */
	return map_sealed(fd, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE, 1,
			  POLICY_BLOB_MAX, ret_map, ret_size);
}

int shim_plat_map_net(int fd, const void **ret_map)
{
	/*
	 * SHRINK: a truncation would turn the shim's reads into SIGBUS.
	 * FUTURE_WRITE: nothing inside may map it writable (only the
	 * supervisor, which mapped it before the seal, writes).
	 */
	const size_t size = sizeof(struct shim_net_table);
	const void *map;
	size_t got;
	int saved = errno;
	/* Mapped lazily, while other threads run: checked and mapped through one descriptor. */
	int dup = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0) {
		errno = saved;
		return -EBADF;
	}
	int r = map_sealed(dup, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE, size, size, &map,
			   &got);
	close(dup);
	errno = saved;
	if (r < 0)
		return r;
	if (((const struct shim_net_table *)map)->magic != SHIM_NET_MAGIC) {
		munmap((void *)map, size);
		errno = saved;
		return -EBADMSG;
	}
	*ret_map = map;
	return 0;
}

/* @ss (from getsockname) an IPv4 or IPv6 address outside loopback and unspecified? */
static bool local_outside(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		uint8_t first = ((const uint8_t *)&in->sin_addr)[0];
		return first != 127 && in->sin_addr.s_addr != 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		/* ::ffff:127.x is loopback too: judged by the supervisor either way, so "outside" errs safe. */
		return !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_UNSPECIFIED(a) &&
		       !(IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

int shim_plat_socket_kind(int fd, int *ret_type, int *ret_proto, bool *ret_outside)
{
	int saved = errno, r = 0;
	socklen_t l = sizeof(*ret_type);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, ret_type, &l) < 0)
		r = -errno;
	l = sizeof(*ret_proto);
	if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, ret_proto, &l) < 0)
		r = -errno;
	if (r == 0) {
		*ret_outside = getpeername(fd, (struct sockaddr *)&ss, &sl) == 0;
		sl = sizeof(ss);
		if (!*ret_outside && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			*ret_outside = local_outside(&ss);
	}
	errno = saved;
	return r;
}

bool shim_plat_readable(const void *p, size_t len)
{
	int saved = errno;
	uintptr_t page = getauxval(AT_PAGESZ) ? getauxval(AT_PAGESZ) : 4096;
	uintptr_t start = (uintptr_t)p & ~(page - 1);
	uintptr_t end = (uintptr_t)p + len;
	unsigned char vec[2];
	/* Callers ask for a few bytes (a socket address): at most two pages. */
	if (end < (uintptr_t)p || (end - start + page - 1) / page > sizeof(vec))
		return false;
	bool ok = mincore((void *)start, end - start, vec) == 0;
	errno = saved;
	return ok;
}

int shim_plat_audit_socket(int fd, unsigned long long *ret_dev, unsigned long long *ret_ino)
{
	int saved = errno, r = 0;
	struct stat st;

	if (fd < 0)
		return -EBADF;
	/*
	 * Only the identity here, at start (one fstat); that it is an
	 * AF_UNIX SOCK_SEQPACKET socket is checked at each send (two
	 * getsockopt), which only a denial pays for.
	 */
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISSOCK(st.st_mode))
		r = -ENOTSOCK;
	if (r == 0) {
		*ret_dev = (unsigned long long)st.st_dev;
		*ret_ino = (unsigned long long)st.st_ino;
	}
	errno = saved;
	return r;
}

ssize_t shim_plat_send(int fd, unsigned long long dev, unsigned long long ino, const void *buf,
		       size_t len)
{
	int saved = errno;
	int type = 0, domain = 0;
	socklen_t tlen = sizeof(type), dlen = sizeof(domain);
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino) {
		errno = saved;
		return -ESTALE;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) < 0 || type != SOCK_SEQPACKET ||
	    domain != AF_UNIX) {
		errno = saved;
		return -ENOTSOCK;
	}
	n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		n = -errno;
	errno = saved;
	return n;
}
