/* SPDX-License-Identifier: MIT */
/* sha256.h — SHA-256 (FIPS 180-4) of a buffer, for the policy hash in audit records. */
#ifndef AIGATE_SHA256_H
#define AIGATE_SHA256_H

#include <stddef.h>
#include <stdint.h>

/** sha256() - the digest of @len bytes at @data. */
void sha256(const void *data, size_t len, uint8_t out[32]);

/** sha256_hex() - the digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
