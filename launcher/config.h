/* SPDX-License-Identifier: MIT */
/*
 * config.h — where the policy files are and how the effective policy is
 * loaded: the global ~/.aigate/config.yaml ($AIGATE_HOME overrides
 * ~/.aigate), or the embedded default when it does not exist, merged with
 * the project's .aigate.yaml (in the working directory or its git top
 * level). Diagnostics are printed here, once.
 */
#ifndef AIGATE_CONFIG_H
#define AIGATE_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "policy/policy.h"

struct config_paths {
	char home[PATH_MAX];	       /* the user's home directory */
	char dir[PATH_MAX];	       /* ~/.aigate or $AIGATE_HOME */
	char global[PATH_MAX];	       /* dir/config.yaml */
	char global_display[PATH_MAX]; /* "~/.aigate/config.yaml" */
	char cwd[PATH_MAX];
	char root[PATH_MAX];	/* project root: git top level, else cwd */
	char project[PATH_MAX]; /* .aigate.yaml if one exists, else "" */
	char project_display[PATH_MAX];
	bool global_exists;
};

#define CONFIG_DEFAULT_DISPLAY "(built-in default)"

/** config_paths_init() - resolve every path. Returns 0 or -errno (no home, no cwd). */
int config_paths_init(struct config_paths *ret);

/** config_display_path() - @path with the home directory shortened to "~". */
void config_display_path(const struct config_paths *cp, const char *path, char *buf, size_t bufsz);

/**
 * config_read_file() - read a whole policy file (at most POLICY_MAX_FILE_SIZE
 * bytes) into a malloc'd, NUL-terminated buffer. Returns 0, -ENOENT, -EFBIG,
 * -errno.
 */
int config_read_file(const char *path, char **ret_buf, size_t *ret_len);

/**
 * config_load_effective() - load global (or default) plus project policy,
 * print every error and merge warning, and return the effective policy.
 * Returns 0, or -EINVAL for a configuration error (already printed),
 * -errno otherwise (already printed).
 */
int config_load_effective(const struct config_paths *cp, struct policy **ret);

/**
 * config_load_one() - load one file (or the default text when @path is
 * NULL) into a new policy, printing the diagnostic on error.
 */
int config_load_one(const char *path, const char *display, struct policy **ret);

#endif
