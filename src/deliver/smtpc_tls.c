/* smtpc_tls.c - OpenSSL for the outbound client's STARTTLS (see smtpc_tls.h). Opportunistic
 * TLS (RFC 3207 4.1 allows proceeding without authentication; RFC 7435): encryption against
 * passive listeners, and a certificate that does not verify must not stop delivery, so
 * nothing is verified. Untrusted input is handled inside OpenSSL. */
#include "deliver/smtpc_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/util.h"

static SSL_CTX *client_ctx; /* one for the process, made on first use */

static SSL_CTX *tls_ctx(void)
{
	if (client_ctx)
		return client_ctx;
	client_ctx = SSL_CTX_new(TLS_client_method());
	if (client_ctx == NULL)
		return NULL;
	SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(client_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return client_ctx;
}

SSL *smtpc_tls_new(int fd, const char *sni)
{
	SSL_CTX *ctx = tls_ctx();
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	if (ssl == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	struct in6_addr tmp;
	/* SNI carries host names only (RFC 6066 3) */
	if (sni && inet_pton(AF_INET, sni, &tmp) != 1 && inet_pton(AF_INET6, sni, &tmp) != 1)
		SSL_set_tlsext_host_name(ssl, sni);
	SSL_set_connect_state(ssl);
	return ssl;
}

void smtpc_tls_free(SSL *ssl, int send_close_notify)
{
	if (ssl == NULL)
		return;
	if (send_close_notify)
		SSL_shutdown(ssl); /* best effort: we do not wait for the peer's */
	SSL_free(ssl);
}

int smtpc_tls_handshake(SSL *ssl, int *want_write, char *why, size_t whysize)
{
	ERR_clear_error();
	int r = SSL_connect(ssl);
	if (r == 1)
		return 1;
	int e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want_write = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	unsigned long code = ERR_peek_last_error();
	if (code)
		ERR_error_string_n(code, why, whysize);
	else
		snprintf(why, whysize, "%s", e == SSL_ERROR_SYSCALL ? "connection closed" : "handshake refused");
	return -1;
}

ssize_t smtpc_tls_write(SSL *ssl, const char *p, size_t n)
{
	ERR_clear_error();
	int w = SSL_write(ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	if (w > 0)
		return w;
	int e = SSL_get_error(ssl, w);
	errno = e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? EAGAIN : EPIPE;
	return -1;
}

ssize_t smtpc_tls_read(SSL *ssl, char *p, size_t n)
{
	ERR_clear_error();
	int r = SSL_read(ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	if (r > 0)
		return r;
	int e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	errno = ECONNRESET;
	return -1;
}
