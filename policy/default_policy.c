/* SPDX-License-Identifier: MIT */
/*
 * default_policy.c — the default policy (policy/default-policy.yaml), built
 * into the binary so that `aigate run` is protected before `aigate init`
 * and `aigate init` writes exactly what runs by default.
 */
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* .incbin keeps the YAML file the single source; the trailing NUL makes it a C string. */
__asm__(".section .rodata\n"
	".balign 16\n"
	".global aigate_default_policy_start\n"
	".hidden aigate_default_policy_start\n"
	"aigate_default_policy_start:\n"
	".incbin \"policy/default-policy.yaml\"\n"
	"aigate_default_policy_end:\n"
	".byte 0\n"
	".balign 8\n"
	".global aigate_default_policy_size\n"
	".hidden aigate_default_policy_size\n"
	"aigate_default_policy_size:\n"
	".quad aigate_default_policy_end - aigate_default_policy_start\n"
	".previous\n");

extern const char aigate_default_policy_start[];
/* The size is computed by the assembler: no pointer arithmetic across symbols in C. */
extern const uint64_t aigate_default_policy_size;

const char *policy_default_yaml(size_t *ret_len)
{
	*ret_len = (size_t)aigate_default_policy_size;
	return aigate_default_policy_start;
}
