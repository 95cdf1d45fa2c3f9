/* queue.h - the durable queue: group commit of accepted messages to the spool, recovery
 * at start, and the hand-off of pending recipients to delivery (architecture.md, "The
 * queue"). Called from the event loop thread only. */
#ifndef TERN_QUEUE_H
#define TERN_QUEUE_H

#include <stdbool.h>

#include "conf/conf.h"
#include "lib/buf.h"
#include "lib/event.h"
#include "queue/envelope.h"

struct queue;

enum queue_result {
	QUEUE_OK = 0,
	QUEUE_NO_SPACE, /* ENOSPC/EDQUOT or below spool_min_free -> 452 4.3.1 */
	QUEUE_IO_ERROR, /* any other write/sync failure -> 451 4.3.0 */
};

/* Called on the loop thread once the message is durable (QUEUE_OK) or has failed; 'what'
 * says what failed. After the call the queue owns the envelope either way. */
typedef void (*queue_commit_cb)(void *arg, enum queue_result result, const char *what);

/* Open (create) the spool, recover it, start the sync thread and delivery.
 * NULL with a message in err on failure. */
struct queue *queue_open(struct event_loop *loop, struct conf *conf, struct buf *err);
void queue_set_conf(struct queue *q, struct conf *conf);
/* Fill env->id with a fresh queue id (time-ordered, unique in this spool). */
void queue_assign_id(struct queue *q, struct envelope *env);
/* Append env to the spool; cb fires when it is durable. Takes ownership of env. */
void queue_commit(struct queue *q, struct envelope *env, queue_commit_cb cb, void *arg);
/* The session that waits for cb(arg) is gone: drop the callback (the commit still happens). */
void queue_forget(struct queue *q, void *arg);
/* Is there room in the spool (free space above spool_min_free)? Cached for a second. */
bool queue_has_space(struct queue *q);
/* Commits still waiting for their sync (shutdown waits for 0). */
size_t queue_commits_pending(const struct queue *q);
/* Administration (`tern queue` through the control socket). Each returns -1 with a reason
 * in *err when the id is not queued (or, for delete, while a delivery of it runs). */
int queue_hold(struct queue *q, const char *id, bool hold, const char **err);
int queue_delete(struct queue *q, const char *id, const char **err);
/* Retry now: one message, or every message when id is NULL. Returns how many. */
int queue_flush(struct queue *q, const char *id, const char **err);
/* Stop delivery and the sync thread; flush what is pending. */
void queue_close(struct queue *q);

#endif
