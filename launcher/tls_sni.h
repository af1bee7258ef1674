/* SPDX-License-Identifier: MIT */
/*
 * tls_sni.h — the server name a TLS client asks for (the SNI extension of
 * its ClientHello, RFC 6066), read from the first bytes a client sends
 * through a CONNECT tunnel, so that the name it tunnels to and the name it
 * presents agree (no domain fronting). Pure: no I/O, no allocation.
 */
#ifndef AIGATE_TLS_SNI_H
#define AIGATE_TLS_SNI_H

#include <stddef.h>
#include <stdint.h>

#define TLS_HELLO_MAX 65536 /* the most we buffer to find a ClientHello's end */

/**
 * tls_client_hello_sni() - from @buf (@len bytes received so far), the
 * host_name of the ClientHello's server_name extension, lower case, in
 * @name (@size bytes). The handshake message may span several TLS records.
 * Returns 0; -EAGAIN (the ClientHello is not complete yet); -ENOENT (a
 * complete ClientHello without server_name); -ENOTSUP (the bytes do not
 * start with a TLS handshake record: not TLS); -EBADMSG (a malformed
 * ClientHello, a name with bytes outside [a-z0-9.-_], or a ClientHello
 * larger than TLS_HELLO_MAX).
 * "Larger than TLS_HELLO_MAX" counts the bytes of @buf up to the
 * ClientHello's end, record headers included: with TLS_HELLO_MAX bytes
 * buffered the answer is never -EAGAIN. Also -EBADMSG: an empty label or a
 * trailing dot in the name (RFC 6066), two host_names or two server_name
 * extensions, a name longer than 253 bytes or than @size - 1. Bytes after
 * the ClientHello are not read. @name is written only on success.
 */
int tls_client_hello_sni(const uint8_t *buf, size_t len, char *name, size_t size);

#endif
