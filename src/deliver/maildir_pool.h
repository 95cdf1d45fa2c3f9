/* maildir_pool.h - empty files made ahead of need in the tmp/ folder of Maildirs that
 * receive mail, as many as their largest burst, so that a delivery writes into an inode that already exists instead of
 * allocating one while a client's mail waits. On ext4 without a journal, allocating an inode
 * scans every recently deleted inode of its block group, and after mass deletions that scan
 * was two thirds of the daemon's CPU (docs/performance.md). The pool moves that work to when
 * the machine is idle: the delivery worker takes files, a filler thread at the lowest CPU
 * priority makes them. Every call holds the pool's lock for its whole work (the filler
 * calls with a small budget); a take only tries the lock, so a delivery never waits for
 * the filler. No untrusted input: the paths come from the configuration and accepted
 * recipients.
 *
 * Pool files are named tmp/tern-pool.<n>. A Maildir reader never looks in tmp/, and a file
 * is only ever published by renaming it into new/ under the delivery's own name, after its
 * data is on stable storage (maildir.c), so a pool file lost in a crash, or removed by a
 * reader's tmp/ cleanup, costs nothing but the allocation it would have saved. */
#ifndef TERN_MAILDIR_POOL_H
#define TERN_MAILDIR_POOL_H

#include <stddef.h>
#include <stdint.h>

/* Bounds: a Maildir's pool grows to the most deliveries it got between two fills (a burst:
 * the pool is filled only while the worker is quiet), but never past MAILDIR_POOL_PER_DIR
 * files, and all pools together never past MAILDIR_POOL_TOTAL; a Maildir without deliveries
 * for MAILDIR_POOL_IDLE_MS gives its pool back (the files are removed). */
#define MAILDIR_POOL_PER_DIR 4096
#define MAILDIR_POOL_TOTAL 16384
#define MAILDIR_POOL_DIRS 64
#define MAILDIR_POOL_IDLE_MS 3600000u

struct maildir_pool;

struct maildir_pool *maildir_pool_new(void);
/* Forget the pools; the files stay, and a later process adopts them. */
void maildir_pool_free(struct maildir_pool *p);

/* A delivery to the Maildir at path is about to write a file: open a pool file for writing
 * (its name in tmp/ goes to name) and return the descriptor, or return -1 when the pool has
 * none or the filler holds the lock (the caller creates its own file; it never waits). The
 * demand is counted. now_ms is a monotonic clock. */
int maildir_pool_take(struct maildir_pool *p, const char *path, char *name, size_t namesize, uint64_t now_ms);

/* Quiet-time work: the deliveries since the previous call count as one burst; create at most
 * budget files where pools are below the largest burst, and give back the pools of Maildirs
 * idle for MAILDIR_POOL_IDLE_MS. Returns the number of files it created or removed; 0 means
 * there is nothing to do until the next take. */
size_t maildir_pool_fill(struct maildir_pool *p, size_t budget, uint64_t now_ms);

/* Files ready in all pools (for tests and the log). */
size_t maildir_pool_ready(struct maildir_pool *p);

#endif
