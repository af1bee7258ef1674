/* SPDX-License-Identifier: MIT */
/*
 * platform_linux.c — shim/platform.h for Linux and glibc. The only file of
 * the shim that may use dlsym flags, auxv, /proc or memfd seals.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/blob.h"
#include "shim/platform.h"

/* Any function of ours: dladdr() on it names the shim's own object. */
static void shim_plat_anchor(void)
{
}

/*
 * The address range of the shim's own object, found once: dladdr() walks
 * every symbol of an object (about 12 µs here), too slow to call per
 * lookup, so it is called once for the base and the end comes from the
 * ELF program headers mapped there. Racing threads compute the same range.
 */
static _Atomic(uintptr_t) self_lo, self_hi;

static void self_range(uintptr_t *lo, uintptr_t *hi)
{
	Dl_info self;

	*lo = atomic_load_explicit(&self_lo, memory_order_acquire);
	*hi = atomic_load_explicit(&self_hi, memory_order_acquire);
	if (*hi)
		return;
	if (!dladdr((void *)(uintptr_t)shim_plat_anchor, &self) || !self.dli_fbase)
		return;
	const ElfW(Ehdr) *eh = self.dli_fbase;
	const ElfW(Phdr) *ph = (const void *)((const char *)self.dli_fbase + eh->e_phoff);
	uintptr_t end = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr + ph[i].p_memsz > end)
			end = ph[i].p_vaddr + ph[i].p_memsz;
	*lo = (uintptr_t)self.dli_fbase;
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

int shim_plat_map_policy(int fd, struct policy_blob *ret)
{
	int saved = errno;
	int r = policy_blob_map_fd(fd, ret);
	errno = saved;
	return r;
}

int shim_plat_audit_socket(int fd, unsigned long long *ret_dev, unsigned long long *ret_ino)
{
	int saved = errno, type = 0, domain = 0, r = 0;
	socklen_t len = sizeof(type), dlen = sizeof(domain);
	struct stat st;

	if (fd < 0)
		return -EBADF;
	if (fstat(fd, &st) < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) < 0)
		r = -errno;
	else if (!S_ISSOCK(st.st_mode) || type != SOCK_SEQPACKET || domain != AF_UNIX)
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
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino) {
		errno = saved;
		return -ESTALE;
	}
	n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		n = -errno;
	errno = saved;
	return n;
}
