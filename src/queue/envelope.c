/* envelope.c - allocation and recipients of an envelope (see envelope.h). */
#include "queue/envelope.h"

#include <stdlib.h>

#include "lib/util.h"

struct envelope *envelope_new(void)
{
	struct envelope *e = xcalloc(1, sizeof(*e));
	buf_init(&e->data, SIZE_MAX);
	return e;
}

void envelope_free(struct envelope *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->nrcpts; i++) {
		free(e->rcpts[i].orig);
		free(e->rcpts[i].address);
		free(e->rcpts[i].last_reply);
		free(e->rcpts[i].remote_mta);
	}
	free(e->rcpts);
	free(e->sender);
	free(e->client_ip);
	free(e->helo);
	buf_free(&e->data);
	free(e);
}

struct envelope_rcpt *envelope_add_rcpt(struct envelope *e, const char *orig, const char *address,
					enum rcpt_kind kind)
{
	if (e->nrcpts == e->rcpt_cap) {
		size_t n = e->rcpt_cap ? e->rcpt_cap * 2 : 4;
		struct envelope_rcpt *r = realloc(e->rcpts, n * sizeof(*r));
		if (r == NULL)
			die_oom();
		e->rcpts = r;
		e->rcpt_cap = n;
	}
	struct envelope_rcpt *r = &e->rcpts[e->nrcpts++];
	*r = (struct envelope_rcpt){.orig = xstrdup(orig), .address = xstrdup(address), .kind = kind};
	return r;
}

size_t envelope_pending(const struct envelope *e)
{
	size_t n = 0;
	for (size_t i = 0; i < e->nrcpts; i++)
		n += e->rcpts[i].state == RCPT_PENDING;
	return n;
}
