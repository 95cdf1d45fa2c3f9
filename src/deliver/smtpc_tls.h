/* smtpc_tls.h - the TLS client primitives of the outbound client: one OpenSSL client
 * context for opportunistic STARTTLS (RFC 3207, RFC 7435: no certificate verification), a
 * non-blocking handshake step, and read/write with errno-style results so that smtpc.c
 * treats a plain socket and a TLS session alike. The peer's bytes are untrusted; OpenSSL
 * parses them. */
#ifndef TERN_SMTPC_TLS_H
#define TERN_SMTPC_TLS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct ssl_st SSL;

/* A client session on the connected socket fd; sni (a host name, not an address) or NULL.
 * NULL if OpenSSL cannot set one up. */
SSL *smtpc_tls_new(int fd, const char *sni);
void smtpc_tls_free(SSL *ssl, int send_close_notify);
/* One handshake step: 1 done, 0 call again when the socket is ready (*want_write says
 * whether it waits to write), -1 failed with the reason in why. */
int smtpc_tls_handshake(SSL *ssl, int *want_write, char *why, size_t whysize);
/* Like send/recv: bytes moved, 0 at the peer's close_notify (read only), -1 with errno
 * EAGAIN (try again when ready) or another error. */
ssize_t smtpc_tls_write(SSL *ssl, const char *p, size_t n);
ssize_t smtpc_tls_read(SSL *ssl, char *p, size_t n);

#endif
