/* SPDX-License-Identifier: MIT */
/*
 * rc_files.h — the files below the user's home that the host's shells and
 * git read and run later: the sandbox must never write them (an alias or
 * a hook planted there runs outside the sandbox). One list for the Linux
 * plan (sandbox_protect.c) and the Seatbelt profile (seatbelt.c).
 */
#ifndef AIGATE_RC_FILES_H
#define AIGATE_RC_FILES_H

#include <stddef.h>

/* Paths relative to the home directory. */
extern const char *const rc_files[];
extern const size_t rc_files_n;

#endif
