/* SPDX-License-Identifier: MIT */
/*
 * test_blob.c — the compiled policy: round trip, matching through the blob,
 * refusal of corrupted blobs, and the sealed-memfd contract.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/unit/compile_yaml.h"
#include "policy/blob.h"


static void *compile_default(size_t *ret_size)
{
	size_t len;
	return compile_yaml(policy_default_yaml(&len), ret_size);
}

Test(blob, round_trip_default)
{
	size_t size;
	void *data = compile_default(&size);
	struct policy_blob b;
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	cr_expect_eq(policy_blob_count(&b, POLICY_BLOB_DENY_READ), 12);
	cr_expect_eq(policy_blob_count(&b, POLICY_BLOB_DENY_EXEC), 7);
	cr_expect_eq(policy_blob_count(&b, POLICY_BLOB_ALLOW_NET), 3);
	cr_expect(b.hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET);
	cr_expect_str_eq(b.env.home, "/home/u");
	cr_expect_str_eq(b.env.root, "/home/u/proj");
	cr_expect_eq(b.hdr->max_pids, 1000);
	const struct policy_blob_rule *r = policy_blob_rule(&b, POLICY_BLOB_DENY_READ, 0);
	cr_expect_str_eq(policy_blob_str(&b, r->text_off), ".env");
	char origin[64];
	policy_blob_origin(&b, r, origin, sizeof(origin));
	cr_expect(strncmp(origin, "g.yaml:", 7) == 0, "%s", origin);
	free(data);
}

Test(blob, path_matching_through_blob)
{
	size_t size;
	void *data = compile_default(&size);
	struct policy_blob b;
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	cr_expect_eq(policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, "/home/u/proj/.env", false), 0);
	cr_expect_geq(policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, "/home/u/proj/a/../.env",
					     false),
		      0, "normalised before matching");
	cr_expect_geq(policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, "/home/u/.ssh/id_rsa", false),
		      0);
	cr_expect_eq(policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, "/etc/ssl/certs/x.pem", false),
		     -1, "relative patterns stay inside the project");
	cr_expect_eq(policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, "/home/u/proj/src/main.c",
					    false),
		     -1);
	cr_expect_lt(policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, "relative", false), -1,
		     "a path that cannot be judged is an error");
	free(data);
}

Test(blob, exec_matching_through_blob)
{
	size_t size;
	void *data = compile_default(&size);
	struct policy_blob b;
	struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv;
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	const char *del[] = { "kubectl", "-n", "x", "delete", "pod", "y" };
	int idx = policy_blob_match_exec(&b, del, 6, &scratch, &inv);
	cr_assert_geq(idx, 0);
	cr_expect_str_eq(policy_blob_str(&b, policy_blob_rule(&b, POLICY_BLOB_DENY_EXEC,
							      (uint32_t)idx)->text_off),
			 "kubectl delete");
	const char *get[] = { "kubectl", "get", "pod", "delete-me" };
	cr_expect_eq(policy_blob_match_exec(&b, get, 4, &scratch, NULL), -1);
	const char *sh[] = { "sh", "-c", "cd /tmp && curl http://x" };
	cr_expect_geq(policy_blob_match_exec(&b, sh, 3, &scratch, &inv), 0);
	cr_expect_str_eq(inv.name, "curl");
	free(data);
}

Test(blob, corrupted_blobs_are_refused)
{
	size_t size;
	uint8_t *data = compile_default(&size);
	struct policy_blob b;
	uint8_t *copy = aligned_alloc(8, size);

	memcpy(copy, data, size);
	copy[0] ^= 1;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "magic");

	memcpy(copy, data, size);
	cr_expect_eq(policy_blob_open(copy, size - 8, &b), -EBADMSG, "truncated");

	memcpy(copy, data, size);
	((struct policy_blob_header *)copy)->version = 99;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "version");

	memcpy(copy, data, size);
	struct policy_blob_header *h = (struct policy_blob_header *)copy;
	h->lists[POLICY_BLOB_DENY_READ].count = 1000000;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "rule count past the end");

	memcpy(copy, data, size);
	struct policy_blob_rule *r =
		(struct policy_blob_rule *)(copy + h->lists[POLICY_BLOB_DENY_READ].off);
	r->text_off = (uint32_t)size + 100;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "string offset outside strings");

	memcpy(copy, data, size);
	r->glob_len += 1;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "glob length lies");

	memcpy(copy, data, size);
	memset(copy + h->strings_off, 'x', h->strings_size);
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "unterminated strings");
	free(copy);
	free(data);
}

/* In bounds but wrong: an enforcer must not trust a blob whose meaning changed. */
Test(blob, malformed_fields_are_refused)
{
	size_t size;
	uint8_t *data = compile_default(&size);
	uint8_t *copy = aligned_alloc(8, size);
	struct policy_blob b;
	struct policy_blob_header *h = (struct policy_blob_header *)copy;
	struct policy_blob_rule *r;

	/* "*.key" (rule 6) flagged literal would stop matching x.key. */
	memcpy(copy, data, size);
	r = (struct policy_blob_rule *)(copy + h->lists[POLICY_BLOB_DENY_READ].off) + 6;
	cr_assert_str_eq((char *)copy + r->text_off, "*.key");
	r->literal = 1;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "literal flag on a glob");

	memcpy(copy, data, size);
	r = (struct policy_blob_rule *)(copy + h->lists[POLICY_BLOB_DENY_READ].off);
	r->dir_only = 7;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "boolean out of range");

	memcpy(copy, data, size);
	h->root_off = 0; /* "" */
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "empty project root");

	memcpy(copy, data, size);
	h->flags |= 0x80;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "unknown flag");
	free(copy);
	free(data);
}

