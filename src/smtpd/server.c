/* server.c - listeners, connection limits, socket I/O (plain or TLS) and signals for ternd
 * (server.h). Peers are untrusted: every read goes into a bounded buffer and through
 * session_input. Every server-initiated close is preceded by a 421 (RFC 5321 3.8).
 * STARTTLS (RFC 3207 4.2): after its 220 is flushed, buffered plaintext is discarded and the
 * handshake runs on the same loop; implicit TLS (RFC 8314 3.3) greets after the handshake. */
#include "smtpd/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "queue/queue.h"
#include "smtpd/session.h"
#include "smtpd/tls.h"

#define READ_CHUNK 16384
/* SIGTERM: how long a session that does not read its 421 may delay the exit */
#define SHUTDOWN_GRACE_MS 10000u

struct ip_count {
	struct ip_count *next;
	unsigned count;
	char ip[64];
};

struct listener_ctx {
	struct server *srv;
	size_t index;
};
static struct listener_ctx listener_ctx[CONF_LISTEN_MAX];

static void session_io(void *arg, unsigned events);
static void maybe_finish_shutdown(struct server *srv);

/* --- per-address connection counts (connection_limit_per_ip) --- */

static struct ip_count **ip_slot(struct server *srv, const char *ip)
{
	unsigned h = 5381;
	for (const char *p = ip; *p; p++)
		h = h * 33 + (unsigned char)*p;
	struct ip_count **pp = &srv->ip_counts[h % ARRAY_LEN(srv->ip_counts)];
	while (*pp && strcmp((*pp)->ip, ip) != 0)
		pp = &(*pp)->next;
	return pp;
}

static unsigned ip_get(struct server *srv, const char *ip)
{
	struct ip_count *c = *ip_slot(srv, ip);
	return c ? c->count : 0;
}

static void ip_add(struct server *srv, const char *ip, int delta)
{
	struct ip_count **pp = ip_slot(srv, ip);
	if (*pp == NULL) {
		if (delta < 0)
			return;
		*pp = xcalloc(1, sizeof(**pp));
		str_copy((*pp)->ip, ip, sizeof((*pp)->ip));
	}
	(*pp)->count += (unsigned)delta;
	if ((*pp)->count == 0) {
		struct ip_count *dead = *pp;
		*pp = dead->next;
		free(dead);
	}
}

/* --- sessions --- */

static void session_free(struct server *srv, struct session *s)
{
	log_msg(LOG_INFO, "disconnect sid=%s ip=%s messages=%llu", s->id, s->client_ip, (unsigned long long)s->messages);
	event_timer_cancel(srv->loop, &s->idle);
	event_timer_cancel(srv->loop, &s->tls_kick);
	event_del(srv->loop, s->fd);
	if (s->ssl)
		tls_connection_free(s->ssl);
	s->ssl = NULL;
	if (s->fd >= 0)
		close(s->fd);
	ip_add(srv, s->client_ip, -1);
	if (s->prev)
		s->prev->next = s->next;
	else
		srv->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	srv->nsessions--;
	session_cleanup(s);
	free(s);
	maybe_finish_shutdown(srv);
}

static void session_set_io(struct server *srv, struct session *s, unsigned mask)
{
	if (mask == s->io_mask)
		return;
	s->io_mask = mask;
	event_modify(srv->loop, s->fd, mask, session_io, s);
}

/* read(2)/write(2) or their TLS forms; -1 with errno EAGAIN when the socket (or TLS) must
 * wait, and then s->tls_want says for what. */
static ssize_t conn_read(struct session *s, void *dst, size_t n)
{
	if (s->ssl)
		return tls_read(s->ssl, dst, n, &s->tls_want);
	return read(s->fd, dst, n);
}

static ssize_t conn_write(struct session *s, const void *src, size_t n)
{
	if (s->ssl)
		return tls_write(s->ssl, src, n, &s->tls_want);
	return write(s->fd, src, n);
}

static void tls_begin(struct server *srv, struct session *s);
static void tls_step(struct server *srv, struct session *s);

