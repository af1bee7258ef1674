/* SPDX-License-Identifier: MIT */
/*
 * shim_env.h — what CMD needs to load libaigate_shim.so (shim/shim_protocol.h):
 * the library found next to aigate, LD_PRELOAD and the AIGATE_SHIM_*
 * variables added to the plan's environment, and the descriptors CMD
 * inherits across exec.
 */
#ifndef AIGATE_SHIM_ENV_H
#define AIGATE_SHIM_ENV_H

#include <stddef.h>

#include "launcher/sandbox.h"

/**
 * shim_find() - the shim next to this aigate: DIR/libaigate_shim.so (the
 * build tree) or DIR/../lib/aigate/libaigate_shim.so (an install), DIR
 * being /proc/self/exe's directory. Returns 0 or -ENOENT.
 */
int shim_find(char *buf, size_t bufsz);

/**
 * shim_env_setup() - load the shim at @shim_path into CMD: LD_PRELOAD (the
 * shim first, then any the user had), AIGATE_SHIM_PATH, and the fds of the
 * sealed policy memfd, of the audit socket and of the DNS stub's answers
 * (@net_fd, -1: none), which CMD inherits. Returns 0 or -ENOMEM.
 */
int shim_env_setup(struct sbx_plan *plan, const char *shim_path, int policy_fd, int audit_fd,
		   int net_fd);

#endif
