/* queue.h - `tern queue` (and `mailq`): list the queue, show one message's attempt history
 * with explanations, and ask the running ternd to flush, delete, hold or release. */
#ifndef TERN_TOOLS_QUEUE_H
#define TERN_TOOLS_QUEUE_H

/* argv[0] is "queue" or "mailq". Exit status: 0 done, 1 failed (e.g. ternd not running,
 * no such message), 2 usage. */
int tool_queue(int argc, char **argv);

#endif
