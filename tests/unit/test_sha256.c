/* SPDX-License-Identifier: MIT */
/* test_sha256.c — SHA-256 against the FIPS 180-4 / NIST example vectors, at every padding edge. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/sha256.h"

struct vector {
	const char *input; /* repeated @times */
	size_t times;
	const char *hex;
};

static const struct vector vectors[] = {
	{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	/* 55, 56, 63, 64 bytes: the length field fits, just does not, and a whole block. */
	{ "a", 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
	{ "a", 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
	{ "a", 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
	{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

/* Indices, not structs: the parameters cross into the test's process by value. */
static size_t indices[sizeof(vectors) / sizeof(vectors[0])];

ParameterizedTestParameters(sha256, vectors)
{
	for (size_t i = 0; i < sizeof(indices) / sizeof(indices[0]); i++)
		indices[i] = i;
	return cr_make_param_array(size_t, indices, sizeof(indices) / sizeof(indices[0]));
}

ParameterizedTest(size_t *i, sha256, vectors)
{
	const struct vector *v = &vectors[*i];
	size_t unit = strlen(v->input), len = unit * v->times;
	char *buf = malloc(len + 1);
	char hex[65];
	cr_assert_not_null(buf);
	for (size_t k = 0; k < v->times; k++)
		memcpy(buf + k * unit, v->input, unit);
	sha256_hex(buf, len, hex);
	cr_assert_str_eq(hex, v->hex, "%zu x \"%s\"", v->times, v->input);
	free(buf);
}