/* Write what is queued; close when a closing session has said everything. */
void server_session_flush(struct server *srv, struct session *s)
{
	if (s->tls_handshaking) {
		tls_step(srv, s);
		return;
	}
	unsigned write_wants = 0;
	while (s->out.len > 0) {
		ssize_t n = conn_write(s, s->out.data, s->out.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			write_wants = s->ssl ? s->tls_want : EV_WRITE;
			break;
		}
		if (n <= 0) {
			session_free(srv, s);
			return;
		}
		buf_consume(&s->out, (size_t)n);
	}
	if (s->out.len == 0 && s->state == SESS_CLOSING) {
		if (s->ssl)
			tls_shutdown(s->ssl);
		shutdown(s->fd, SHUT_WR);
		session_free(srv, s);
		return;
	}
	if (s->out.len == 0 && s->starttls_pending) {
		/* the 220 is out: nothing the client sent before its handshake is kept */
		s->starttls_pending = false;
		buf_release(&s->in);
		tls_begin(srv, s);
		return;
	}
	if (s->out.len == 0)
		buf_release(&s->out); /* idle sessions keep no buffers */
	unsigned mask = (s->state == SESS_COMMIT || s->state == SESS_CLOSING || s->output_paused) ? 0 : EV_READ;
	/* paused: come back when the socket is writable to process the rest of the input */
	if (s->out.len > 0 || s->output_paused)
		mask |= write_wants ? write_wants : EV_WRITE;
	session_set_io(srv, s, mask);
	/* OpenSSL may hold decrypted bytes the socket will not signal again */
	if ((mask & EV_READ) && s->ssl && tls_pending(s->ssl) > 0)
		event_timer_set(srv->loop, &s->tls_kick, 0);
}

/* Feed what is buffered to the protocol, then flush. Returns false if s was freed. */
static void session_process(struct server *srv, struct session *s)
{
	if (s->in.len > 0) {
		size_t used = session_input(s, s->in.data, s->in.len);
		buf_consume(&s->in, used);
	}
	if (s->in.len == 0)
		buf_release(&s->in);
	server_session_flush(srv, s);
}

void server_session_resume(struct server *srv, struct session *s)
{
	if (srv->shutting_down && s->state != SESS_CLOSING)
		session_close_with(s, REPLY_SHUTDOWN);
	session_process(srv, s);
}

static void session_read(struct server *srv, struct session *s)
{
	for (;;) {
		char *dst = buf_reserve(&s->in, READ_CHUNK);
		if (dst == NULL)
			break; /* full: session_process will consume */
		ssize_t n = conn_read(s, dst, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (s->ssl && s->tls_want == EV_WRITE) { /* TLS must write before it can read */
				session_set_io(srv, s, s->io_mask | EV_WRITE);
				return;
			}
			break;
		}
		if (n <= 0) { /* peer closed or reset: nothing to say to it */
			session_free(srv, s);
			return;
		}
		s->in.len += (size_t)n;
		if ((size_t)n < READ_CHUNK && s->ssl == NULL)
			break; /* with TLS, a read returns one record: go on until it would block */
	}
	event_timer_set(srv->loop, &s->idle, s->conf->timeout * 1000);
	session_process(srv, s);
}

static void session_io(void *arg, unsigned events)
{
	struct session *s = arg;
	struct server *srv = s->srv;
	if (s->tls_handshaking) {
		tls_step(srv, s);
		return;
	}
	if (s->ssl && (events & EV_WRITE) && s->out.len == 0) {
		session_read(srv, s); /* the write TLS wanted was for a read */
		return;
	}
	if (events & EV_READ) {
		session_read(srv, s);
		return; /* s may be gone; read also flushes */
	}
	if (events & EV_WRITE) {
		if (s->output_paused)
			session_process(srv, s); /* replies drained: go on with the commands read */
		else
			server_session_flush(srv, s);
	}
}

static void session_tls_kick(void *arg)
{
	struct session *s = arg;
	if (!(s->io_mask & EV_READ) || s->tls_handshaking)
		return;
	session_read(s->srv, s);
}

/* --- TLS: STARTTLS after its 220, or at connect on a submissions listener --- */

static void tls_begin(struct server *srv, struct session *s)
{
	s->ssl = srv->tls_ctx ? tls_connection_new(srv->tls_ctx, s->fd) : NULL;
	if (s->ssl == NULL) {
		log_msg(LOG_WARN, "tls-handshake-failed sid=%s ip=%s reason=\"no TLS context\"", s->id, s->client_ip);
		session_free(srv, s);
		return;
	}
	s->tls_handshaking = true;
	tls_step(srv, s);
}

