/* SPDX-License-Identifier: MIT */
/*
 * blob.h — the compiled policy: one immutable, position-independent byte
 * string (versioned header, offsets, no pointers) that the launcher writes
 * into a sealed memfd and the supervisor and the shim map read-only, with
 * no libyaml. Home and project root are resolved at compile time.
 *
 * Layout (all integers little-endian host order, offsets from the blob start):
 *   header | rules[] per list | u32 word offsets for exec rules | masks[] | strings
 * policy_blob_open() checks every offset and length before any accessor
 * trusts them, so a corrupted or truncated blob is refused, never followed.
 */
#ifndef AIGATE_BLOB_H
#define AIGATE_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/argvmatch.h"
#include "policy/pathmatch.h"
#include "policy/policy.h"

#define POLICY_BLOB_MAGIC   "AIGATEPB"
#define POLICY_BLOB_VERSION 2 /* 2: mask_delay_ms, POLICY_BLOB_F_MASK_NO_DENIED_VALUES */
#define POLICY_BLOB_MAX	    (64u << 20)

enum policy_blob_list {
	POLICY_BLOB_DENY_READ,
	POLICY_BLOB_DENY_EXEC,
	POLICY_BLOB_ALLOW_NET,
	POLICY_BLOB_ALLOW_WRITE,
	POLICY_BLOB_PASS_ENV,
	POLICY_BLOB_DENY_ENV,
	POLICY_BLOB_MASK_PRESETS,
	POLICY_BLOB_NLISTS,
};

/*
 * Header flags. Each says what a zeroed header does not, so a flag left
 * clear keeps the safe default: values_from_denied_files is on unless
 * POLICY_BLOB_F_MASK_NO_DENIED_VALUES says the policy turned it off.
 */
#define POLICY_BLOB_F_ALLOW_NET_SET (1u << 0) /* allow_net present: the network is restricted */
#define POLICY_BLOB_F_ALLOW_PRIVATE (1u << 1) /* allow_private_addresses: true (global only) */
/* mask_stdout.values_from_denied_files: false (policy_blob_mask_denied_values()). */
#define POLICY_BLOB_F_MASK_NO_DENIED_VALUES (1u << 2)

struct policy_blob_section {
	uint32_t off;
	uint32_t count;
};

struct policy_blob_header {
	char magic[8];
	uint32_t version;
	uint32_t size; /* whole blob, bytes */
	uint32_t flags;
	uint32_t nfiles;
	uint32_t files_off; /* u32[nfiles] string offsets: origin file display names */
	uint32_t home_off;  /* string */
	uint32_t root_off;  /* string */
	uint32_t strings_off;
	uint32_t strings_size;
	uint32_t max_cpu_percent; /* 0 = unset */
	uint64_t max_memory;	  /* bytes, 0 = unset */
	uint32_t max_pids;	  /* 0 = unset */
	/*
	 * mask_stdout.delay_ms as it takes effect, 0 … POLICY_MASK_DELAY_MS_MAX:
	 * the compiler writes POLICY_MASK_DELAY_MS_DEFAULT when the policy
	 * leaves it unset, so 0 is an explicit "hold nothing back", never
	 * "unset". policy_blob_open() refuses a larger value.
	 */
	uint32_t mask_delay_ms;
	struct policy_blob_section lists[POLICY_BLOB_NLISTS]; /* struct policy_blob_rule[] */
	struct policy_blob_section masks;		      /* struct policy_blob_mask[] */
};

struct policy_blob_rule {
	uint32_t text_off; /* the rule as written */
	uint32_t file;	   /* origin: index into files */
	uint32_t line;
	uint32_t col;
	uint32_t glob_off; /* path rules: pattern body (string); exec rules: u32[nwords] */
	uint32_t glob_len; /* path rules: body length; exec rules: nwords */
	uint8_t anchor;	   /* path rules: enum pathmatch_anchor */
	uint8_t dir_only;
	uint8_t literal;
	uint8_t reserved;
};

struct policy_blob_mask {
	uint32_t name_off; /* may be 0: unnamed */
	uint32_t regex_off;
	uint32_t show_prefix;
	uint32_t case_insensitive;
	uint32_t file, line, col;
};

/* A validated view of a blob. Valid while the memory it points to is. */
struct policy_blob {
	const uint8_t *base;
	size_t size;
	const struct policy_blob_header *hdr;
	struct pathmatch_env env;
};

/**
 * policy_compile() - compile the effective policy @p into a new blob,
 * resolving "~" against @home and relative rules against @root (both
 * absolute; they are normalised here). Returns 0 and a malloc'd blob in
 * *@ret_data / *@ret_size (free() it), or -EINVAL (a rule that does not
 * compile: should not happen after policy_load_buffer()), -E2BIG, -ENOMEM.
 */
int policy_compile(const struct policy *p, const char *home, const char *root, void **ret_data,
		   size_t *ret_size);

/**
 * policy_blob_open() - validate @size bytes at @data and fill @ret. Returns
 * 0, or -EBADMSG (bad magic, version, offsets, unterminated strings).
 */
int policy_blob_open(const void *data, size_t size, struct policy_blob *ret);

/**
 * policy_blob_map_fd() - map a sealed memfd read-only and open it. Refuses
 * (-EPERM) an fd that is not sealed against writes, growth and shrinking:
 * the supervisor and the shim must judge with exactly the policy the
 * launcher wrote. On success the mapping lives until process exit.
 */
