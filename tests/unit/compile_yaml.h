/* SPDX-License-Identifier: MIT */
/*
 * compile_yaml.h — for unit tests: a policy blob compiled from YAML text,
 * with home /home/u and project /home/u/proj. Fails the test on error.
 */
#ifndef AIGATE_TEST_COMPILE_YAML_H
#define AIGATE_TEST_COMPILE_YAML_H

#include <criterion/criterion.h>
#include <string.h>

#include "policy/blob.h"
#include "policy/policy.h"

static inline void *compile_yaml(const char *yaml, size_t *ret_size)
{
	struct policy_diag d;
	struct policy *p = policy_new();
	void *blob;
	cr_assert_eq(policy_load_buffer(p, yaml, strlen(yaml), "g.yaml", &d), 0, "%s", d.msg);
	cr_assert_eq(policy_compile(p, "/home/u", "/home/u/proj", &blob, ret_size), 0);
	policy_free(p);
	return blob;
}

#endif