static void tls_step(struct server *srv, struct session *s)
{
	char reason[256] = "";
	unsigned want = 0;
	int rc = tls_handshake(s->ssl, &want, reason, sizeof(reason));
	if (rc == 0) {
		session_set_io(srv, s, want);
		return;
	}
	if (rc < 0) {
		char q[LOG_QUOTE_SIZE];
		log_msg(LOG_INFO, "tls-handshake-failed sid=%s ip=%s reason=%s", s->id, s->client_ip,
			log_quote(q, reason, strlen(reason)));
		session_free(srv, s); /* no 421: there is no channel left to send it on */
		return;
	}
	s->tls_handshaking = false;
	log_msg(LOG_INFO, "tls sid=%s version=%s cipher=%s", s->id, tls_version(s->ssl), tls_cipher(s->ssl));
	session_tls_started(s);
	if (s->tls_implicit)
		session_reply(s, reply_make(REPLY_GREETING, s->conf->hostname));
	server_session_flush(srv, s); /* also arms tls_kick if the client's first command is buffered */
}

static void session_idle(void *arg)
{
	struct session *s = arg;
	if (s->tls_handshaking) { /* no TLS channel to send a 421 on yet */
		log_msg(LOG_INFO, "drop sid=%s reason=tls-handshake-timeout", s->id);
		session_free(s->srv, s);
		return;
	}
	if (s->state == SESS_COMMIT) { /* waiting for our own disk, not for the client */
		event_timer_set(s->srv->loop, &s->idle, s->conf->timeout * 1000);
		return;
	}
	if (s->state == SESS_CLOSING) {
		/* a whole timeout and our last words (421/221) are still unsent: the client does not
		 * read. Drop it, or it would hold its slot (and a SIGTERM shutdown) forever. */
		log_msg(LOG_INFO, "drop sid=%s reason=client-not-reading unsent=%zu", s->id, s->out.len);
		session_free(s->srv, s);
		return;
	}
	session_close_with(s, REPLY_IDLE_TIMEOUT);
	event_timer_set(s->srv->loop, &s->idle, s->conf->timeout * 1000); /* for the case above */
	server_session_flush(s->srv, s);
}

static void refuse(int fd, enum reply_id id, const char *host)
{
	struct buf b;
	buf_init(&b, 1024);
	struct reply r = reply_make(id, host);
	reply_format(&b, &r);
	ssize_t n = write(fd, b.data, b.len); /* best effort: a fresh socket has room */
	(void)n;
	buf_free(&b);
	close(fd);
}

static void peer_ip(const struct sockaddr_storage *ss, char *dst, size_t dstsize)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], dst, (socklen_t)dstsize);
		else
			inet_ntop(AF_INET6, &a->sin6_addr, dst, (socklen_t)dstsize);
	} else if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, dst, (socklen_t)dstsize);
	} else {
		str_copy(dst, "local", dstsize);
	}
}

static void accept_one(struct server *srv, int lfd, enum listen_role role)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	int fd = accept4(lfd, (struct sockaddr *)&ss, &slen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_msg(LOG_WARN, "accept-failed error=\"%s\"", strerror(errno));
		return;
	}
	char ip[64];
	peer_ip(&ss, ip, sizeof(ip));
	struct conf *c = srv->conf;
	if (srv->nsessions >= c->connection_limit) {
		log_msg(LOG_WARN, "refuse ip=%s reason=connection_limit", ip);
		refuse(fd, REPLY_TOO_MANY_CONN, c->hostname);
		return;
	}
	if (role != ROLE_LOCAL && ip_get(srv, ip) >= c->connection_limit_per_ip) {
		log_msg(LOG_WARN, "refuse ip=%s reason=connection_limit_per_ip", ip);
		refuse(fd, REPLY_TOO_MANY_CONN_IP, c->hostname);
		return;
	}
	int one = 1;
	if (role != ROLE_LOCAL)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct session *s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	snprintf(s->id, sizeof(s->id), "%08llx", (unsigned long long)(++srv->next_session & 0xffffffffu));
	session_init(s, srv, c, ip, role);
	event_timer_init(&s->idle, session_idle, s);
	s->next = srv->sessions;
	if (s->next)
		s->next->prev = s;
	srv->sessions = s;
	srv->nsessions++;
	ip_add(srv, ip, 1);
	s->io_mask = EV_READ;
	s->tls_offered = srv->tls_ctx != NULL && role != ROLE_LOCAL;
	event_timer_init(&s->tls_kick, session_tls_kick, s);
	if (event_add(srv->loop, fd, EV_READ, session_io, s) < 0) {
		session_free(srv, s);
		return;
	}
	event_timer_set(srv->loop, &s->idle, c->timeout * 1000);
	log_msg(LOG_INFO, "connect sid=%s ip=%s role=%s", s->id, ip, conf_role_name(role));
	if (role == ROLE_SUBMISSIONS) { /* RFC 8314 3.3: TLS first, then the greeting */
		s->tls_implicit = true;
		tls_begin(srv, s);
		return;
	}
	session_reply(s, reply_make(REPLY_GREETING, c->hostname));
	server_session_flush(srv, s);
}