/* Random corruption never crashes the reader or the matchers (run under ASan in make check). */
Test(blob, random_corruption_is_safe)
{
	size_t size;
	uint8_t *data = compile_default(&size);
	uint8_t *copy = aligned_alloc(8, size);
	struct argvmatch_scratch scratch;
	const char *argv[] = { "kubectl", "delete", "x" };
	srand(1234);
	for (int i = 0; i < 3000; i++) {
		struct policy_blob b;
		memcpy(copy, data, size);
		for (int k = 0; k < 4; k++)
			copy[(size_t)rand() % size] = (uint8_t)rand();
		if (policy_blob_open(copy, size, &b) < 0)
			continue;
		(void)policy_blob_match_path(&b, POLICY_BLOB_DENY_READ, "/home/u/proj/a/.env", false);
		(void)policy_blob_match_exec(&b, argv, 3, &scratch, NULL);
	}
	free(copy);
	free(data);
}

static int memfd_with(const void *data, size_t size, unsigned seals)
{
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, size), (ssize_t)size);
	if (seals)
		cr_assert_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

Test(blob, only_sealed_memfds_are_trusted)
{
	size_t size;
	void *data = compile_default(&size);
	struct policy_blob b;
	int fd = memfd_with(data, size, 0);
	cr_expect_eq(policy_blob_map_fd(fd, &b), -EPERM, "an unsealed memfd can still change");
	close(fd);
	fd = memfd_with(data, size, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	cr_expect_eq(policy_blob_map_fd(fd, &b), -EPERM, "writable memfd");
	close(fd);
	fd = memfd_with(data, size, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	cr_assert_eq(policy_blob_map_fd(fd, &b), 0);
	cr_expect_eq(policy_blob_count(&b, POLICY_BLOB_DENY_READ), 12);
	/* The mapping is read-only: the enforcers cannot be made to change it either. */
	cr_expect_eq(mprotect((void *)b.base, b.size, PROT_READ | PROT_WRITE), -1);
	close(fd);
	free(data);
}

Test(blob, masks_and_limits)
{
	size_t size;
	void *data = compile_yaml("mask_stdout:\n  presets: [openai]\n  patterns:\n"
				  "    - regex: \"tok-[0-9]{4}\"\n      show_prefix: 4\n"
				  "resource_limits:\n  max_memory: 512M\n",
				  &size);
	struct policy_blob b;
	cr_assert_eq(policy_blob_open(data, size, &b), 0);
	cr_expect_eq(b.hdr->masks.count, 1);
	const struct policy_blob_mask *m = (const void *)(b.base + b.hdr->masks.off);
	cr_expect_str_eq(policy_blob_str(&b, m->regex_off), "tok-[0-9]{4}");
	cr_expect_eq(m->show_prefix, 4);
	cr_expect_eq(b.hdr->max_memory, 512ull << 20);
	cr_expect_eq(b.hdr->max_pids, 0);
	cr_expect_not(b.hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET, "no allow_net: host network");
	cr_expect_not(b.hdr->flags & POLICY_BLOB_F_ALLOW_PRIVATE);
	free(data);
}

Test(blob, allow_private_addresses_flag)
{
	static const struct {
		const char *yaml;
		bool want;
	} cases[] = {
		{ "allow_net: [localhost]\nallow_private_addresses: true\n", true },
		{ "allow_net: [localhost]\nallow_private_addresses: false\n", false },
		{ "allow_net: [localhost]\n", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t size;
		struct policy_blob b;
		void *data = compile_yaml(cases[i].yaml, &size);
		cr_assert_eq(policy_blob_open(data, size, &b), 0, "%zu: the flag is a known one",
			     i);
		cr_expect_eq(!!(b.hdr->flags & POLICY_BLOB_F_ALLOW_PRIVATE), cases[i].want, "%zu",
			     i);
		cr_expect(b.hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET, "%zu", i);
		free(data);
	}
}

Test(blob, mask_values_and_delay)
{
	static const struct {
		const char *yaml;
		bool denied_values;
		uint32_t delay_ms;
	} cases[] = {
		{ "deny_read: []\n", true, POLICY_MASK_DELAY_MS_DEFAULT },
		{ "mask_stdout:\n  values_from_denied_files: true\n", true, 30 },
		{ "mask_stdout:\n  values_from_denied_files: false\n", false, 30 },
		{ "mask_stdout:\n  delay_ms: 0\n", true, 0 },
		{ "mask_stdout:\n  delay_ms: 1000\n  values_from_denied_files: no\n", false, 1000 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t size;
		struct policy_blob b;
		void *data = compile_yaml(cases[i].yaml, &size);
		cr_assert_eq(policy_blob_open(data, size, &b), 0, "%zu", i);
		cr_expect_eq(policy_blob_mask_denied_values(&b), cases[i].denied_values, "%zu", i);
		cr_expect_eq(!!(b.hdr->flags & POLICY_BLOB_F_MASK_NO_DENIED_VALUES),
			     !cases[i].denied_values, "%zu", i);
		cr_expect_eq(policy_blob_mask_delay_ms(&b), cases[i].delay_ms, "%zu", i);
		free(data);
	}
}

Test(blob, mask_header_fields_are_checked)
{
	size_t size;
	uint8_t *data = compile_default(&size);
	uint8_t *copy = aligned_alloc(8, size);
	struct policy_blob_header *h = (struct policy_blob_header *)copy;
	struct policy_blob b;

	memcpy(copy, data, size);
	h->mask_delay_ms = POLICY_MASK_DELAY_MS_MAX + 1;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "delay past the maximum");

	memcpy(copy, data, size);
	h->mask_delay_ms = 0;
	h->flags &= ~POLICY_BLOB_F_MASK_NO_DENIED_VALUES;
	cr_assert_eq(policy_blob_open(copy, size, &b), 0);
	cr_expect(policy_blob_mask_denied_values(&b), "a clear flag keeps the values masked");
	cr_expect_eq(policy_blob_mask_delay_ms(&b), 0, "0 is an explicit value");

	memcpy(copy, data, size);
	h->flags |= 1u << 3;
	cr_expect_eq(policy_blob_open(copy, size, &b), -EBADMSG, "the next bit is unknown");
	free(copy);
	free(data);
}
