/* control.c - the control socket (control.h). Input comes from local administrators through
 * a 0600 socket, but is still parsed within CONTROL_LINE_MAX and never trusted further:
 * queue ids are checked by the queue. */
#include "queue/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

#define CONTROL_CLIENTS_MAX 16

struct control_client {
	struct control *ctl;
	int fd;
	size_t len;
	char line[CONTROL_LINE_MAX];
};

struct control {
	struct event_loop *loop;
	struct queue *q;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned clients;
};

void control_execute(struct queue *q, const char *line, char *reply, size_t replysize)
{
	char verb[16] = "", arg[CONTROL_LINE_MAX] = "";
	const char *sp = strchr(line, ' ');
	size_t vlen = sp ? (size_t)(sp - line) : strlen(line);
	if (vlen >= sizeof(verb)) {
		snprintf(reply, replysize, "ERR unknown request");
		return;
	}
	memcpy(verb, line, vlen);
	if (sp)
		str_copy(arg, sp + 1, sizeof(arg));
	const char *err = "";
	int n;
	if (strcmp(verb, "PING") == 0) {
		snprintf(reply, replysize, "OK ternd is running");
		return;
	}
	if (strcmp(verb, "FLUSH") == 0) {
		n = queue_flush(q, arg[0] ? arg : NULL, &err);
		if (n >= 0)
			snprintf(reply, replysize, "OK %d message%s scheduled for delivery now", n, n == 1 ? "" : "s");
	} else if (arg[0] == '\0') {
		snprintf(reply, replysize, "ERR %s needs a queue id", verb[0] ? verb : "request");
		return;
	} else if (strcmp(verb, "DELETE") == 0) {
		n = queue_delete(q, arg, &err);
		if (n == 0)
			snprintf(reply, replysize, "OK %s deleted", arg);
	} else if (strcmp(verb, "HOLD") == 0 || strcmp(verb, "RELEASE") == 0) {
		bool hold = verb[0] == 'H';
		n = queue_hold(q, arg, hold, &err);
		if (n == 0)
			snprintf(reply, replysize, "OK %s %s", arg, hold ? "held" : "released");
	} else {
		snprintf(reply, replysize, "ERR unknown request");
		return;
	}
	if (n < 0)
		snprintf(reply, replysize, "ERR %s: %s", arg, err);
}

static void client_close(struct control_client *cl)
{
	event_del(cl->ctl->loop, cl->fd);
	close(cl->fd);
	cl->ctl->clients--;
	free(cl);
}

static void client_read(void *arg, unsigned events)
{
	struct control_client *cl = arg;
	ssize_t n = read(cl->fd, cl->line + cl->len, sizeof(cl->line) - 1 - cl->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		return client_close(cl);
	cl->len += (size_t)n;
	char *lf = memchr(cl->line, '\n', cl->len);
	char reply[CONTROL_LINE_MAX + 128];
	if (lf == NULL && cl->len < sizeof(cl->line) - 1)
		return; /* wait for the rest of the line */
	if (lf == NULL) {
		snprintf(reply, sizeof(reply), "ERR request line too long\n");
	} else {
		*lf = '\0';
		if (lf > cl->line && lf[-1] == '\r')
			lf[-1] = '\0';
		control_execute(cl->ctl->q, cl->line, reply, sizeof(reply) - 1);
		size_t rl = strlen(reply);
		reply[rl] = '\n';
		reply[rl + 1] = '\0';
	}
	/* a reply line is far below the socket buffer: one write, no waiting */
	ssize_t w = write(cl->fd, reply, strlen(reply));
	(void)w;
	client_close(cl);
}

static void control_accept(void *arg, unsigned events)
{
	struct control *c = arg;
	for (;;) {
		int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (c->clients >= CONTROL_CLIENTS_MAX) {
			static const char busy[] = "ERR too many control connections\n";
			ssize_t w = write(fd, busy, sizeof(busy) - 1);
			(void)w;
			close(fd);
			continue;
		}
		struct control_client *cl = xcalloc(1, sizeof(*cl));
		cl->ctl = c;
		cl->fd = fd;
		c->clients++;
		event_add(c->loop, fd, EV_READ, client_read, cl);
	}
}

struct control *control_open(struct event_loop *loop, struct queue *q, const char *spool, struct buf *err)
{
	struct control *c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	c->q = q;
	int n = snprintf(c->path, sizeof(c->path), "%s/%s", spool, CONTROL_SOCKET);
	if (n < 0 || (size_t)n >= sizeof(c->path)) {
		buf_printf(err, "control socket path too long: %s/%s\n", spool, CONTROL_SOCKET);
		free(c);
		return NULL;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, c->path, (size_t)n + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(c->path); /* a socket left by a daemon that was killed */
	mode_t old = umask(0177);
	int r = c->fd < 0 ? -1 : bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(c->fd, 16) < 0) {
		buf_printf(err, "control socket %s: %s\n", c->path, strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return NULL;
	}
	event_add(loop, c->fd, EV_READ, control_accept, c);
	return c;
}

void control_close(struct control *c)
{
	if (c == NULL)
		return;
	event_del(c->loop, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c);
}
