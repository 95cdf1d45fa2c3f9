/* tls.h - the server side of TLS for ternd: the SSL_CTX built from tls_cert/tls_key
 * (TLS 1.2 at least, forward-secret AEAD ciphers) and non-blocking per-connection
 * handshake, read and write for server.c's event loop. The peer's TLS records are untrusted;
 * OpenSSL parses them. RFC 3207 (STARTTLS), RFC 8314 (implicit TLS), RFC 8996 (no TLS < 1.2). */
#ifndef TERN_TLS_H
#define TERN_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/buf.h"

struct ssl_ctx_st;
struct ssl_st;

/* A new server context from PEM files; NULL with the OpenSSL reason in err. Sessions take
 * their own reference (SSL_new), so a SIGHUP can swap in a new context while they run. */
struct ssl_ctx_st *tls_context_new(const char *cert, const char *key, struct buf *err);
void tls_context_free(struct ssl_ctx_st *ctx);

/* A server-side TLS connection on the non-blocking socket fd; NULL on failure. */
struct ssl_st *tls_connection_new(struct ssl_ctx_st *ctx, int fd);
void tls_connection_free(struct ssl_st *ssl);
/* One handshake step: 1 done, 0 call again when *want (EV_READ/EV_WRITE) is ready, -1 failed
 * with the reason in reason. */
int tls_handshake(struct ssl_st *ssl, unsigned *want, char *reason, size_t reason_size);
/* Like read(2)/write(2): > 0 bytes, 0 closed (read only), -1 with errno EAGAIN (then *want
 * says what to wait for) or another errno. */
ssize_t tls_read(struct ssl_st *ssl, void *dst, size_t n, unsigned *want);
ssize_t tls_write(struct ssl_st *ssl, const void *src, size_t n, unsigned *want);
/* Decrypted bytes OpenSSL holds that the socket will not signal again. */
int tls_pending(struct ssl_st *ssl);
/* Best-effort close_notify (non-blocking, never waits for the peer's). */
void tls_shutdown(struct ssl_st *ssl);
/* "TLSv1.3" and the cipher name, for the log and Received:. */
const char *tls_version(struct ssl_st *ssl);
const char *tls_cipher(struct ssl_st *ssl);

#endif
