/* SPDX-License-Identifier: MIT */
/*
 * shim.c — libaigate_shim.so, LD_PRELOADed into dynamic programs in the
 * sandbox. This build ships the library with its export discipline in
 * place (version script, hidden visibility, -z now) but no hooks yet: the
 * shim is advisory, the kernel side is the boundary, and both arrive in
 * their own issues. It must stay harmless to load into any program.
 */
#define SHIM_EXPORT __attribute__((visibility("default")))

/* Lets the launcher and the tests check which shim is loaded. */
SHIM_EXPORT const char aigate_shim_version[] = AIGATE_VERSION;