int policy_blob_map_fd(int fd, struct policy_blob *ret);

/**
 * policy_blob_mask_denied_values() - whether the output relay masks the
 * values of the files deny_read hides (mask_stdout.values_from_denied_files,
 * on unless the policy turned it off).
 */
bool policy_blob_mask_denied_values(const struct policy_blob *b);

/**
 * policy_blob_mask_delay_ms() - mask_stdout.delay_ms: the longest time, in
 * milliseconds, output is held back while it could still be the start of a
 * secret (0 … POLICY_MASK_DELAY_MS_MAX; 0: never held).
 */
uint32_t policy_blob_mask_delay_ms(const struct policy_blob *b);

/** policy_blob_str() - the NUL-terminated string at @off ("" for 0). */
const char *policy_blob_str(const struct policy_blob *b, uint32_t off);

/** policy_blob_count() / policy_blob_rule() - the rules of a list. */
uint32_t policy_blob_count(const struct policy_blob *b, enum policy_blob_list list);
const struct policy_blob_rule *policy_blob_rule(const struct policy_blob *b,
						enum policy_blob_list list, uint32_t i);

/** policy_blob_path_rule() - the pathmatch view of path rule @r. */
struct pathmatch_rule policy_blob_path_rule(const struct policy_blob *b,
					    const struct policy_blob_rule *r);

/** policy_blob_exec_words() - fill @words with exec rule @r's words; returns the count. */
size_t policy_blob_exec_words(const struct policy_blob *b, const struct policy_blob_rule *r,
			      const char *words[ARGVMATCH_MAX_WORDS]);

/**
 * policy_blob_match_path() - index of the first rule of path list @list
 * (DENY_READ, ALLOW_WRITE) matching @path (absolute; normalised here), or
 * -1 when none does; -ENAMETOOLONG / -EINVAL for a path that cannot be
 * normalised (callers deny: a path we cannot judge is not allowed).
 */
int policy_blob_match_path(const struct policy_blob *b, enum policy_blob_list list,
			   const char *path, bool is_dir);

/**
 * policy_blob_match_exec() - index of the first deny_exec rule matching
 * what @argv (@argc words) would run, or -1. When @ret_inv is not NULL the
 * matching invocation is copied there (its strings point into @argv or
 * @scratch). @scratch is caller storage (a stack variable is fine).
 */
int policy_blob_match_exec(const struct policy_blob *b, const char *const *argv, size_t argc,
			   struct argvmatch_scratch *scratch, struct argvmatch_invocation *ret_inv);

/**
 * policy_blob_match_exec_env() - policy_blob_match_exec() for a program
 * started with the environment @envp (NULL-terminated, or NULL when it is
 * not known: then this is policy_blob_match_exec()). Only the variables
 * that define git aliases are read (GIT_CONFIG_COUNT, GIT_CONFIG_KEY_<n>,
 * GIT_CONFIG_VALUE_<n>, GIT_CONFIG_PARAMETERS, and those named by git's
 * --config-env), with the bounds of argvmatch.h: see
 * argvmatch_extract_env(). Pure and allocation-free: safe between fork and
 * exec.
 */
int policy_blob_match_exec_env(const struct policy_blob *b, const char *const *argv, size_t argc,
			       const char *const *envp, struct argvmatch_scratch *scratch,
			       struct argvmatch_invocation *ret_inv);

/**
 * policy_blob_match_net() - the first allow_net rule that admits @host on
 * @port. @host: a name in any case, with or without one trailing dot, or an
 * IPv4/IPv6 literal (no brackets); an IPv4-mapped IPv6 address is judged as
 * the IPv4 address inside, other IPv6 addresses match no rule. An entry
 * without a port admits ports 80 and 443; "name:port" admits that port
 * only; "*.example.com" admits every name strictly below example.com
 * (a.example.com, a.b.example.com) but not example.com itself; an exact
 * name or IPv4 address admits only itself. Names compare ASCII
 * case-insensitively. @port 0 means "any port" (the DNS stub asks whether
 * a name can be reached at all).
 *
 * Returns the rule's index in POLICY_BLOB_ALLOW_NET, or -1: also for an
 * empty, overlong (over 253 bytes without the dot) or invalid @host, and
 * for a name whose last label is a number but that is not a dotted-quad
 * address ("127.1", "0x7f.0.0.1", "010.0.0.1": a resolver may read them as
 * addresses). -1 says nothing about whether allow_net is set: without
 * POLICY_BLOB_F_ALLOW_NET_SET the sandbox has the host network and there
 * is nothing to ask. Whether the address a name resolves to may be reached
 * (allow_private_addresses) is the caller's to judge. Pure, allocation-free
 * and locale-independent.
 */
int policy_blob_match_net(const struct policy_blob *b, const char *host, uint16_t port);

/**
 * policy_blob_allow_net_origin() - where allow_net is written, for a
 * refusal (an allowlist breaks no rule: it lacks one): "file:line" of its
 * first entry, the first policy file when it is empty, or "built-in".
 */
void policy_blob_allow_net_origin(const struct policy_blob *b, char *buf, size_t bufsz);

/** policy_blob_origin() - "file:line" of rule @r into @buf. */
void policy_blob_origin(const struct policy_blob *b, const struct policy_blob_rule *r, char *buf,
			size_t bufsz);

#endif
