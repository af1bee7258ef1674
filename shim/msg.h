/* SPDX-License-Identifier: MIT */
/*
 * msg.h — what the shim says about a denial: the line on stderr and the
 * audit record for the launcher (format: shim/shim_protocol.h). Pure
 * encoders into caller buffers (on the stack): no allocation, no stdio.
 */
#ifndef AIGATE_SHIM_MSG_H
#define AIGATE_SHIM_MSG_H

#include <stddef.h>

#include "policy/blob.h"

/* Longest stderr line (a longer one is cut, still ending in a newline). */
#define SHIM_LINE_MAX 2048

struct shim_denial {
	const char *action;	    /* "exec", "open", "connect" */
	const char *call;	    /* the entry point: "execvp", "fopen64", … */
	enum policy_blob_list list; /* POLICY_BLOB_DENY_EXEC, _DENY_READ or _ALLOW_NET */
	int rule;		    /* index in that list (allow_net: 0, or -1 when it is empty) */
	const char *reason;	    /* allow_net: what it lacks (the line only) */
	const char *target; /* open: the absolute path; exec: the program; connect: ADDR:PORT */
	const char *const *argv; /* exec: the argv judged (NULL-terminated), else NULL */
	const struct argvmatch_invocation *inv; /* exec: what matched */
	int err;				/* what the caller gets (EACCES) */
};

/**
 * shim_msg_encode() - the audit record for @d into @buf (@cap bytes, at
 * most SHIM_MSG_MAX are used): NUL-terminated "key=value" fields, "v=1"
 * first. argv words are added in order while they fit, at most
 * SHIM_MSG_ARGV; the other fields always fit (a target longer than the
 * message is cut). Returns the message length.
 */
size_t shim_msg_encode(const struct shim_denial *d, char *buf, size_t cap);

/**
 * shim_line_encode() - the stderr line for @d, judged against @b, into @buf
 * (@cap bytes, >= 2), newline-terminated:
 *   aigate: denied: kubectl delete (deny_exec "kubectl delete", ~/.aigate/config.yaml:21)
 *   aigate: denied: open /p/.env (deny_read ".env", ~/.aigate/config.yaml:12)
 *   aigate: denied: connect 192.0.2.7:443 (allow_net: REASON, ~/.aigate/config.yaml:30)
 * Returns its length.
 */
size_t shim_line_encode(const struct policy_blob *b, const struct shim_denial *d, char *buf,
			size_t cap);

/** shim_list_name() - "deny_exec", "deny_read", … for a list. */
const char *shim_list_name(enum policy_blob_list list);

#endif
