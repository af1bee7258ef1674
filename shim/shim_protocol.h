/* SPDX-License-Identifier: MIT */
/*
 * shim_protocol.h — what the shim (in the sandbox) and the launcher
 * (outside) agree on. Shared by shim/ and launcher/; plain constants only.
 *
 * The launcher starts CMD with:
 *   LD_PRELOAD=<absolute path of libaigate_shim.so>   (kept first in the list)
 *   AIGATE_SHIM_PATH=<the same path>   the shim puts LD_PRELOAD back into every
 *                                      child's environment from this
 *   AIGATE_SHIM_POLICY_FD=<n>          a sealed memfd holding the compiled
 *                                      policy blob (policy_blob_map_fd())
 *   AIGATE_SHIM_AUDIT_FD=<n>           an AF_UNIX SOCK_SEQPACKET socket; the
 *                                      launcher reads one record per message
 * Both fds are inherited (no FD_CLOEXEC) by every process of the sandbox. A
 * missing or broken one never changes a decision: without the policy the
 * shim allows (the supervisor still judges), without the socket it only
 * prints.
 *
 * One message = one record, at most SHIM_MSG_MAX bytes: fields "key=value",
 * each terminated by a NUL byte, in any order after the first:
 *   v=1                        first, always
 *   action=exec|open|connect
 *   verdict=denied|allowed     allowed: only execs, only under audit.level exec/all
 *   list=deny_exec|deny_read   with rule=, for a denial
 *   rule=<index>               the rule's index in that list of the blob: the
 *                              launcher writes the rule's text and origin from
 *                              its own copy, so a forged message cannot name a
 *                              rule that does not exist or invent its text
 *   target=<path or program>   the resolved path (open), the program (exec)
 *   call=<entry point>         execvp, system, posix_spawnp, fopen, open64, …
 *   errno=<decimal>            what the caller got (13 for EACCES)
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

#define SHIM_MSG_MAX  8192
#define SHIM_MSG_ARGV 64

#endif
