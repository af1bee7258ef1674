/* SPDX-License-Identifier: MIT */
/*
 * platform.h — every operating-system-specific call the shim makes, behind
 * one small interface. platform_linux.c implements it for Linux and glibc
 * (dlsym(RTLD_NEXT), getauxval(AT_SECURE), /proc/self/fd, sealed memfds,
 * MSG_NOSIGNAL). A macOS port (DYLD_INSERT_LIBRARIES, interposing through
 * __DATA,__interpose) replaces that one file; nothing else in shim/ may call
 * a Linux-only function.
 *
 * Every function here is async-signal-safe in practice, never allocates on
 * success and leaves errno alone unless it says otherwise.
 */
#ifndef AIGATE_SHIM_PLATFORM_H
#define AIGATE_SHIM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * shim_plat_next_symbol() - the next definition of @name after the shim in
 * the lookup order (libc's), or NULL when there is none or the lookup found
 * the shim's own definition (a hook must never call itself). Called once
 * per symbol (shim/resolve.c caches it); it may take the dynamic loader's
 * lock, which is why the constructor resolves everything early.
 */
void *shim_plat_next_symbol(const char *name);

/**
 * shim_plat_secure() - true in a setuid, setgid or file-capability process
 * (the kernel's AT_SECURE): the shim then does nothing at all.
 */
bool shim_plat_secure(void);

/**
 * shim_plat_fd_path() - the path of the file or directory open at @fd into
 * @buf (@bufsz bytes, NUL-terminated). Returns the length, or -errno
 * (-ENAMETOOLONG when it does not fit, -ENOENT when the kernel has no path
 * for it: a socket, a deleted file). errno is preserved.
 */
int shim_plat_fd_path(int fd, char *buf, size_t bufsz);

/**
 * shim_plat_map_policy() - map the launcher's sealed policy descriptor @fd
 * read-only: *@ret_map, *@ret_size (until the process exits). Refuses
 * (-EPERM) a descriptor that is not sealed against writes, growth and
 * shrinking, as policy_blob_map_fd() does, but leaves policy_blob_open()'s
 * validation to the caller: done at process start, where most processes
 * never need it, it cost more than the mapping. The sealed contents cannot
 * change, so validating later judges the same bytes. Returns 0 or -errno;
 * errno is preserved.
 */
int shim_plat_map_policy(int fd, const void **ret_map, size_t *ret_size);

/**
 * shim_plat_map_net() - map the launcher's table of the DNS stub's answers
 * (@fd, shim_protocol.h) read-only into *@ret_map. Refuses (-EPERM) a
 * descriptor not sealed against shrinking and new writable mappings, and
 * (-EBADMSG) one of another size or magic: the number may have been
 * closed and reused. Checked and mapped through a duplicate, so another
 * thread reusing the number in between cannot slip an unsealed file under
 * the mapping. Returns 0 or -errno; errno is preserved.
 */
int shim_plat_map_net(int fd, const void **ret_map);

/**
 * shim_plat_socket_kind() - SO_TYPE and SO_PROTOCOL of socket @fd, and
 * whether it is connected already or has a local IP address outside
 * loopback (a socket aigate connected and handed in, even after its peer
 * reset it: the supervisor answers for those). Returns 0 or -errno; errno
 * is preserved.
 */
int shim_plat_socket_kind(int fd, int *ret_type, int *ret_proto, bool *ret_outside);

/**
 * shim_plat_readable() - are the @len bytes at @p (at most two pages;
 * longer: false) mapped (mincore(2))? A hook must not fault on a pointer
 * the kernel would answer with EFAULT. A mapped page without read
 * permission still faults (not checked). errno is preserved.
 */
bool shim_plat_readable(const void *p, size_t len);

/**
 * shim_plat_audit_socket() - is @fd a socket (what the launcher passes)?
 * On success returns 0 and its identity in *@ret_dev / *@ret_ino; -errno
 * otherwise. errno is preserved. An inherited descriptor number may have
 * been closed and reused for something else (a program that closes its fds
 * before exec, then opens a connection): records must never be written
 * into that. Its kind (AF_UNIX SOCK_SEQPACKET) is checked by
 * shim_plat_send(), so that process start pays for one system call only.
 */
int shim_plat_audit_socket(int fd, unsigned long long *ret_dev, unsigned long long *ret_ino);

/**
 * shim_plat_send() - send @len bytes at @buf as one message on the audit
 * socket @fd, when it is still the socket @dev/@ino and an AF_UNIX
 * SOCK_SEQPACKET one, without blocking and without SIGPIPE. Returns the
 * bytes sent or -errno (-ESTALE: @fd is now something else, -ENOTSOCK: it
 * is not that kind of socket); errno is preserved. A lost message never
 * changes a decision.
 */
ssize_t shim_plat_send(int fd, unsigned long long dev, unsigned long long ino, const void *buf,
		       size_t len);

#endif
