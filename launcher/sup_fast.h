/* SPDX-License-Identifier: MIT */
/*
 * sup_fast.h — the conditions under which the supervisor may let the
 * kernel run a trapped call itself (CONTINUE) after judging it: nothing
 * the verdict was made on can differ when the kernel reads it again.
 * See sup_fast.c for why each condition is needed.
 */
#ifndef AIGATE_SUP_FAST_H
#define AIGATE_SUP_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sup;
struct sup_req;

/* A range of the caller's memory the verdict was made on. */
struct sup_span {
	uint64_t addr;
	size_t len;
};

/* Most pages one verdict may rest on (more: the slow path). */
#define SUP_FAST_MAX_PAGES 256

/** sup_fast_enabled() - the run allows the fast path (no native AIO seen). */
bool sup_fast_enabled(const struct sup *s);

/** sup_fast_aio_seen() - a process set up native AIO: the fast path is off from now on. */
void sup_fast_aio_seen(void);

/** sup_fast_vfork_seen() - thread group @tgid is starting a vfork child: no fast path for it any more. */
void sup_fast_vfork_seen(pid_t tgid);

/** sup_fast_forget_task() - @tid is about to exec: close its cached /proc/TID/stat descriptor. */
void sup_fast_forget_task(pid_t tid);

/**
 * sup_fast_group() - the thread group of @tid when it is its group's only
 * thread (then @tid itself, from the cached /proc/TID/stat); 0 otherwise
 * or when it cannot be read. Main thread only.
 */
pid_t sup_fast_group(pid_t tid);

/**
 * sup_fast_sole() - no task but @r's caller can write its memory, its
 * descriptor table or its working directory. Call it before reading the
 * caller's memory: it stays true while the caller is blocked.
 */
bool sup_fast_sole(const struct sup_req *r);

/**
 * sup_fast_private() - every page under @spans is present and can change
 * only through the caller's own memory map: private and anonymous, or a
 * private, uncopied page of a file nothing in the sandbox can write.
 */
bool sup_fast_private(const struct sup *s, pid_t tid, const struct sup_span *spans, size_t n);

/** sup_fast_stable() - nothing inside the sandbox can change what @path (absolute, resolved) names. */
bool sup_fast_stable(const struct sup *s, const char *path);

/** sup_fast_relative_ok() - a relative path the fast path can take (no "..", no trailing "/"). */
bool sup_fast_relative_ok(const char *path);

/**
 * sup_fast_resolve() - absolute @path, resolved without following any
 * symlink but the remembered read-only ones, into @out (its resolved
 * path). Returns an O_PATH fd (with @probe_flags: O_DIRECTORY, O_NOFOLLOW), -EINVAL
 * when the path is not for the fast path, or the open's -errno. Main
 * thread only (the link cache is not locked).
 */
int sup_fast_resolve(const struct sup *s, const char *path, uint64_t probe_flags, char *out,
		     size_t size);

#endif
