/* SPDX-License-Identifier: MIT */
/*
 * config_edit.h — change one top-level list of a policy file in place,
 * keeping the user's comments and layout. Edits hold an exclusive flock on
 * the config directory (two concurrent `aigate deny` calls lose no rule),
 * are validated by loading the result before anything is written, and land
 * with a temporary file + fsync + rename (permissions kept), so a crash or a
 * full disk never leaves a half-written policy.
 */
#ifndef AIGATE_CONFIG_EDIT_H
#define AIGATE_CONFIG_EDIT_H

#include <stddef.h>

#include "policy/policy.h"

enum config_edit_op {
	CONFIG_EDIT_ADD,    /* append the values that are not there yet */
	CONFIG_EDIT_REMOVE, /* remove the values that are there */
	CONFIG_EDIT_SET,    /* the list becomes exactly the values (may be empty: "[]") */
};

struct config_edit_result {
	size_t changed;	  /* values added or removed */
	size_t unchanged; /* values already present (ADD) or absent (REMOVE) */
	bool created;	  /* the file did not exist and was created from the default policy */
};

/**
 * config_edit_list() - apply @op with @values to the top-level list @field
 * of the policy file @path (shown to users as @display). The file is
 * created from the embedded default when missing, its directory with mode
 * 0700. Returns 0; -EINVAL with @diag filled when the current file or the
 * result does not load (nothing written); -errno for I/O failures (nothing
 * written, the old file intact).
 */
int config_edit_list(const char *path, const char *display, const char *field,
		     enum config_edit_op op, char *const *values, size_t nvalues,
		     struct config_edit_result *res, struct policy_diag *diag);

/**
 * config_write_atomic() - replace @path with @len bytes of @data through a
 * temporary file in the same directory, fsync and rename; the mode of the
 * existing file is kept (0600 for a new one). Returns 0 or -errno; on
 * failure the old file is untouched and no temporary file is left.
 */
int config_write_atomic(const char *path, const char *data, size_t len);

/** config_lock_dir() - create @dir (0700) if needed and take an exclusive flock on it. Returns the fd or -errno. */
int config_lock_dir(const char *dir);

#endif
