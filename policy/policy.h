/* SPDX-License-Identifier: MIT */
/*
 * policy.h — the validated policy model: loading YAML into it, merging the
 * project file into the global one, and the limits on everything YAML
 * controls. The compiled, immutable form lives in blob.h.
 *
 * Library rules (crun / systemd style): functions return 0 or -errno, write
 * out-parameters only on success, never print and never exit. Errors carry
 * file:line:col in a struct policy_diag; merge warnings go to a
 * struct policy_diags the caller prints.
 */
#ifndef AIGATE_POLICY_H
#define AIGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Limits on everything the YAML controls (STYLE.md rule 8) ---- */
#define POLICY_MAX_FILE_SIZE	 (1u << 20) /* bytes of YAML per file */
#define POLICY_MAX_RULES	 4096	    /* entries in one list */
#define POLICY_MAX_STRING	 4096	    /* bytes in one scalar */
#define POLICY_MAX_MASK_PATTERNS 256
#define POLICY_MAX_SHOW_PREFIX	 64	/* bytes of a secret a mask may keep */
#define POLICY_MAX_NODES	 100000 /* YAML nodes walked per document */
#define POLICY_MAX_DEPTH	 16	/* YAML nesting */
#define POLICY_MAX_FILES	 4	/* files a policy is merged from */
#define POLICY_MAX_WARNINGS	 64

/* mask_stdout.delay_ms: how long output may wait while it could still start a secret. */
#define POLICY_MASK_DELAY_MS_DEFAULT 30
#define POLICY_MASK_DELAY_MS_MAX     1000

/* Where a value came from. file indexes policy.files; line/col are 1-based, 0 when synthesised. */
struct policy_origin {
	uint32_t file;
	uint32_t line;
	uint32_t col;
};

/* A diagnostic: "file:line:col: message". */
struct policy_diag {
	char file[512];
	uint32_t line;
	uint32_t col;
	char msg[768];
};

/* Warnings collected while merging; at most POLICY_MAX_WARNINGS are kept, the rest counted. */
struct policy_diags {
	struct policy_diag items[POLICY_MAX_WARNINGS];
	size_t n;
	size_t dropped;
};

struct policy_item {
	char *value;
	struct policy_origin origin;
};

/* A list field. present distinguishes "key absent" from "empty list" (allow_net: [] = no network). */
struct policy_list {
	struct policy_item *items;
	uint32_t n, cap;
	bool present;
	struct policy_origin origin;
};

struct policy_string {
	char *value;
	bool present;
	struct policy_origin origin;
};

struct policy_number {
	uint64_t value;
	bool present;
	struct policy_origin origin;
};

struct policy_bool {
	bool value;
	bool present;
	struct policy_origin origin;
};

struct policy_mask_pattern {
	char *name; /* optional label used in audit records; defaults to "pattern N" */
	char *regex;
	uint32_t show_prefix;
	bool case_insensitive;
	struct policy_origin origin;
};

struct policy_mask_patterns {
	struct policy_mask_pattern *items;
	uint32_t n, cap;
	bool present;
	struct policy_origin origin;
};

/*
 * The model. Every field below has exactly one entry in the field table
 * (policy/fields.c); the loader, the merge and `aigate status` are driven by
 * that table, so adding a field is a table entry plus a member here.
 */
struct policy {
	char *files[POLICY_MAX_FILES]; /* display names, "~/.aigate/config.yaml" */
	uint32_t nfiles;

	struct policy_string group;
	struct policy_string user;
	struct policy_list deny_read;
	struct policy_list deny_exec;
	struct policy_list allow_net;
	struct policy_bool allow_private_addresses; /* global file only: see blob.h */
	struct policy_list allow_write;
	struct policy_list pass_env;
	struct policy_list deny_env;
	struct policy_number max_memory;      /* bytes */
	struct policy_number max_cpu_percent; /* percent of one CPU */
	struct policy_number max_pids;
	struct policy_list mask_presets;
	struct policy_mask_patterns mask_patterns;
	/*
	 * mask_stdout.values_from_denied_files (unset: true; a project may only
	 * turn it on) and mask_stdout.delay_ms (global file only; unset:
	 * POLICY_MASK_DELAY_MS_DEFAULT). blob.h has them as they take effect.
	 */
	struct policy_bool mask_values_from_denied_files;
	struct policy_number mask_delay_ms;
	struct policy_list project_may_extend; /* global file only */
	struct policy_string audit_path;       /* global file only: FILE, ~/FILE, "-", "syslog" */
	struct policy_string audit_level;      /* global file only: denied, exec, all */
	struct policy_string audit_on_error;   /* global file only: fail, warn */
};

/** policy_new() - an empty policy. Returns NULL on ENOMEM. Free with policy_free(). */
struct policy *policy_new(void);

/** policy_free() - free @p and everything it owns. Accepts NULL. */
void policy_free(struct policy *p);

/**
 * policy_load_buffer() - parse @len bytes of YAML into @p (which must be
 * empty), recording @display_name as the origin file. Unknown keys, wrong
 * types, invalid values, duplicate keys, aliases, several documents and
 * malformed YAML are errors: returns -EINVAL (or -EFBIG, -ENOMEM) with
 * @ret_diag describing the first problem as file:line:col. On error @p may
 * hold a partial policy: free it.
 */
int policy_load_buffer(struct policy *p, const char *buf, size_t len, const char *display_name,
		       struct policy_diag *ret_diag);

/**
 * policy_merge_project() - merge the project policy @project into @global,
 * which becomes the effective policy. The project may only tighten: it may
 * add deny rules, masks and lower limits; loosening (allow_net domains when
 * the global file restricts the network, allow_write, pass_env, higher
 * limits, group/user, project_may_extend) is ignored with a warning in
 * @warnings unless the global file lists the field in project_may_extend.
 * A cloned repository must never widen the sandbox. Returns 0 or -ENOMEM.
 */
int policy_merge_project(struct policy *global, const struct policy *project,
			 struct policy_diags *warnings);

/** policy_default_yaml() - the embedded default policy text (NUL-terminated) and its length. */
const char *policy_default_yaml(size_t *ret_len);

/* ---- Field metadata, for the CLI and docs ---- */

/** policy_field_known() - true if @dotted ("deny_read", "resource_limits.max_pids") names a field. */
bool policy_field_known(const char *dotted);

/** policy_list_by_name() - the list field called @name ("deny_read"), or NULL. */
struct policy_list *policy_list_by_name(struct policy *p, const char *name);

/**
 * policy_list_add() - append @value (copied) to @l with @origin. Returns 0,
 * -E2BIG past POLICY_MAX_RULES, -ENOMEM.
 */
int policy_list_add(struct policy_list *l, const char *value, struct policy_origin origin);

/** policy_list_contains() - index of @value in @l, or -1. */
int policy_list_find(const struct policy_list *l, const char *value);

/** policy_origin_format() - "file:line" for @o into @buf. */
void policy_origin_format(const struct policy *p, struct policy_origin o, char *buf, size_t bufsz);

/**
 * policy_validate_value() - validate one value for list field @field
 * ("deny_read", "deny_exec", "allow_net", ...), as the loader would. Used by
 * `aigate deny` before it edits a file. Returns 0 or -EINVAL with a static
 * or formatted reason in @reason.
 */
int policy_validate_value(const char *field, const char *value, char *reason, size_t reasonsz);

#endif
