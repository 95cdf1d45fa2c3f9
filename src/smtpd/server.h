/* server.h - the listeners, the set of live sessions, connection limits and signals of
 * ternd. Accepts connections (untrusted peers) and moves bytes between sockets and
 * session_input(); all protocol decisions are in session.c and the command handlers. */
#ifndef TERN_SERVER_H
#define TERN_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "lib/latency.h"
#include "lib/event.h"

struct queue;
struct session;
struct ssl_ctx_st;

struct server {
	struct event_loop *loop;
	struct conf *conf; /* current configuration (ref held) */
	const char *conf_file;
	char **overrides;
	size_t noverrides;
	struct queue *queue;
	int listen_fds[CONF_LISTEN_MAX];
	enum listen_role listen_roles[CONF_LISTEN_MAX];
	size_t nlisten;
	int signal_fd;
	struct ssl_ctx_st *tls_ctx; /* NULL: no TLS configured */
	int local_fd;               /* <spool>/submit.sock (ROLE_LOCAL), -1 until opened */
	char local_path[108];
	struct session *sessions; /* doubly linked */
	size_t nsessions;
	struct ip_count *ip_counts[1024];
	bool shutting_down;
	unsigned long long next_session;
	struct latency_hist commit_latency; /* end-of-data dot -> 250, logged at shutdown */
};

int server_start(struct server *srv, struct buf *err);
/* (Re)build the TLS context from the current configuration; -1 (logged) if it fails. */
int server_load_tls(struct server *srv);
/* Open the local submission socket <spool>/submit.sock (mode 0666), after the spool exists. */
int server_open_local(struct server *srv, struct buf *err);
/* Called after the event loop stops: free everything. */
void server_stop(struct server *srv);
/* Session asks: write what is queued in s->out, close if the session is closing. */
void server_session_flush(struct server *srv, struct session *s);
/* Resume reading after a commit finished. */
void server_session_resume(struct server *srv, struct session *s);

#endif
