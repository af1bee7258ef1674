/* SPDX-License-Identifier: MIT */
/*
 * mask.h — mask_stdout presets and PCRE2 compilation of mask patterns.
 * The streaming redaction engine that uses them belongs to the launcher's
 * output relay; this module only defines what a preset is and checks that
 * every regex compiles, with pcre2 limits set so a hostile pattern cannot
 * stall the relay.
 */
#ifndef AIGATE_MASK_H
#define AIGATE_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Longest regex accepted, and pcre2 match limits applied to every mask match. */
#define MASK_REGEX_MAX	 1024
#define MASK_MATCH_LIMIT 100000
#define MASK_DEPTH_LIMIT 1000

/* One regex of a preset. A preset may have several (github: ghp_… and github_pat_…). */
struct mask_preset {
	const char *name;	 /* "openai" */
	const char *regex;	 /* PCRE2 syntax */
	uint32_t show_prefix;	 /* bytes kept before "***" */
	const char *example_out; /* what a masked value looks like, for docs and status */
};

/** mask_presets() - the preset table, in matching priority order (anthropic before openai). */
const struct mask_preset *mask_presets(size_t *ret_n);

/** mask_preset_known() - true if @name is a preset name. */
bool mask_preset_known(const char *name);

/**
 * mask_compile() - compile @regex (PCRE2, byte mode, CASELESS when @ci),
 * then JIT-compile it for complete and partial matching when the platform
 * has JIT (a JIT failure is not an error: the interpreter is used).
 * Rejects patterns longer than MASK_REGEX_MAX and patterns that can match
 * the empty string (they would mask nothing and loop). On error returns
 * -EINVAL with *@ret_offset the byte offset in the pattern and @msg the
 * pcre2 message; -ENOMEM. The caller frees *@ret_code with pcre2_code_free().
 */
int mask_compile(const char *regex, bool ci, pcre2_code **ret_code, size_t *ret_offset, char *msg,
		 size_t msgsz);

/**
 * mask_match_context_new() - a match context with MASK_MATCH_LIMIT and
 * MASK_DEPTH_LIMIT set. NULL on ENOMEM.
 */
pcre2_match_context *mask_match_context_new(void);

#endif
