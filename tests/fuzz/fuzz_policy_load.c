/* SPDX-License-Identifier: MIT */
/*
 * fuzz_policy_load.c — libFuzzer target for the YAML loader, and for the
 * blob compiler and matchers on whatever loads. Run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "policy/blob.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diag diag;
	struct policy *p = policy_new();
	void *blob = NULL;
	size_t blob_size;

	if (!p)
		return 0;
	if (policy_load_buffer(p, (const char *)data, size, "fuzz.yaml", &diag) == 0 &&
	    policy_compile(p, "/home/u", "/home/u/proj", &blob, &blob_size) == 0) {
		struct policy_blob b;
		struct argvmatch_scratch scratch;
		const char *argv[] = { "sh", "-c", "env -i kubectl -n x delete pod y; git push" };
		if (policy_blob_open(blob, blob_size, &b) == 0) {
			(void)policy_blob_match_path(&b, POLICY_BLOB_DENY_READ,
						     "/home/u/proj/a/b/.env", false);
			(void)policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, "/home/u/.ssh/id_rsa",
						     false);
			(void)policy_blob_match_exec(&b, argv, 3, &scratch, NULL);
		} else {
			abort(); /* a blob we compiled must always open */
		}
		free(blob);
	}
	policy_free(p);
	return 0;
}
