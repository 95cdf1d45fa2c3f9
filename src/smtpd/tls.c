/* tls.c - OpenSSL 3 server contexts and non-blocking TLS I/O (see tls.h). The peer's bytes
 * are untrusted and parsed by OpenSSL; we only map its results onto the event loop.
 * RFC 3207, RFC 8314; TLS 1.2 minimum per RFC 8996 and RFC 8314 4.1. */
#include "smtpd/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/event.h"
#include "lib/util.h"

/* TLS 1.2 suites: forward secrecy and AEAD only (the "intermediate" profile most MTAs and
 * mail clients meet). TLS 1.3 suites are OpenSSL's defaults, which are all AEAD. */
#define TLS12_CIPHERS "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
		      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"       \
		      "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"

static void tls_error_text(struct buf *err, const char *what, const char *path)
{
	unsigned long e = ERR_get_error();
	char reason[256];
	ERR_error_string_n(e, reason, sizeof(reason));
	buf_printf(err, "%s %s: %s\n", what, path ? path : "", e ? reason : "unknown error");
	ERR_clear_error();
}

struct ssl_ctx_st *tls_context_new(const char *cert, const char *key, struct buf *err)
{
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		tls_error_text(err, "tls: cannot create a context", NULL);
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		tls_error_text(err, "tls: cannot set the protocol or ciphers", NULL);
		goto fail;
	}
	/* renegotiation is a DoS lever and useless for SMTP; server order picks the best suite */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	/* the output buffer moves (realloc, consume) between retries; idle sessions drop buffers */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_error_text(err, "tls_cert: cannot load", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_error_text(err, "tls_key: cannot load", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_error_text(err, "tls_key: does not match tls_cert", key);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void tls_context_free(struct ssl_ctx_st *ctx) { SSL_CTX_free(ctx); }

struct ssl_st *tls_connection_new(struct ssl_ctx_st *ctx, int fd)
{
	ERR_clear_error();
	SSL *ssl = SSL_new(ctx); /* holds its own reference to ctx */
	if (ssl == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}

void tls_connection_free(struct ssl_st *ssl) { SSL_free(ssl); }

/* Map SSL_get_error onto EAGAIN + want, 0 (closed) or -1 (errno set). */
static int tls_result(SSL *ssl, int ret, unsigned *want)
{
	int e = SSL_get_error(ssl, ret);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = EV_READ;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want = EV_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0 || ERR_peek_error() != 0) /* EOF without close_notify */
			errno = ECONNRESET;
		return -1;
	default:
		errno = EPROTO;
		return -1;
	}
}

int tls_handshake(struct ssl_st *ssl, unsigned *want, char *reason, size_t reason_size)
{
	ERR_clear_error();
	errno = 0;
	int ret = SSL_do_handshake(ssl);
	if (ret == 1)
		return 1;
	int e = SSL_get_error(ssl, ret);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want = e == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE;
		return 0;
	}
	unsigned long code = ERR_get_error();
	if (code != 0)
		ERR_error_string_n(code, reason, reason_size);
	else if (e == SSL_ERROR_SYSCALL)
		str_copy(reason, errno ? "connection reset during the handshake" : "client closed the connection during the handshake",
			 reason_size);
	else
		str_copy(reason, "handshake failed", reason_size);
	ERR_clear_error();
	return -1;
}

ssize_t tls_read(struct ssl_st *ssl, void *dst, size_t n, unsigned *want)
{
	ERR_clear_error();
	errno = 0;
	size_t got = 0;
	int ret = SSL_read_ex(ssl, dst, n, &got);
	if (ret == 1)
		return (ssize_t)got;
	int r = tls_result(ssl, 0, want);
	ERR_clear_error();
	return r;
}

ssize_t tls_write(struct ssl_st *ssl, const void *src, size_t n, unsigned *want)
{
	ERR_clear_error();
	errno = 0;
	size_t done = 0;
	int ret = SSL_write_ex(ssl, src, n, &done);
	if (ret == 1)
		return (ssize_t)done;
	int r = tls_result(ssl, 0, want);
	ERR_clear_error();
	if (r == 0) {
		errno = EPIPE;
		r = -1;
	}
	return r;
}

int tls_pending(struct ssl_st *ssl) { return SSL_has_pending(ssl); }

void tls_shutdown(struct ssl_st *ssl)
{
	ERR_clear_error();
	(void)SSL_shutdown(ssl); /* we close right after: the peer's close_notify is not awaited */
	ERR_clear_error();
}

const char *tls_version(struct ssl_st *ssl) { return SSL_get_version(ssl); }

const char *tls_cipher(struct ssl_st *ssl) { return SSL_get_cipher_name(ssl); }
