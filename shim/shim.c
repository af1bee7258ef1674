/* SPDX-License-Identifier: MIT */
/*
 * shim.c — libaigate_shim.so, LD_PRELOADed by the launcher into every
 * dynamically linked program of the sandbox (docs/shim.md). It denies
 * early, with a message the agent can act on, and sends the audit trail the
 * argv as the program meant it; it is never the boundary: every rule it
 * enforces, the supervisor enforces again. The hooks: hooks_exec.c,
 * hooks_open.c, hooks_glibc.c.
 */
#include "shim/hooks.h"
#include "shim/resolve.h"
#include "shim/state.h"

/* Lets the launcher and the tests check which shim is loaded. */
SHIM_EXPORT const char aigate_shim_version[] = AIGATE_VERSION;

/*
 * Nothing depends on this constructor: hooks can run before it (another
 * library's constructor calling fopen: libselinux in find(1)) and resolve
 * what they need themselves. It only does the first-use work that cannot
 * wait, at a quiet moment: every symbol resolved, so that a later hook in
 * a vfork child or a signal handler never calls dlsym (it may take the
 * loader's lock), and the AIGATE_SHIM_* values read, the policy mapped and
 * the audit socket identified before the program can clear its environment
 * or close descriptors. Validating the policy waits for the first hook
 * that needs it (state.h): it only reads memory, and most processes
 * (`true`, `cat` of a pipe) never need it. Every process in the sandbox
 * pays for this function, so it stays small (docs/shim.md, "Cost").
 */
__attribute__((constructor)) static void shim_constructor(void)
{
	shim_resolve_all();
	shim_state_prepare();
}
