/* SPDX-License-Identifier: MIT */
/* policy_memfd.h — hand the compiled policy to the sandbox's enforcers in a sealed memfd. */
#ifndef AIGATE_POLICY_MEMFD_H
#define AIGATE_POLICY_MEMFD_H

#include <stddef.h>

/**
 * policy_memfd_create() - copy @size bytes of @blob into a new memfd and seal
 * it against writes, resizing and further sealing, so nothing (not even
 * aigate) can change the rules after the enforcers mapped them. Returns the
 * fd (O_CLOEXEC) or -errno.
 */
int policy_memfd_create(const void *blob, size_t size);

struct policy;
struct policy_blob;

/**
 * policy_memfd_compile() - compile @p for @home and @root, seal it in a memfd
 * and map it back read-only into *@ret_blob exactly as the supervisor and the
 * shim will. Returns the memfd or -errno (errors are printed).
 */
int policy_memfd_compile(const struct policy *p, const char *home, const char *root,
			 struct policy_blob *ret_blob);
#endif