static void listener_io(void *arg, unsigned events)
{
	struct listener_ctx *lc = arg;
	struct server *srv = lc->srv;
	/* a bounded batch per wake-up keeps a connection storm from starving sessions */
	for (int i = 0; i < 64 && !srv->shutting_down; i++) {
		size_t before = srv->next_session;
		accept_one(srv, srv->listen_fds[lc->index], srv->listen_roles[lc->index]);
		if (srv->next_session == before && errno == EAGAIN)
			break;
	}
}

static void local_io(void *arg, unsigned events)
{
	struct server *srv = arg;
	for (int i = 0; i < 64 && !srv->shutting_down && srv->local_fd >= 0; i++) {
		size_t before = srv->next_session;
		accept_one(srv, srv->local_fd, ROLE_LOCAL);
		if (srv->next_session == before && errno == EAGAIN)
			break;
	}
}

/* The local submission socket: ordinary SMTP for tern sendmail, on a path only this host can
 * reach. Mode 0666 like Postfix's public/pickup: any local user may submit, as with
 * /usr/sbin/sendmail; such sessions are trusted to relay (session_may_relay). */
int server_open_local(struct server *srv, struct buf *err)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/submit.sock", srv->conf->spool);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path) || (size_t)n >= sizeof(srv->local_path)) {
		buf_printf(err, "spool path too long for a socket: %s/submit.sock\n", srv->conf->spool);
		return -1;
	}
	/* other users must reach the socket, not read the spool: search permission only (the
	 * segments are 0600 inside seg/, 0700) */
	if (chmod(srv->conf->spool, 0711) < 0) {
		buf_printf(err, "chmod %s: %s\n", srv->conf->spool, strerror(errno));
		return -1;
	}
	unlink(sun.sun_path); /* a stale socket of an earlier run */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(sun.sun_path, 0666) < 0 ||
	    listen(fd, 256) < 0) {
		buf_printf(err, "local socket %s: %s\n", sun.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	srv->local_fd = fd;
	str_copy(srv->local_path, sun.sun_path, sizeof(srv->local_path));
	event_add(srv->loop, fd, EV_READ, local_io, srv);
	log_msg(LOG_INFO, "listen addr=%s role=local", srv->local_path);
	return 0;
}

static int listen_on(const struct conf_listen *l, struct buf *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res;
	const char *host = (l->host[0] == '\0' || strcmp(l->host, "*") == 0) ? NULL : l->host;
	int rc = getaddrinfo(host, l->port, &hints, &res);
	if (rc != 0) {
		buf_printf(err, "listen %s:%s: %s\n", l->host, l->port, gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 4096) < 0) {
		buf_printf(err, "listen %s:%s: %s\n", l->host, l->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* --- signals --- */

static void server_shutdown(struct server *srv)
{
	if (srv->shutting_down)
		return;
	srv->shutting_down = true;
	log_msg(LOG_INFO, "shutdown sessions=%zu", srv->nsessions);
	for (size_t i = 0; i < srv->nlisten; i++) {
		event_del(srv->loop, srv->listen_fds[i]);
		close(srv->listen_fds[i]);
		srv->listen_fds[i] = -1;
	}
	if (srv->local_fd >= 0) {
		event_del(srv->loop, srv->local_fd);
		close(srv->local_fd);
		srv->local_fd = -1;
		unlink(srv->local_path);
	}
	struct session *next;
	for (struct session *s = srv->sessions; s; s = next) {
		next = s->next;
		if (s->state == SESS_COMMIT)
			continue; /* it gets its 250 (or 451) first, then the 421 in server_session_resume */
		if (s->tls_handshaking) { /* no channel for a 421 yet */
			session_free(srv, s);
			continue;
		}
		session_close_with(s, REPLY_SHUTDOWN);
		/* a client that does not read its 421 is dropped by session_idle after this */
		uint64_t grace = s->conf->timeout * 1000;
		event_timer_set(srv->loop, &s->idle, grace < SHUTDOWN_GRACE_MS ? grace : SHUTDOWN_GRACE_MS);
		server_session_flush(srv, s);
	}
	maybe_finish_shutdown(srv);
}

static void maybe_finish_shutdown(struct server *srv)
{
	if (srv->shutting_down && srv->nsessions == 0 && (srv->queue == NULL || queue_commits_pending(srv->queue) == 0))
		event_loop_stop(srv->loop);
}

/* A new SSL_CTX from the current tls_cert/tls_key (at start and on SIGHUP). Running sessions
 * keep the context they started with (SSL_new holds a reference); if the new files do not
 * load, the old context stays and the reason is logged. */
int server_load_tls(struct server *srv)
{
	if (srv->conf->tls_cert == NULL) {
		tls_context_free(srv->tls_ctx);
		srv->tls_ctx = NULL;
		return 0;
	}
	struct buf err;
	buf_init(&err, 4096);
	struct ssl_ctx_st *ctx = tls_context_new(srv->conf->tls_cert, srv->conf->tls_key, &err);
	if (ctx == NULL) {
		char q[LOG_QUOTE_SIZE];
		log_msg(LOG_ERR, "tls-load-failed keeping=%s error=%s", srv->tls_ctx ? "old-certificate" : "none",
			log_quote(q, err.data ? err.data : "", err.len ? err.len - 1 : 0));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	tls_context_free(srv->tls_ctx);
	srv->tls_ctx = ctx;
	log_msg(LOG_INFO, "tls-loaded cert=%s", srv->conf->tls_cert);
	return 0;
}

static void server_reload(struct server *srv)
{
	struct buf err;
	buf_init(&err, 64 * 1024);
	struct conf *c = conf_load(srv->conf_file, srv->overrides, srv->noverrides, &err);
	if (c == NULL) {
		buf_cstr(&err);
		log_msg(LOG_ERR, "reload-failed keeping=old-configuration errors=\"%s\"", err.data ? err.data : "");
	} else {
		conf_unref(srv->conf);
		srv->conf = c;
		if (srv->queue)
			queue_set_conf(srv->queue, c);
		server_load_tls(srv);
		log_msg(LOG_INFO, "reload ok (new sessions use the new configuration)");
	}
	buf_free(&err);
}

static void signal_io(void *arg, unsigned events)
{
	struct server *srv = arg;
	struct signalfd_siginfo si;
	while (read(srv->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			server_shutdown(srv);
		else if (si.ssi_signo == SIGHUP)
			server_reload(srv);
	}
}

int server_start(struct server *srv, struct buf *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	srv->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->signal_fd < 0 || event_add(srv->loop, srv->signal_fd, EV_READ, signal_io, srv) < 0) {
		buf_printf(err, "signalfd: %s\n", strerror(errno));
		return -1;
	}
	if (srv->conf->tls_cert) {
		srv->tls_ctx = tls_context_new(srv->conf->tls_cert, srv->conf->tls_key, err);
		if (srv->tls_ctx == NULL)
			return -1;
		log_msg(LOG_INFO, "tls-loaded cert=%s", srv->conf->tls_cert);
	}
	for (size_t i = 0; i < srv->conf->listen_count; i++) {
		int fd = listen_on(&srv->conf->listen[i], err);
		if (fd < 0)
			return -1;
		srv->listen_fds[i] = fd;
		srv->listen_roles[i] = srv->conf->listen[i].role;
		listener_ctx[i] = (struct listener_ctx){srv, i};
		event_add(srv->loop, fd, EV_READ, listener_io, &listener_ctx[i]);
		srv->nlisten++;
		log_msg(LOG_INFO, "listen addr=%s:%s role=%s", srv->conf->listen[i].host, srv->conf->listen[i].port,
			conf_role_name(srv->conf->listen[i].role));
	}
	return 0;
}

void server_stop(struct server *srv)
{
	while (srv->sessions)
		session_free(srv, srv->sessions);
	for (size_t i = 0; i < ARRAY_LEN(srv->ip_counts); i++)
		while (srv->ip_counts[i]) {
			struct ip_count *c = srv->ip_counts[i];
			srv->ip_counts[i] = c->next;
			free(c);
		}
	if (srv->signal_fd >= 0)
		close(srv->signal_fd);
	if (srv->local_fd >= 0) {
		close(srv->local_fd);
		if (srv->local_path[0])
			unlink(srv->local_path);
	}
	tls_context_free(srv->tls_ctx);
	srv->tls_ctx = NULL;
}
