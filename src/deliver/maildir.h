/* maildir.h - local delivery into a Maildir (the format Dovecot and mutt read): write to
 * tmp/, make it durable, rename into new/, make the directory durable. The file name is
 * derived from the queue id and recipient index, so a delivery that completed before a crash
 * is recognised and not repeated. Runs on delivery worker threads; no untrusted parsing. */
#ifndef TERN_MAILDIR_H
#define TERN_MAILDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct maildir_job {
	/* in */
	char path[1024];       /* the Maildir (expanded pattern) */
	char name[256];        /* unique file name */
	const char *return_path;
	const char *data;      /* message as stored (starts with our Received:) */
	size_t len;
	bool may_exist;        /* recovered, or attempted before: the file may be in new/ or cur/ */
	/* out */
	int result;            /* 0 delivered (or found already delivered), else errno */
	char error[256];       /* what failed, for the log and the retry */
	/* internal */
	int fd;
	uint64_t dev;
	char tmpname[256];     /* its name in tmp/: the delivery's own, or a pool file's */
	bool pooled;
};

struct maildir_pool;

/* Expand the maildir pattern (%d, %u) for local@domain into dst; '/' in the parts become '_'. */
int maildir_expand(char *dst, size_t dstsize, const char *pattern, const char *address);
/* Deterministic unique name "<sec>.Q<qid>R<idx>.<host>" (Maildir spec, "unique names"). */
void maildir_name(char *dst, size_t dstsize, uint64_t arrival_us, const char *qid, size_t idx, const char *host);
/* Deliver a batch: write every file to tmp/ (into a file of the pool when it has one; pool
 * may be NULL), one sync per file system, rename into new/, sync the new/ directories. Each
 * job's result is set. */
void maildir_deliver_batch(struct maildir_job *jobs, size_t n, struct maildir_pool *pool);
/* Bytes used by the messages in new/ and cur/ (quota). */
uint64_t maildir_usage(const char *path);

#endif
