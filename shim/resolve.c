/* SPDX-License-Identifier: MIT */
/* resolve.c — see resolve.h. */
#include <stdatomic.h>
#include <stddef.h>

#include "shim/platform.h"
#include "shim/resolve.h"

static const char *const shim_sym_names[SHIM_NSYMS] = {
	[SHIM_SYM_EXECVE] = "execve",
	[SHIM_SYM_EXECVPE] = "execvpe",
	[SHIM_SYM_EXECVEAT] = "execveat",
	[SHIM_SYM_FEXECVE] = "fexecve",
	[SHIM_SYM_POSIX_SPAWN] = "posix_spawn",
	[SHIM_SYM_POSIX_SPAWNP] = "posix_spawnp",
	[SHIM_SYM_SYSTEM] = "system",
	[SHIM_SYM_POPEN] = "popen",
	[SHIM_SYM_OPEN] = "open",
	[SHIM_SYM_OPEN64] = "open64",
	[SHIM_SYM_OPENAT] = "openat",
	[SHIM_SYM_OPENAT64] = "openat64",
	[SHIM_SYM_CREAT] = "creat",
	[SHIM_SYM_CREAT64] = "creat64",
	[SHIM_SYM_OPEN_2] = "__open_2",
	[SHIM_SYM_OPEN64_2] = "__open64_2",
	[SHIM_SYM_OPENAT_2] = "__openat_2",
	[SHIM_SYM_OPENAT64_2] = "__openat64_2",
	[SHIM_SYM_FOPEN] = "fopen",
	[SHIM_SYM_FOPEN64] = "fopen64",
	[SHIM_SYM_FREOPEN] = "freopen",
	[SHIM_SYM_FREOPEN64] = "freopen64",
	[SHIM_SYM_CHDIR] = "chdir",
	[SHIM_SYM_FCHDIR] = "fchdir",
	[SHIM_SYM_CONNECT] = "connect",
};

/* A lookup that found nothing: remembered, so it is not repeated. */
static const char shim_sym_missing;
#define SHIM_MISSING ((void *)&shim_sym_missing)

static _Atomic(void *) shim_syms[SHIM_NSYMS];

void *shim_real(enum shim_sym id)
{
	void *p;

	if ((unsigned)id >= SHIM_NSYMS)
		return NULL;
	p = atomic_load_explicit(&shim_syms[id], memory_order_acquire);
	if (!p) {
		/* Racing threads store the same answer: no lock needed. */
		p = shim_plat_next_symbol(shim_sym_names[id]);
		if (!p)
			p = SHIM_MISSING;
		atomic_store_explicit(&shim_syms[id], p, memory_order_release);
	}
	return p == SHIM_MISSING ? NULL : p;
}

void shim_resolve_all(void)
{
	for (unsigned i = 0; i < SHIM_NSYMS; i++)
		(void)shim_real((enum shim_sym)i);
}
