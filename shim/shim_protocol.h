/* SPDX-License-Identifier: MIT */
/*
 * shim_protocol.h — what the shim (in the sandbox) and the launcher
 * (outside) agree on. Shared by shim/ and launcher/: constants, and the
 * layout of one shared table.
 *
 * The launcher starts CMD with:
 *   LD_PRELOAD=<absolute path of libaigate_shim.so>   (kept first in the list)
 *   AIGATE_SHIM_PATH=<the same path>   the shim puts LD_PRELOAD back into every
 *                                      child's environment from this
 *   AIGATE_SHIM_POLICY_FD=<n>          a sealed memfd holding the compiled
 *                                      policy blob (policy_blob_map_fd())
 *   AIGATE_SHIM_AUDIT_FD=<n>           an AF_UNIX SOCK_SEQPACKET socket; the
 *                                      launcher reads one record per message
 *   AIGATE_SHIM_NET_FD=<n>             only under allow_net with a network
 *                                      namespace: a memfd holding struct
 *                                      shim_net_table (below)
 * The fds are inherited (no FD_CLOEXEC) by every process of the sandbox. A
 * missing or broken one never changes a decision: without the policy the
 * shim allows (the supervisor still judges), without the socket it only
 * prints.
 *
 * One message = one record, at most SHIM_MSG_MAX bytes: fields "key=value",
 * each terminated by a NUL byte, in any order after the first:
 *   v=1                        first, always
 *   action=exec|open|connect
 *   verdict=denied|allowed     allowed: only execs, only under audit.level exec/all
 *   list=deny_exec|deny_read|allow_net   with rule=, for a denial
 *   rule=<index>               the rule's index in that list of the blob: the
 *                              launcher writes the rule's text and origin from
 *                              its own copy, so a forged message cannot name a
 *                              rule that does not exist or invent its text
 *                              (allow_net: 0, the list as a whole)
 *   target=<path or program>   the resolved path (open), the program (exec),
 *                              ADDR:PORT or [ADDR6]:PORT (connect)
 *   call=<entry point>         execvp, system, posix_spawnp, fopen, open64, connect, …
 *   errno=<decimal>            what the caller got (13 for EACCES; connect:
 *                              111 ECONNREFUSED or 101 ENETUNREACH, whose
 *                              reason the launcher words itself)
 *   argv=<word>                repeated, in order, at most SHIM_MSG_ARGV
 * The launcher takes the sender's pid from SCM_CREDENTIALS (the kernel's, not
 * the message's), labels the record enforcer "shim", and drops a message
 * that does not parse (counted, never written as another enforcer).
 */
#ifndef AIGATE_SHIM_PROTOCOL_H
#define AIGATE_SHIM_PROTOCOL_H

#define SHIM_ENV_PATH	   "AIGATE_SHIM_PATH"
#define SHIM_ENV_POLICY_FD "AIGATE_SHIM_POLICY_FD"
#define SHIM_ENV_AUDIT_FD  "AIGATE_SHIM_AUDIT_FD"
#define SHIM_ENV_NET_FD	   "AIGATE_SHIM_NET_FD"

#define SHIM_MSG_MAX  8192
#define SHIM_MSG_ARGV 64

/*
 * The addresses the DNS stub has answered (AIGATE_SHIM_NET_FD), so that the
 * shim can refuse a connect the supervisor is certain to refuse, with its
 * reason, in the process. The supervisor's egress appends an address before
 * the answer naming it leaves the stub, and never changes or removes one:
 * the shim's set is always a superset of the supervisor's (which forgets
 * the oldest), so the shim never refuses what the supervisor would let
 * through. A full table stops the shim's judging (the supervisor still
 * judges). The writer keeps its index to itself and never reads the
 * count back: nothing in the shared memory steers it. The memfd is sealed
 * against growing, shrinking and new writable mappings before the sandbox
 * gets it.
 *
 * Readers: load count with acquire, then read entries below it; an entry
 * is written in full before count covers it.
 */
/* The reasons of a connect refusal (errno 111, 101), in the line and the record. */
#define SHIM_NET_REASON_REFUSED "not an address the DNS stub answered for a name in allow_net"
#define SHIM_NET_REASON_UNREACH \
	"only TCP leaves the sandbox; datagrams only as DNS queries to the stub"

#define SHIM_NET_MAGIC 0x3174656e /* "net1" */
#define SHIM_NET_SLOTS 16384

struct shim_net_addr {
	unsigned char family; /* 4 or 6 */
	unsigned char pad[3];
	unsigned char a[16]; /* IPv4: the first 4 bytes */
};

struct shim_net_table {
	unsigned int magic;
	unsigned int slots; /* SHIM_NET_SLOTS */
	unsigned int count; /* entries published (atomic: __atomic builtins) */
	unsigned int full;  /* nonzero: an address did not fit; judge nothing */
	struct shim_net_addr addr[SHIM_NET_SLOTS];
};

#endif
