/* SPDX-License-Identifier: MIT */
/* mask.c — preset table and PCRE2 compilation for mask_stdout. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/mask.h"
#include "policy/util.h"

/*
 * Order matters: the relay tries presets in this order, so the more specific
 * anthropic key ("sk-ant-…") must come before openai's "sk-…" (the openai
 * regex also refuses "sk-ant-" itself, so the order is belt and braces).
 */
static const struct mask_preset presets[] = {
	{ "anthropic", "sk-ant-[A-Za-z0-9_-]{20,}", 7, "sk-ant-***" },
	{ "openai", "sk-(?!ant-)(?:proj-)?[A-Za-z0-9_-]{20,}", 3, "sk-***" },
	{ "aws_key", "(?:AKIA|ASIA)[0-9A-Z]{16}", 4, "AKIA***" },
	{ "github", "gh[pousr]_[A-Za-z0-9]{36,}", 4, "ghp_***" },
	{ "github", "github_pat_[A-Za-z0-9_]{22,}", 11, "github_pat_***" },
	/*
	 * HTTP auth schemes are case-insensitive (RFC 9110 11.1): a tool that
	 * prints "authorization: bearer …" or "BEARER …" leaks the same token.
	 */
	{ "bearer", "(?i:Bearer)[ \\t]+[A-Za-z0-9._~+/=-]{8,}", 7, "Bearer ***" },
	/* xapp-: Slack app-level tokens, as powerful as a bot token. */
	{ "slack", "(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}", 5, "xoxb-***" },
	/* PEM keys ("… PRIVATE KEY") and armored PGP secret keys ("PGP PRIVATE KEY BLOCK"). */
	{ "private_key",
	  "-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?"
	  "-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
	  0, "***" },
	{ "jwt", "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}", 3, "eyJ***" },
	{ "google_api_key", "AIza[0-9A-Za-z_-]{35}", 4, "AIza***" },
	{ "stripe", "(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}", 8, "sk_live_***" },
	/* Webhook signing secrets: whoever has one can forge Stripe's events to the app. */
	{ "stripe", "whsec_[0-9A-Za-z]{20,}", 6, "whsec_***" },
};

const struct mask_preset *mask_presets(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(presets);
	return presets;
}

bool mask_preset_known(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
			return true;
	return false;
}

int mask_compile(const char *regex, bool ci, pcre2_code **ret_code, size_t *ret_offset, char *msg,
		 size_t msgsz)
{
	size_t len = strlen(regex);
	int errcode;
	PCRE2_SIZE erroff = 0;
	uint32_t minlen = 0;
	pcre2_code *code;

	if (len > MASK_REGEX_MAX) {
		*ret_offset = MASK_REGEX_MAX;
		snprintf(msg, msgsz, "regex longer than %d bytes", MASK_REGEX_MAX);
		return -EINVAL;
	}
	/*
	 * Byte mode, no PCRE2_UTF: program output may be binary or invalid
	 * UTF-8, and a UTF-mode match would fail on it and let a secret through.
	 */
	code = pcre2_compile((PCRE2_SPTR)regex, len, ci ? PCRE2_CASELESS : 0, &errcode, &erroff,
			     NULL);
	if (!code) {
		PCRE2_UCHAR buf[256];
		if (pcre2_get_error_message(errcode, buf, sizeof(buf)) < 0)
			snprintf((char *)buf, sizeof(buf), "error %d", errcode);
		*ret_offset = erroff;
		snprintf(msg, msgsz, "%s", (char *)buf);
		return errcode == PCRE2_ERROR_NOMEMORY ? -ENOMEM : -EINVAL;
	}
	if (pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &minlen) == 0 && minlen == 0) {
		pcre2_code_free(code);
		*ret_offset = 0;
		snprintf(msg, msgsz, "regex can match an empty string");
		return -EINVAL;
	}
	/* JIT is an optimisation only; PCRE2_ERROR_JIT_BADOPTION etc. fall back to the interpreter. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD);
	*ret_code = code;
	return 0;
}

pcre2_match_context *mask_match_context_new(void)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	if (!mc)
		return NULL;
	/* Bound backtracking: a catastrophic custom regex must not stall the output relay. */
	pcre2_set_match_limit(mc, MASK_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, MASK_DEPTH_LIMIT);
	return mc;
}
