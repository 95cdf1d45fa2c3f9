/* control.h - the control socket, <spool>/control.sock: how `tern queue flush/delete/hold/
 * release` ask the running ternd to change its queue, so the tool never writes the spool
 * behind the daemon's back (architecture.md, "Processes and trust"). One request line per
 * connection, one reply line: "OK text" or "ERR text". Mode 0600: root and the ternd user. */
#ifndef TERN_CONTROL_H
#define TERN_CONTROL_H

#include "lib/buf.h"
#include "lib/event.h"
#include "queue/queue.h"

#define CONTROL_SOCKET "control.sock"
#define CONTROL_LINE_MAX 256

struct control;

/* Listen on <spool>/control.sock (replacing a stale socket). NULL with a message in err. */
struct control *control_open(struct event_loop *loop, struct queue *q, const char *spool, struct buf *err);
void control_close(struct control *c);

/* Carry out one request line (without its LF) and write the reply line (without LF) to
 * reply. Pure dispatch on the queue: unit-testable and fuzzable without sockets. */
void control_execute(struct queue *q, const char *line, char *reply, size_t replysize);

#endif
