/* SPDX-License-Identifier: MIT */
/* sup_shim.h — the shim's audit records, read and checked by the supervisor (sup_shim.c). */
#ifndef AIGATE_SUP_SHIM_H
#define AIGATE_SUP_SHIM_H

struct sup;

/** sup_shim_start() - read @s->shim_fd on a thread of its own (nothing if -1). 0 or -errno. */
int sup_shim_start(const struct sup *s);

/** sup_shim_drain() - write what is still queued (the sandbox has ended). */
void sup_shim_drain(const struct sup *s);

#endif
