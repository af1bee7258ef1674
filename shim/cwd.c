/* SPDX-License-Identifier: MIT */
/* cwd.c — see cwd.h. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "policy/pathmatch.h"
#include "shim/cwd.h"

/*
 * cwd_gen counts the changes the hooks saw; the cache holds the directory
 * read while cwd_gen had the value cwd_for. A seqlock guards the bytes:
 * cwd_seq is odd while the one writer (whoever wins cwd_writing) copies,
 * and a reader that sees it odd or changed uses getcwd() instead. Nobody
 * waits: a signal handler that interrupts the writer just misses the
 * cache. A fork child of a writer in another thread finds the flag taken
 * and the count odd for good: it stays correct, only uncached.
 */
static _Atomic unsigned cwd_gen;
static _Atomic unsigned cwd_seq;
static _Atomic bool cwd_writing;
static _Atomic unsigned cwd_for;
static _Atomic size_t cwd_len; /* 0: nothing cached */
static char cwd_buf[PATHMATCH_PATH_MAX];

void shim_cwd_changed(void)
{
	atomic_fetch_add_explicit(&cwd_gen, 1, memory_order_acq_rel);
}

static bool cached(char *buf, size_t bufsz)
{
	unsigned seq = atomic_load_explicit(&cwd_seq, memory_order_acquire);
	size_t len;

	if (seq & 1)
		return false;
	len = atomic_load_explicit(&cwd_len, memory_order_relaxed);
	if (len == 0 || len >= bufsz ||
	    atomic_load_explicit(&cwd_for, memory_order_relaxed) !=
		    atomic_load_explicit(&cwd_gen, memory_order_acquire))
		return false;
	memcpy(buf, cwd_buf, len);
	buf[len] = '\0';
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&cwd_seq, memory_order_relaxed) == seq;
}

static void fill(const char *dir, unsigned gen)
{
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(cwd_buf) ||
	    atomic_exchange_explicit(&cwd_writing, true, memory_order_acquire))
		return;
	atomic_fetch_add_explicit(&cwd_seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	memcpy(cwd_buf, dir, len);
	atomic_store_explicit(&cwd_len, len, memory_order_relaxed);
	atomic_store_explicit(&cwd_for, gen, memory_order_relaxed);
	atomic_fetch_add_explicit(&cwd_seq, 1, memory_order_release);
	atomic_store_explicit(&cwd_writing, false, memory_order_release);
}

int shim_cwd_get(char *buf, size_t bufsz, bool fresh)
{
	int saved = errno;
	unsigned gen;

	if (!fresh && cached(buf, bufsz))
		return 1;
	/*
	 * The count before the system call: a chdir that lands while getcwd
	 * runs bumps it after, so what is stored here is already stale.
	 */
	gen = atomic_load_explicit(&cwd_gen, memory_order_acquire);
	if (!getcwd(buf, bufsz) || buf[0] != '/') {
		errno = saved;
		return -1;
	}
	fill(buf, gen);
	errno = saved;
	return 0;
}
