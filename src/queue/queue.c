/* queue.c - the durable queue (queue.h, architecture.md "The queue"): group commit of
 * records to an append-only segment with one fdatasync per batch on a sync thread, recovery
 * of the segments at start, and local delivery through Maildir worker batches.
 * Invariant: no commit callback reports QUEUE_OK before the fdatasync that covers its
 * record has returned 0 (STYLE habit 7). */
#include "queue/queue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "deliver/maildir.h"
#include "deliver/maildir_pool.h"
#include "deliver/outbound.h"
#include "explain/explain.h"
#include "lib/fault.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/bounce.h"
#include "queue/record.h"
#include "queue/schedule.h"
#include "queue/relay.h"
#include "conf/users.h"

#define DELIVERY_BATCH 128
/* Maildir workers. One: with two, the second spent its time spinning on the directory lock
 * and the delivery rate did not change (docs/performance.md). Kept as a constant so the
 * experiment is one edit. */
#define DELIVERY_THREADS 1
#define BACKGROUND_NICE 10
#define DELIVERY_QUIET_MS 10
#define DELIVERY_MAX_HOLD_MS 1000
/* The Maildir pool's filler (maildir_pool.h) works once no batch has started for
 * POOL_QUIET_MS (a pause in the mail, not a gap between two batches of a burst), POOL_FILL_STEP
 * files at a time (the worker waits at most that long for the pool's lock), and wakes every
 * POOL_IDLE_CHECK_MS to give back unused pools. */
#define POOL_QUIET_MS 250
#define POOL_FILL_STEP 4
#define POOL_IDLE_CHECK_MS 60000
#define QID_BUCKETS 65536

struct commit {
	struct commit *next;
	struct envelope *env;
	queue_commit_cb cb;
	void *arg;
	enum queue_result result;
	char what[160];
};

struct delivery {
	struct delivery *next;
	struct envelope *env;
	size_t idx;
	uint64_t queued_ms; /* when the loop handed it to the worker */
	struct maildir_job job;
};

struct segment {
	uint32_t no;
	uint32_t live; /* messages in it not yet finished */
};

struct queue {
	struct event_loop *loop;
	struct conf *conf;
	char *dir;      /* <spool>/seg */
	int dir_fd;
	uint32_t seg_no;
	int seg_fd;
	uint64_t seg_off;
	uint64_t seg_prealloc; /* bytes at the start of the active segment already zero-filled */
	uint64_t segment_size; /* spool_segment_size when the queue opened */
	/* the next segment, created and zero-filled ahead of need by the preparer thread */
	pthread_t prep_thread;
	pthread_mutex_t pmu;
	pthread_cond_t pcv;
	uint32_t spare_want;   /* number to prepare; 0 = nothing wanted */
	uint32_t spare_no;     /* number of the ready spare; 0 = none */
	bool spare_busy;       /* the preparer is working on spare_want's request */
	bool prep_stop;
	int spare_fd;
	uint64_t spare_prealloc;
	struct segment *segs;
	size_t nsegs;
	uint64_t last_id;
	/* group commit */
	pthread_t sync_thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool sync_requested, sync_running, stopping;
	int sync_fd_req;
	int sync_errno;
	uint64_t synced_off;   /* the active segment is durable up to here */
	uint64_t sync_target;  /* offset the running sync covers */
	uint64_t sync_started, sync_completed; /* a sync is finished when they are equal */
	int sync_evfd;
	struct commit *waiting, **waiting_tail; /* written, waiting for the next sync */
	struct commit *inflight;                /* covered by the running sync */
	struct commit *failed;                  /* to report on the next wake-up */
	size_t commits_pending;
	struct buf rec;
	/* live messages */
	struct envelope *live;
	struct envelope **by_id; /* chained through next_live? no: separate chain */
	size_t nlive;
	/* delivery */
	pthread_t deliver_threads[DELIVERY_THREADS];
	pthread_mutex_t dmu;
	pthread_cond_t dcv;
	struct delivery *jobs, **jobs_tail;
	/* What the pool filler reads without taking dmu: a thread at SCHED_IDLE that held a
	 * lock the loop or the worker needs could keep it for as long as the CPUs are busy. */
	_Atomic uint64_t last_queued_ms; /* when the newest job came */
	_Atomic uint64_t last_batch_ms;  /* when the worker last started a batch */
	_Atomic bool delivering;         /* the worker is writing a batch */
	_Atomic bool pool_stop;
	int pool_evfd;                   /* wakes the filler: a batch ended, or stop */
	struct maildir_pool *pool;
	pthread_t pool_thread;
	struct delivery *results;
	int deliver_evfd;
	struct event_timer retry_timer;
	struct outbound *out; /* SMTP/LMTP delivery (src/deliver/outbound.c, src/queue/relay.c) */
	/* space check cache */
	uint64_t space_checked_ms;
	bool space_ok;
};

/* --- queue ids: 12 characters of base 32, time-ordered, unique in this spool --- */

static const char id_alphabet[] = "0123456789BCDFGHJKLMNPQRSTVWXYZa";

void queue_assign_id(struct queue *q, struct envelope *env)
{
	uint64_t v = wall_us() << 4;
	if (v <= q->last_id)
		v = q->last_id + 1;
	q->last_id = v;
	for (int i = QUEUE_ID_LEN - 1; i >= 0; i--) {
		env->id[i] = id_alphabet[v & 31];
		v >>= 5;
	}
	env->id[QUEUE_ID_LEN] = '\0';
}

static uint64_t id_value(const char *id)
{
	uint64_t v = 0;
	for (int i = 0; i < QUEUE_ID_LEN; i++) {
		const char *p = strchr(id_alphabet, id[i]);
		v = (v << 5) | (uint64_t)(p ? p - id_alphabet : 0);
	}
	return v;
}

/* --- live messages by id (for recovery and state records) --- */

static size_t id_hash(const char *id)
{
	size_t h = 5381;
	for (int i = 0; i < QUEUE_ID_LEN; i++)
		h = h * 33 + (unsigned char)id[i];
	return h % QID_BUCKETS;
}

static void live_add(struct queue *q, struct envelope *e)
{
	size_t h = id_hash(e->id);
	e->next_live = q->by_id[h];
	q->by_id[h] = e;
	q->nlive++;
}

static struct envelope *live_find(struct queue *q, const char *id)
{
	for (struct envelope *e = q->by_id[id_hash(id)]; e; e = e->next_live)
		if (memcmp(e->id, id, QUEUE_ID_LEN) == 0)
			return e;
	return NULL;
}

static void live_remove(struct queue *q, struct envelope *e)
{
	struct envelope **pp = &q->by_id[id_hash(e->id)];
	while (*pp && *pp != e)
		pp = &(*pp)->next_live;
	if (*pp) {
		*pp = e->next_live;
		q->nlive--;
	}
}

/* --- segments --- */

static struct segment *segment_find(struct queue *q, uint32_t no)
{
	for (size_t i = 0; i < q->nsegs; i++)
		if (q->segs[i].no == no)
			return &q->segs[i];
	return NULL;
}

static struct segment *segment_add(struct queue *q, uint32_t no)
{
	q->segs = realloc(q->segs, (q->nsegs + 1) * sizeof(*q->segs));
	if (q->segs == NULL)
		die_oom();
	q->segs[q->nsegs] = (struct segment){.no = no};
	return &q->segs[q->nsegs++];
}

static void segment_path(struct queue *q, uint32_t no, char *dst, size_t dstsize)
{
	snprintf(dst, dstsize, "%s/%08u.log", q->dir, no);
}

/* Delete finished segments, oldest first: a later segment may hold the state records of a
 * message in an earlier one, so order matters (architecture.md). */
static void segments_collect(struct queue *q)
{
	while (q->nsegs > 0 && q->segs[0].live == 0 && q->segs[0].no != q->seg_no) {
		char p[1200];
		segment_path(q, q->segs[0].no, p, sizeof(p));
		if (unlink(p) < 0 && errno != ENOENT) {
			log_msg(LOG_WARN, "segment-unlink-failed path=%s error=\"%s\"", p, strerror(errno));
			return;
		}
		log_msg(LOG_DEBUG, "segment-removed no=%u", q->segs[0].no);
		memmove(q->segs, q->segs + 1, (q->nsegs - 1) * sizeof(*q->segs));
		q->nsegs--;
	}
}

static const char zeros[65536];

static int zero_range(int fd, uint64_t off, uint64_t end)
{
	while (off < end) {
		size_t n = end - off < sizeof(zeros) ? (size_t)(end - off) : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (uint64_t)w;
	}
	return 0;
}

/* Fill a new segment with zeros and sync it, so that appending a record later overwrites
 * blocks that are already allocated and written: fdatasync then flushes only those data
 * blocks, with no journal commit for a changed file size or a block allocation, and does
 * not wait behind the Maildir deliveries' file creations (docs/performance.md). A zero
 * header is no record, so recovery stops where the records end. Without the space for it
 * the segment simply grows as records are appended. Returns the bytes prepared.
 *
 * The zeros go out PREPARE_STEP at a time, each step written to the disk before the next,
 * with a pause between: 8 MiB written at once queued ahead of the commits' flushes and
 * made the slowest 1 % of commits wait 20-28 ms; in steps they wait 13-19 ms, for the same
 * throughput (scripts/latency.sh, docs/performance.md). */
#define PREPARE_STEP (512u * 1024u)
#define PREPARE_PAUSE_NS 3000000L

/* Zeros only where they leave room: a fill that takes the last free space makes the commits
 * arriving meanwhile fail with 452 until it gives up. Half the free space at most. */
static bool room_for_zeros(int fd, uint64_t size)
{
	struct statvfs v;
	if (fstatvfs(fd, &v) < 0)
		return false;
	return (uint64_t)v.f_bavail * v.f_frsize / 2 >= size;
}

static uint64_t segment_prepare(int fd, uint64_t size)
{
	if (!room_for_zeros(fd, size))
		return 0;
	uint64_t off = 0;
	while (off < size) {
		uint64_t end = size - off < PREPARE_STEP ? size : off + PREPARE_STEP;
		if (zero_range(fd, off, end) < 0)
			break;
		unsigned flags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
		if (sync_file_range(fd, (off_t)off, (off_t)(end - off), flags) < 0)
			break;
		off = end;
		struct timespec pause = {0, PREPARE_PAUSE_NS};
		nanosleep(&pause, NULL);
	}
	if (off == size && fdatasync(fd) == 0)
		return size;
	if (ftruncate(fd, 0) < 0)
		log_msg(LOG_ERR, "segment-truncate-failed error=\"%s\"", strerror(errno));
	return 0;
}

/* Make [off, end) of the active segment hold no record: zeros inside the prepared part, a
 * shorter file past it. */
static int segment_cut(struct queue *q, uint64_t off, uint64_t end)
{
	if (off >= q->seg_prealloc)
		return ftruncate(q->seg_fd, (off_t)off);
	uint64_t stop = end < q->seg_prealloc ? end : q->seg_prealloc;
	if (zero_range(q->seg_fd, off, stop) < 0)
		return -1;
	return end > q->seg_prealloc ? ftruncate(q->seg_fd, (off_t)q->seg_prealloc) : 0;
}

/* Create segment file no (never an existing one) and prepare it; -1 on failure. */
static int segment_create(struct queue *q, uint32_t no, uint64_t *prepared)
{
	char p[1200];
	segment_path(q, no, p, sizeof(p));
	int fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	*prepared = segment_prepare(fd, q->segment_size);
	/* the new name must be durable before any record in it is acknowledged */
	if (fsync(q->dir_fd) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void segment_use(struct queue *q, uint32_t no, int fd, uint64_t prepared)
{
	if (q->seg_fd >= 0)
		close(q->seg_fd);
	q->seg_fd = fd;
	q->seg_no = no;
	q->seg_off = 0;
	q->synced_off = 0;
	q->seg_prealloc = prepared;
	if (segment_find(q, no) == NULL)
		segment_add(q, no);
}

/* The preparer thread keeps the next segment ready, so that starting one costs the loop
 * no zero-filling (8 MB of writes and a sync). */
static void background_priority(void);

static void *prep_main(void *arg)
{
	struct queue *q = arg;
	background_priority();
	pthread_mutex_lock(&q->pmu);
	for (;;) {
		while (q->spare_want == 0 && !q->prep_stop)
			pthread_cond_wait(&q->pcv, &q->pmu);
		if (q->prep_stop)
			break;
		uint32_t no = q->spare_want;
		q->spare_want = 0;
		q->spare_busy = true;
		pthread_mutex_unlock(&q->pmu);
		uint64_t prepared = 0;
		int fd = segment_create(q, no, &prepared);
		if (fd < 0)
			log_msg(LOG_WARN, "segment-prepare-failed no=%u error=\"%s\"", no, strerror(errno));
		pthread_mutex_lock(&q->pmu);
		q->spare_busy = false;
		if (fd >= 0) {
			q->spare_no = no;
			q->spare_fd = fd;
			q->spare_prealloc = prepared;
		}
	}
	pthread_mutex_unlock(&q->pmu);
	return NULL;
}

static void want_spare(struct queue *q)
{
	pthread_mutex_lock(&q->pmu);
	if (q->spare_no == 0 && !q->spare_busy) {
		q->spare_want = q->seg_no + 1;
		pthread_cond_signal(&q->pcv);
	}
	pthread_mutex_unlock(&q->pmu);
}

/* Start segment seg_no + 1: the prepared spare if it is ready, else create it now. */
static int segment_open_next(struct queue *q)
{
	uint32_t no = q->seg_no + 1;
	pthread_mutex_lock(&q->pmu);
	int fd = q->spare_no == no ? q->spare_fd : -1;
	uint64_t prepared = q->spare_prealloc;
	bool preparing = q->spare_want == no || q->spare_busy;
	if (fd >= 0)
		q->spare_no = 0;
	pthread_mutex_unlock(&q->pmu);
	if (fd < 0) {
		if (preparing) {
			errno = EAGAIN;
			return -1; /* still being prepared: keep appending to the current one a little longer */
		}
		fd = segment_create(q, no, &prepared);
		if (fd < 0)
			return -1;
	}
	segment_use(q, no, fd, prepared);
	want_spare(q);
	return 0;
}

static int segment_open_new(struct queue *q, uint32_t no)
{
	uint64_t prepared = 0;
	int fd = segment_create(q, no, &prepared);
	if (fd < 0)
		return -1;
	segment_use(q, no, fd, prepared);
	return 0;
}

/* --- the sync thread: one fdatasync per batch --- */

static void *sync_main(void *arg)
{
	struct queue *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->sync_requested && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		if (!q->sync_requested && q->stopping)
			break;
		int fd = q->sync_fd_req;
		q->sync_requested = false;
		pthread_mutex_unlock(&q->mu);
		int r = fdatasync(fd);
		int e = r < 0 ? errno : 0;
		if (fault_hit("sync-fail"))
			e = EIO;
		pthread_mutex_lock(&q->mu);
		q->sync_errno = e;
		q->sync_completed++;
		uint64_t one = 1;
		ssize_t w = write(q->sync_evfd, &one, sizeof(one));
		(void)w;
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static void request_sync(struct queue *q)
{
	q->sync_target = q->seg_off;
	pthread_mutex_lock(&q->mu);
	q->sync_fd_req = q->seg_fd;
	q->sync_requested = true;
	q->sync_started++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static void start_sync(struct queue *q)
{
	if (q->sync_running || q->waiting == NULL)
		return;
	q->inflight = q->waiting;
	q->waiting = NULL;
	q->waiting_tail = &q->waiting;
	q->sync_running = true;
	request_sync(q);
}

static void deliver_message(struct queue *q, struct envelope *e, bool recovered);
static int append_record(struct queue *q, int *err);

static void report(struct queue *q, struct commit *c)
{
	q->commits_pending--;
	if (c->cb)
		c->cb(c->arg, c->result, c->what);
	if (c->result == QUEUE_OK) {
		struct segment *seg = segment_find(q, c->env->segment);
		if (seg)
			seg->live++;
		live_add(q, c->env);
		deliver_message(q, c->env, false);
	} else {
		envelope_free(c->env);
	}
	free(c);
}

static void report_list(struct queue *q, struct commit *c)
{
	while (c) {
		struct commit *next = c->next;
		report(q, c);
		c = next;
	}
}

static enum queue_result result_of(int err)
{
	return err == ENOSPC || err == EDQUOT ? QUEUE_NO_SPACE : QUEUE_IO_ERROR;
}

/* Append c's message to the active segment and queue c for the next sync; on failure, c
 * is reported failed on the next wake-up (never from here: the session may be mid-parse). */
static void commit_append(struct queue *q, struct commit *c)
{
	int err = 0;
	buf_reset(&q->rec);
	c->env->segment = q->seg_no;
	c->env->offset = q->seg_off;
	if (record_encode_msg(&q->rec, c->env) < 0) {
		c->result = QUEUE_IO_ERROR;
		str_copy(c->what, "the message could not be encoded", sizeof(c->what));
	} else if (append_record(q, &err) < 0) {
		c->result = result_of(err);
		snprintf(c->what, sizeof(c->what), "writing the queue file failed: %s", strerror(err));
		log_msg(LOG_ERR, "spool-write-failed qid=%s error=\"%s\"", c->env->id, strerror(err));
	}
	c->next = NULL;
	if (c->result != QUEUE_OK) {
		c->next = q->failed;
		q->failed = c;
		uint64_t one = 1;
		ssize_t w = write(q->sync_evfd, &one, sizeof(one));
		(void)w;
		return;
	}
	*q->waiting_tail = c;
	q->waiting_tail = &c->next;
}

/* A failed fdatasync: the clients of the records it covered get 451/452 and keep their copy,
 * so those records must never be delivered (a retry would make a duplicate). After a failed
 * sync the page cache may no longer hold them truthfully either (Linux marks failed pages
 * clean), so cut the segment back to what the last good sync covered, sync that, and write
 * the records still waiting for a sync again behind it. State records lost here only cause
 * a re-check at recovery (Maildir names are deterministic). */
static void discard_unsynced(struct queue *q)
{
	if (segment_cut(q, q->synced_off, q->seg_off) < 0 || fdatasync(q->seg_fd) < 0)
		log_msg(LOG_ERR, "segment-truncate-failed segment=%u error=\"%s\"", q->seg_no, strerror(errno));
	q->seg_off = q->synced_off;
	struct commit *c = q->waiting;
	q->waiting = NULL;
	q->waiting_tail = &q->waiting;
	while (c) {
		struct commit *next = c->next;
		commit_append(q, c);
		c = next;
	}
}

/* The active segment is full. Records still waiting for their sync are in it, and the sync
 * thread only syncs the active segment: under steady load something is always waiting, so
 * sync them here, once per segment (a few milliseconds every few thousand messages), report
 * them, and only then move to the next segment. */
static void segment_roll(struct queue *q)
{
	if (q->sync_running)
		return; /* a sync of this segment is running (started by a session answered just
			 * now): roll at the end of it instead */
	/* A session answered here may at once commit its next message (pipelining), into this
	 * segment: hold off start_sync (which would sync this segment on the sync thread while we
	 * switch away from it) and sync here until nothing waits. Bounded: each session has at
	 * most one commit waiting. */
	q->sync_running = true;
	while (q->waiting) {
		if (fdatasync(q->seg_fd) < 0) {
			q->sync_running = false;
			return; /* the next sync of this segment fails too and handles it */
		}
		q->synced_off = q->seg_off;
		struct commit *c = q->waiting;
		q->waiting = NULL;
		q->waiting_tail = &q->waiting;
		report_list(q, c);
	}
	q->sync_running = false;
	if (segment_open_next(q) < 0) {
		if (errno != 0 && errno != EAGAIN)
			log_msg(LOG_WARN, "segment-create-failed error=\"%s\"", strerror(errno));
		return; /* go on in this one a little longer */
	}
	segments_collect(q);
}

static void sync_done(void *arg, unsigned events)
{
	struct queue *q = arg;
	uint64_t v;
	ssize_t r = read(q->sync_evfd, &v, sizeof(v));
	(void)r;
	struct commit *failed = q->failed;
	q->failed = NULL;
	report_list(q, failed);
	if (!q->sync_running)
		return;
	pthread_mutex_lock(&q->mu);
	bool finished = q->sync_completed == q->sync_started;
	int err = q->sync_errno;
	pthread_mutex_unlock(&q->mu);
	if (!finished)
		return;
	q->sync_running = false;
	struct commit *c = q->inflight;
	q->inflight = NULL;
	if (err) {
		log_msg(LOG_ERR, "spool-sync-failed segment=%u error=\"%s\"", q->seg_no, strerror(err));
		discard_unsynced(q);
	} else {
		q->synced_off = q->sync_target;
		fault_crash_point("commit-synced");
	}
	for (struct commit *k = err ? c : NULL; k; k = k->next) {
		k->result = result_of(err);
		snprintf(k->what, sizeof(k->what), "syncing the queue file failed: %s", strerror(err));
	}
	bool roll = q->seg_off >= q->segment_size;
	if (!err && !roll) {
		/* The next sync starts before these replies go out, not after: it covers the
		 * records appended meanwhile, and the clients answered now write their next
		 * message while it runs (docs/performance.md). */
		start_sync(q);
		report_list(q, c);
		return;
	}
	/* A roll must come after the reports: they count the messages in the old segment as
	 * live, and the roll removes a segment with none. */
	report_list(q, c);
	if (roll)
		segment_roll(q);
	start_sync(q);
}

/* Append one encoded record (q->rec) to the active segment. On failure the segment is cut
 * back so that no partial record stays behind it. */
static int append_record(struct queue *q, int *err)
{
	const char *p = q->rec.data;
	size_t left = q->rec.len;
	uint64_t start = q->seg_off;
	while (left > 0) {
		ssize_t n = pwrite(q->seg_fd, p, left, (off_t)q->seg_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = n < 0 ? errno : EIO;
			if (segment_cut(q, start, q->seg_off) < 0)
				log_msg(LOG_ERR, "segment-truncate-failed error=\"%s\"", strerror(errno));
			q->seg_off = start; /* the next record overwrites the partial one */
			return -1;
		}
		p += n;
		left -= (size_t)n;
		q->seg_off += (uint64_t)n;
	}
	return 0;
}

void queue_commit(struct queue *q, struct envelope *env, queue_commit_cb cb, void *arg)
{
	struct commit *c = xcalloc(1, sizeof(*c));
	c->env = env;
	c->cb = cb;
	c->arg = arg;
	q->commits_pending++;
	commit_append(q, c);
	if (c->result != QUEUE_OK)
		return;
	fault_crash_point("commit-written");
	start_sync(q);
}

void queue_forget(struct queue *q, void *arg)
{
	for (struct commit *c = q->waiting; c; c = c->next)
		if (c->arg == arg)
			c->cb = NULL;
	for (struct commit *c = q->inflight; c; c = c->next)
		if (c->arg == arg)
			c->cb = NULL;
	for (struct commit *c = q->failed; c; c = c->next)
		if (c->arg == arg)
			c->cb = NULL;
}

size_t queue_commits_pending(const struct queue *q) { return q->commits_pending; }

/* State records are written like messages but need no acknowledgement: they are made
 * durable by the next sync, and losing the last few only causes a re-check (Maildir names
 * are deterministic) on recovery. */
static void write_state(struct queue *q)
{
	int err;
	if (append_record(q, &err) < 0)
		log_msg(LOG_ERR, "spool-state-write-failed error=\"%s\"", strerror(err));
}

/* --- bounces and delay notices (RFC 3464; bounce.c builds them) --- */

/* The sender as a recipient of our notice: a local mailbox (its canonical key) or a remote
 * address for the relay. */
static void notice_recipient(struct queue *q, struct envelope *notice, const char *sender)
{
	const char *at = strrchr(sender, '@');
	if (at && conf_is_local_domain(q->conf, at + 1, strlen(at + 1))) {
		char key[ADDR_MAILBOX_MAX + 2];
		if (users_make_key(key, sizeof(key), sender, (size_t)(at - sender), at + 1, strlen(at + 1)) >= 0) {
			envelope_add_rcpt(notice, sender, key, RCPT_LOCAL);
			return;
		}
	}
	envelope_add_rcpt(notice, sender, sender, RCPT_REMOTE);
}

/* Queue one notice to e's sender naming the recipients idx[0..n). Never to the null sender:
 * a notice about a notice would be a bounce loop (RFC 5321 4.5.5, 6.1). */
static void send_notice(struct queue *q, struct envelope *e, const size_t *idx, size_t n, enum bounce_action action)
{
	const char *what = action == BOUNCE_FAILED ? "bounce" : "delay-notice";
	if (e->sender[0] == '\0') {
		log_msg(LOG_INFO, "%s-suppressed qid=%s reason=null-sender rcpts=%zu", what, e->id, n);
		return;
	}
	struct envelope *notice = envelope_new();
	queue_assign_id(q, notice);
	notice->arrival_us = wall_us();
	notice->sender = xstrdup("");
	notice->client_ip = xstrdup("127.0.0.1");
	notice->helo = xstrdup(q->conf->hostname);
	notice->smtputf8 = e->smtputf8;
	notice->body_8bit = true; /* the text part is UTF-8, the headers part may be 8-bit */
	notice_recipient(q, notice, e->sender);
	struct bounce_info info = {
		.hostname = q->conf->hostname,
		.bounce_id = notice->id,
		.now_us = notice->arrival_us,
		.retry_until_us = e->arrival_us + q->conf->queue_lifetime * 1000000u,
	};
	if (bounce_build(&notice->data, e, idx, n, action, &info) < 0) {
		log_msg(LOG_ERR, "%s-build-failed qid=%s", what, e->id);
		envelope_free(notice);
		return;
	}
	log_msg(LOG_INFO, "%s qid=%s notice_qid=%s to=<%s> rcpts=%zu", what, e->id, notice->id, e->sender, n);
	queue_commit(q, notice, NULL, NULL);
}

static bool needs_notice(const struct envelope_rcpt *r, enum bounce_action action)
{
	if (action == BOUNCE_FAILED)
		return r->state == RCPT_FAILED && !r->bounced;
	return r->state == RCPT_PENDING && !r->delay_warned && r->attempts > 0;
}

/* One notice for every recipient that needs one of this kind, then each is marked (and the
 * mark recorded) so that it is never named twice, across restarts too. */
static void notify_sender(struct queue *q, struct envelope *e, enum bounce_action action)
{
	size_t n = 0;
	for (size_t i = 0; i < e->nrcpts; i++)
		n += needs_notice(&e->rcpts[i], action);
	if (n == 0)
		return; /* the common case, checked every second for every message: no allocation */
	size_t *idx = xcalloc(n, sizeof(*idx));
	n = 0;
	for (size_t i = 0; i < e->nrcpts; i++)
		if (needs_notice(&e->rcpts[i], action))
			idx[n++] = i;
	send_notice(q, e, idx, n, action);
	for (size_t k = 0; k < n; k++) {
		struct envelope_rcpt *r = &e->rcpts[idx[k]];
		if (action == BOUNCE_FAILED)
			r->bounced = true;
		else
			r->delay_warned = true;
		buf_reset(&q->rec);
		if (record_encode_rcpt(&q->rec, e->id, (uint32_t)idx[k], r) == 0)
			write_state(q);
	}
	free(idx);
}

/* Failed recipients not yet named in a bounce get one bounce together. Called whenever a
 * message has no delivery in flight, so the recipients of one attempt share a bounce. */
static void bounce_failed(struct queue *q, struct envelope *e) { notify_sender(q, e, BOUNCE_FAILED); }

/* delay_warning_time after arrival, tell the sender which recipients are still pending. */
static void warn_delayed(struct queue *q, struct envelope *e)
{
	uint64_t after = q->conf->delay_warning_time;
	if (after == 0 || after >= q->conf->queue_lifetime || wall_us() - e->arrival_us < after * 1000000u)
		return;
	notify_sender(q, e, BOUNCE_DELAYED);
}

/* Make the state records durable soon, sharing the commit sync when one is due anyway. */
static void request_state_sync(struct queue *q)
{
	if (!q->sync_running && q->waiting == NULL && q->seg_fd >= 0 && !q->stopping) {
		q->sync_running = true;
		request_sync(q);
	}
}

static void message_finished(struct queue *q, struct envelope *e)
{
	bounce_failed(q, e);
	buf_reset(&q->rec);
	if (record_encode_id(&q->rec, REC_DONE, e->id) == 0)
		write_state(q);
	struct segment *seg = segment_find(q, e->segment);
	if (seg && seg->live > 0)
		seg->live--;
	live_remove(q, e);
	log_msg(LOG_INFO, "removed qid=%s", e->id);
	envelope_free(e);
	segments_collect(q);
}

/* --- delivery (local Maildir) --- */

/* Background disk work runs at a lower CPU priority than the event loop: on a busy machine
 * accepting (a client waits for each 250) goes first, and the deliveries catch up as soon as
 * the loop is idle (docs/performance.md). Linux applies nice per thread. */
static void background_priority(void)
{
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), BACKGROUND_NICE) < 0)
		log_msg(LOG_DEBUG, "setpriority-failed error=\"%s\"", strerror(errno));
}

/* The monotonic time ms from now, for pthread_cond_timedwait on dcv. */
static struct timespec deadline_in(uint64_t ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Called with dmu held and a job queued: hold deliveries back while mail is still coming
 * in. Every Maildir batch ends in a syncfs that the spool's next fdatasync waits behind and
 * takes CPU the accepting loop needs; a client is waiting for each 250, nobody is waiting
 * for the file in new/ yet. So the batch starts once no job has come for DELIVERY_QUIET_MS,
 * or when the oldest job has waited DELIVERY_MAX_HOLD_MS, which bounds how late a message
 * reaches its Maildir under a load that never pauses (docs/performance.md). */
static void hold_back(struct queue *q)
{
	while (q->jobs && !q->stopping) {
		uint64_t now = now_ms();
		uint64_t quiet_at = q->last_queued_ms + DELIVERY_QUIET_MS;
		uint64_t overdue_at = q->jobs->queued_ms + DELIVERY_MAX_HOLD_MS;
		uint64_t at = quiet_at < overdue_at ? quiet_at : overdue_at;
		if (now >= at)
			return;
		struct timespec until = deadline_in(at - now);
		pthread_cond_timedwait(&q->dcv, &q->dmu, &until);
	}
}

/* The pool filler runs only when a CPU would otherwise be idle (SCHED_IDLE): making files
 * ahead must not take time from anything else on the machine, including other servers. */
static void idle_priority(void)
{
	struct sched_param none = {0};
	if (sched_setscheduler((pid_t)gettid(), SCHED_IDLE, &none) < 0 &&
	    setpriority(PRIO_PROCESS, (id_t)gettid(), 19) < 0)
		log_msg(LOG_DEBUG, "idle-priority-failed error=\"%s\"", strerror(errno));
}

/* Sleep until the filler's eventfd is written or ms have passed. */
static void pool_sleep(struct queue *q, uint64_t ms)
{
	struct pollfd pfd = {.fd = q->pool_evfd, .events = POLLIN};
	if (poll(&pfd, 1, (int)(ms < INT_MAX ? ms : INT_MAX)) > 0) {
		uint64_t n;
		ssize_t r = read(q->pool_evfd, &n, sizeof(n));
		(void)r;
	}
}

static void *pool_main(void *arg)
{
	struct queue *q = arg;
	idle_priority();
	while (!q->pool_stop) {
		uint64_t now = now_ms();
		uint64_t last = q->last_batch_ms > q->last_queued_ms ? q->last_batch_ms : q->last_queued_ms;
		uint64_t quiet_at = last + POOL_QUIET_MS;
		if (q->delivering) {
			pool_sleep(q, POOL_QUIET_MS); /* the end of the batch wakes it */
		} else if (now < quiet_at) {
			pool_sleep(q, quiet_at - now);
		} else if (maildir_pool_fill(q->pool, POOL_FILL_STEP, now) == 0) {
			pool_sleep(q, POOL_IDLE_CHECK_MS);
		}
	}
	return NULL;
}

static void wake_filler(struct queue *q)
{
	uint64_t one = 1;
	ssize_t w = write(q->pool_evfd, &one, sizeof(one));
	(void)w;
}

static void *deliver_main(void *arg)
{
	struct queue *q = arg;
	background_priority();
	struct maildir_job jobs[DELIVERY_BATCH];
	struct delivery *batch[DELIVERY_BATCH];
	pthread_mutex_lock(&q->dmu);
	for (;;) {
		while (q->jobs == NULL && !q->stopping)
			pthread_cond_wait(&q->dcv, &q->dmu);
		if (q->jobs == NULL && q->stopping)
			break;
		hold_back(q);
		q->last_batch_ms = now_ms();
		q->delivering = true;
		size_t n = 0;
		while (q->jobs && n < DELIVERY_BATCH) {
			batch[n] = q->jobs;
			q->jobs = q->jobs->next;
			n++;
		}
		if (q->jobs == NULL)
			q->jobs_tail = &q->jobs;
		pthread_mutex_unlock(&q->dmu);
		for (size_t i = 0; i < n; i++)
			jobs[i] = batch[i]->job;
		maildir_deliver_batch(jobs, n, q->pool);
		pthread_mutex_lock(&q->dmu);
		q->delivering = false;
		wake_filler(q); /* it starts POOL_QUIET_MS from now, unless more mail comes */
		for (size_t i = 0; i < n; i++) {
			batch[i]->job.result = jobs[i].result;
			memcpy(batch[i]->job.error, jobs[i].error, sizeof(jobs[i].error));
			batch[i]->next = q->results;
			q->results = batch[i];
		}
		uint64_t one = 1;
		ssize_t w = write(q->deliver_evfd, &one, sizeof(one));
		(void)w;
	}
	pthread_mutex_unlock(&q->dmu);
	return NULL;
}

static void queue_local(struct queue *q, struct envelope *e, size_t idx, bool recovered)
{
	struct envelope_rcpt *r = &e->rcpts[idx];
	struct delivery *d = xcalloc(1, sizeof(*d));
	d->env = e;
	d->idx = idx;
	if (maildir_expand(d->job.path, sizeof(d->job.path), q->conf->maildir, r->address) < 0)
		log_msg(LOG_WARN, "maildir-path-too-long qid=%s rcpt=%s", e->id, r->address);
	maildir_name(d->job.name, sizeof(d->job.name), e->arrival_us, e->id, idx, q->conf->hostname);
	d->job.return_path = e->sender;
	d->job.data = e->data.data;
	d->job.len = e->data.len;
	d->job.may_exist = recovered || r->attempts > 0;
	r->next_attempt_ms = UINT64_MAX; /* in flight */
	e->inflight++;
	pthread_mutex_lock(&q->dmu);
	d->queued_ms = now_ms();
	q->last_queued_ms = d->queued_ms;
	bool was_empty = q->jobs == NULL;
	*q->jobs_tail = d;
	q->jobs_tail = &d->next;
	if (was_empty) /* an idle worker waits for this; one holding back wakes by the clock */
		pthread_cond_signal(&q->dcv);
	pthread_mutex_unlock(&q->dmu);
}

static void outbound_done(void *arg, const struct outbound_job *job, const struct outbound_result *res);

static void deliver_message(struct queue *q, struct envelope *e, bool recovered)
{
	uint64_t now = event_now_ms(q->loop);
	for (size_t i = 0; i < e->nrcpts; i++) {
		struct envelope_rcpt *r = &e->rcpts[i];
		if (r->state != RCPT_PENDING || r->kind != RCPT_LOCAL || e->held)
			continue;
		if (r->next_attempt_ms == UINT64_MAX || r->next_attempt_ms > now)
			continue;
		if (relay_is_outbound(q->conf, r))
			continue; /* a routes entry (lmtp:) sends this local domain elsewhere */
		queue_local(q, e, i, recovered);
	}
	if (q->out)
		relay_start(q->out, q->conf, e, now, q, outbound_done);
}

static void delivery_result(struct queue *q, struct delivery *d)
{
	struct envelope *e = d->env;
	struct envelope_rcpt *r = &e->rcpts[d->idx];
	e->inflight--;
	r->attempts++;
	r->last_attempt_us = wall_us();
	free(r->last_reply);
	if (d->job.result == 0) {
		r->state = RCPT_DELIVERED;
		r->next_attempt_ms = 0;
		r->last_reply = xstrdup("delivered to Maildir");
		log_msg(LOG_INFO, "delivered qid=%s rcpt=%s maildir=%s file=%s", e->id, r->address, d->job.path,
			d->job.name);
	} else {
		/* a Maildir that cannot be written now (permissions, I/O) is retried with backoff */
		unsigned shift = r->attempts > 10 ? 10 : r->attempts - 1;
		uint64_t delay = q->conf->retry_min * 1000u << shift;
		if (delay > 3600 * 1000u)
			delay = 3600 * 1000u;
		r->next_attempt_ms = event_now_ms(q->loop) + delay;
		/* a local failure is logged as the reply it amounts to, with its explanation */
		char reply[400], why[400], q1[LOG_QUOTE_SIZE], q2[LOG_QUOTE_SIZE];
		snprintf(reply, sizeof(reply), "451 4.3.0 %s", d->job.error);
		struct explanation ex;
		if (explain_reply(reply, strlen(reply), &ex) == 0)
			explain_oneline(&ex, why, sizeof(why));
		else
			str_copy(why, "temporary local failure", sizeof(why));
		r->last_reply = xstrdup(reply);
		if (schedule_expire(q->conf, e->arrival_us, r, false, wall_us())) {
			if (explain_reply(r->last_reply, strlen(r->last_reply), &ex) == 0)
				explain_oneline(&ex, why, sizeof(why));
			log_msg(LOG_WARN, "failed qid=%s rcpt=%s attempt=%u reply=%s explain=%s", e->id, r->address,
				r->attempts, log_quote(q1, r->last_reply, strlen(r->last_reply)), log_quote(q2, why, strlen(why)));
		} else {
			log_msg(LOG_WARN, "deferred qid=%s rcpt=%s attempt=%u retry_in=%llus reply=%s explain=%s", e->id,
				r->address, r->attempts, (unsigned long long)(delay / 1000),
				log_quote(q1, reply, strlen(reply)), log_quote(q2, why, strlen(why)));
		}
	}
	buf_reset(&q->rec);
	if (record_encode_rcpt(&q->rec, e->id, (uint32_t)d->idx, r) == 0)
		write_state(q);
	fault_crash_point("state-written");
	free(d);
	if (e->inflight == 0 && envelope_pending(e) == 0)
		message_finished(q, e);
	else if (e->inflight == 0)
		bounce_failed(q, e);
}

/* One outbound result: new state, log line and RCPT record (relay_apply decides). */
static void apply_outbound_result(struct queue *q, struct envelope *e, size_t idx, const struct outbound_result *res)
{
	relay_apply(q->conf, e, idx, res, event_now_ms(q->loop));
	buf_reset(&q->rec);
	if (record_encode_rcpt(&q->rec, e->id, (uint32_t)idx, &e->rcpts[idx]) == 0)
		write_state(q);
}

static void outbound_done(void *arg, const struct outbound_job *job, const struct outbound_result *res)
{
	struct relay_job *rj = arg;
	struct queue *q = rj->owner;
	struct envelope *e = rj->env;
	e->inflight--;
	if (res == NULL) { /* shutdown: the recipients stay pending in the spool */
		relay_job_free(rj);
		return;
	}
	for (size_t i = 0; i < job->nrcpts; i++)
		apply_outbound_result(q, e, rj->idx[i], &res[i]);
	relay_job_free(rj);
	request_state_sync(q);
	if (e->inflight == 0 && envelope_pending(e) == 0)
		message_finished(q, e);
	else if (e->inflight == 0)
		bounce_failed(q, e);
}

static void deliver_done(void *arg, unsigned events)
{
	struct queue *q = arg;
	uint64_t v;
	ssize_t r = read(q->deliver_evfd, &v, sizeof(v));
	(void)r;
	pthread_mutex_lock(&q->dmu);
	struct delivery *d = q->results;
	q->results = NULL;
	pthread_mutex_unlock(&q->dmu);
	while (d) {
		struct delivery *next = d->next;
		delivery_result(q, d);
		d = next;
	}
	request_state_sync(q);
}

static void retry_tick(void *arg)
{
	struct queue *q = arg;
	for (size_t h = 0; h < QID_BUCKETS; h++)
		for (struct envelope *e = q->by_id[h]; e; e = e->next_live) {
			warn_delayed(q, e);
			deliver_message(q, e, false);
		}
	event_timer_set(q->loop, &q->retry_timer, 1000);
}

/* --- administration (`tern queue` through the control socket) --- */

static struct envelope *find_for_admin(struct queue *q, const char *id, const char **err)
{
	struct envelope *e = strlen(id) == QUEUE_ID_LEN ? live_find(q, id) : NULL;
	if (e == NULL)
		*err = "no such message in the queue";
	return e;
}

int queue_hold(struct queue *q, const char *id, bool hold, const char **err)
{
	struct envelope *e = find_for_admin(q, id, err);
	if (e == NULL)
		return -1;
	e->held = hold;
	buf_reset(&q->rec);
	if (record_encode_id(&q->rec, hold ? REC_HOLD : REC_RELEASE, e->id) == 0)
		write_state(q);
	request_state_sync(q);
	log_msg(LOG_INFO, "%s qid=%s by=admin", hold ? "held" : "released", e->id);
	if (!hold)
		deliver_message(q, e, false);
	return 0;
}

int queue_delete(struct queue *q, const char *id, const char **err)
{
	struct envelope *e = find_for_admin(q, id, err);
	if (e == NULL)
		return -1;
	if (e->inflight > 0) {
		*err = "a delivery of it is in progress; try again in a moment";
		return -1;
	}
	log_msg(LOG_INFO, "deleted qid=%s by=admin pending=%zu", e->id, envelope_pending(e));
	buf_reset(&q->rec);
	if (record_encode_id(&q->rec, REC_DONE, e->id) == 0)
		write_state(q);
	request_state_sync(q);
	struct segment *seg = segment_find(q, e->segment);
	if (seg && seg->live > 0)
		seg->live--;
	live_remove(q, e);
	envelope_free(e);
	segments_collect(q);
	return 0;
}

static void flush_one(struct queue *q, struct envelope *e)
{
	for (size_t i = 0; i < e->nrcpts; i++)
		if (e->rcpts[i].state == RCPT_PENDING && e->rcpts[i].next_attempt_ms != UINT64_MAX)
			e->rcpts[i].next_attempt_ms = 0;
	deliver_message(q, e, false);
}

int queue_flush(struct queue *q, const char *id, const char **err)
{
	if (id) {
		struct envelope *e = find_for_admin(q, id, err);
		if (e == NULL)
			return -1;
		flush_one(q, e);
		return 1;
	}
	int n = 0;
	for (size_t h = 0; h < QID_BUCKETS; h++)
		for (struct envelope *e = q->by_id[h], *next; e; e = next) {
			next = e->next_live; /* delivery may finish e */
			flush_one(q, e);
			n++;
		}
	log_msg(LOG_INFO, "flush messages=%d by=admin", n);
	return n;
}

/* --- recovery --- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void apply_record(struct queue *q, uint32_t segno, uint8_t type, const char *p, uint32_t n)
{
	char qid[QUEUE_ID_LEN + 1];
	if (type == REC_MSG) {
		struct envelope *e = record_decode_msg(p, n);
		if (e == NULL || live_find(q, e->id)) {
			envelope_free(e);
			return;
		}
		e->segment = segno;
		live_add(q, e);
		segment_find(q, segno)->live++;
		if (id_value(e->id) > q->last_id)
			q->last_id = id_value(e->id);
	} else if (type == REC_RCPT) {
		uint32_t idx;
		struct envelope_rcpt st = {0};
		if (record_decode_rcpt(p, n, qid, &idx, &st) < 0)
			return;
		struct envelope *e = live_find(q, qid);
		if (e && idx < e->nrcpts) {
			e->rcpts[idx].state = st.state;
			e->rcpts[idx].attempts = st.attempts;
			free(e->rcpts[idx].last_reply);
			e->rcpts[idx].last_reply = st.last_reply;
			free(e->rcpts[idx].remote_mta);
			e->rcpts[idx].remote_mta = st.remote_mta;
			e->rcpts[idx].last_attempt_us = st.last_attempt_us;
			e->rcpts[idx].bounced = st.bounced;
			e->rcpts[idx].delay_warned = st.delay_warned;
		} else {
			free(st.last_reply);
			free(st.remote_mta);
		}
	} else if (type == REC_HOLD || type == REC_RELEASE) {
		struct envelope *e = record_decode_id(p, n, qid) == 0 ? live_find(q, qid) : NULL;
		if (e)
			e->held = type == REC_HOLD;
	} else if (type == REC_DONE) {
		if (record_decode_id(p, n, qid) < 0)
			return;
		struct envelope *e = live_find(q, qid);
		if (e) {
			struct segment *seg = segment_find(q, e->segment);
			if (seg && seg->live > 0)
				seg->live--;
			live_remove(q, e);
			envelope_free(e);
		}
	}
}

/* Scan one segment; returns the offset of its last intact record's end. */
static uint64_t recover_segment(struct queue *q, uint32_t no, struct buf *data)
{
	size_t off = 0;
	while (off < data->len) {
		uint8_t type;
		const char *payload;
		uint32_t plen;
		size_t n = record_next(data->data + off, data->len - off, &type, &payload, &plen);
		if (n == 0)
			break;
		apply_record(q, no, type, payload, plen);
		off += n;
	}
	if (off < data->len)
		log_msg(LOG_WARN, "recover-torn-tail segment=%u kept=%zu dropped=%zu (never acknowledged)", no, off,
			data->len - off);
	return off;
}

static int recover(struct queue *q, struct buf *err)
{
	DIR *d = opendir(q->dir);
	if (d == NULL) {
		buf_printf(err, "cannot open spool %s: %s\n", q->dir, strerror(errno));
		return -1;
	}
	uint32_t *nos = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		uint64_t no;
		size_t len = strlen(de->d_name);
		if (len == 12 && strcmp(de->d_name + 8, ".log") == 0 && parse_u64(de->d_name, 8, UINT32_MAX, &no) == 0) {
			nos = realloc(nos, (n + 1) * sizeof(*nos));
			if (nos == NULL)
				die_oom();
			nos[n++] = (uint32_t)no;
		}
	}
	closedir(d);
	if (n > 0)
		qsort(nos, n, sizeof(*nos), cmp_u32);
	struct buf data;
	buf_init(&data, SIZE_MAX);
	uint64_t last_good = 0;
	for (size_t i = 0; i < n; i++) {
		char p[1200];
		segment_path(q, nos[i], p, sizeof(p));
		if (fsutil_read_file(AT_FDCWD, p, &data) < 0) {
			buf_printf(err, "cannot read %s: %s\n", p, strerror(errno));
			free(nos);
			buf_free(&data);
			return -1;
		}
		segment_add(q, nos[i]);
		last_good = recover_segment(q, nos[i], &data);
		if (i + 1 == n && last_good < data.len) {
			/* a torn tail of the active segment: cut it so new records follow good ones */
			if (truncate(p, (off_t)last_good) < 0)
				log_msg(LOG_ERR, "truncate-failed path=%s error=\"%s\"", p, strerror(errno));
		}
	}
	buf_free(&data);
	uint32_t next = n ? nos[n - 1] + 1 : 1;
	free(nos);
	/* always start a fresh segment: the old ones are only read and collected */
	if (segment_open_new(q, next) < 0) {
		buf_printf(err, "cannot create a segment in %s: %s\n", q->dir, strerror(errno));
		return -1;
	}
	log_msg(LOG_INFO, "recovered messages=%zu segments=%zu", q->nlive, q->nsegs);
	return 0;
}

/* --- open / close --- */

bool queue_has_space(struct queue *q)
{
	uint64_t now = now_ms();
	if (q->space_checked_ms && now - q->space_checked_ms < 1000)
		return q->space_ok;
	struct statvfs vfs;
	q->space_checked_ms = now;
	if (statvfs(q->dir, &vfs) < 0)
		return q->space_ok = true; /* cannot tell: let the write decide */
	uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	q->space_ok = avail >= q->conf->spool_min_free;
	if (!q->space_ok)
		log_msg(LOG_WARN, "spool-low-space free=%llu min=%llu", (unsigned long long)avail,
			(unsigned long long)q->conf->spool_min_free);
	return q->space_ok;
}

void queue_set_conf(struct queue *q, struct conf *conf)
{
	conf_unref(q->conf);
	q->conf = conf_ref(conf);
	if (q->out)
		outbound_set_conf(q->out, conf);
}

struct queue *queue_open(struct event_loop *loop, struct conf *conf, struct buf *err)
{
	struct queue *q = xcalloc(1, sizeof(*q));
	q->loop = loop;
	q->conf = conf_ref(conf);
	q->seg_fd = -1;
	q->dir_fd = -1;
	q->waiting_tail = &q->waiting;
	q->jobs_tail = &q->jobs;
	q->by_id = xcalloc(QID_BUCKETS, sizeof(*q->by_id));
	buf_init(&q->rec, SIZE_MAX);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	pthread_mutex_init(&q->dmu, NULL);
	pthread_condattr_t mono; /* the worker waits on the monotonic clock */
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&q->dcv, &mono);
	pthread_condattr_destroy(&mono);
	q->pool = maildir_pool_new();
	pthread_mutex_init(&q->pmu, NULL);
	pthread_cond_init(&q->pcv, NULL);
	q->spare_fd = -1;
	q->segment_size = conf->spool_segment_size;
	size_t dlen = strlen(conf->spool) + 8;
	q->dir = xmalloc(dlen);
	snprintf(q->dir, dlen, "%s/seg", conf->spool);
	if (fsutil_mkdir_p(q->dir, 0700) < 0 || (q->dir_fd = open(q->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		buf_printf(err, "cannot create spool %s: %s\n", q->dir, strerror(errno));
		goto fail;
	}
	q->sync_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->deliver_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->pool_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->sync_evfd < 0 || q->deliver_evfd < 0 || q->pool_evfd < 0)
		goto fail;
	if (recover(q, err) < 0)
		goto fail;
	if ((q->out = outbound_new(loop, conf, err)) == NULL)
		goto fail;
	event_add(loop, q->sync_evfd, EV_READ, sync_done, q);
	event_add(loop, q->deliver_evfd, EV_READ, deliver_done, q);
	pthread_create(&q->sync_thread, NULL, sync_main, q);
	pthread_create(&q->prep_thread, NULL, prep_main, q);
	want_spare(q);
	for (size_t i = 0; i < DELIVERY_THREADS; i++)
		pthread_create(&q->deliver_threads[i], NULL, deliver_main, q);
	pthread_create(&q->pool_thread, NULL, pool_main, q);
	event_timer_init(&q->retry_timer, retry_tick, q);
	for (size_t h = 0; h < QID_BUCKETS; h++)
		for (struct envelope *e = q->by_id[h]; e; e = e->next_live) {
			relay_recover(q->conf, e, event_now_ms(loop));
			deliver_message(q, e, true);
		}
	event_timer_set(loop, &q->retry_timer, 1000);
	segments_collect(q);
	return q;
fail:
	maildir_pool_free(q->pool);
	free(q->dir);
	free(q->by_id);
	buf_free(&q->rec);
	conf_unref(q->conf);
	free(q);
	return NULL;
}

void queue_close(struct queue *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_mutex_lock(&q->dmu);
	pthread_cond_broadcast(&q->dcv);
	pthread_mutex_unlock(&q->dmu);
	pthread_mutex_lock(&q->pmu);
	q->prep_stop = true;
	pthread_cond_broadcast(&q->pcv);
	pthread_mutex_unlock(&q->pmu);
	pthread_join(q->sync_thread, NULL);
	pthread_join(q->prep_thread, NULL);
	if (q->spare_no) { /* an unused spare holds no record: remove it */
		char p[1200];
		segment_path(q, q->spare_no, p, sizeof(p));
		close(q->spare_fd);
		unlink(p);
	}
	for (size_t i = 0; i < DELIVERY_THREADS; i++)
		pthread_join(q->deliver_threads[i], NULL);
	q->pool_stop = true;
	wake_filler(q);
	pthread_join(q->pool_thread, NULL);
	maildir_pool_free(q->pool);
	close(q->pool_evfd);
	/* results that arrived after the loop stopped still get their state records */
	deliver_done(q, EV_READ);
	outbound_free(q->out); /* open sessions are dropped: their recipients stay pending */
	if (q->seg_fd >= 0) {
		if (fdatasync(q->seg_fd) < 0)
			log_msg(LOG_ERR, "final-sync-failed error=\"%s\"", strerror(errno));
		close(q->seg_fd);
	}
	event_timer_cancel(q->loop, &q->retry_timer);
	while (q->jobs) {
		struct delivery *d = q->jobs;
		q->jobs = d->next;
		free(d);
	}
	for (size_t h = 0; h < QID_BUCKETS; h++)
		while (q->by_id[h]) {
			struct envelope *e = q->by_id[h];
			q->by_id[h] = e->next_live;
			envelope_free(e);
		}
	close(q->sync_evfd);
	close(q->deliver_evfd);
	close(q->dir_fd);
	free(q->by_id);
	free(q->segs);
	free(q->dir);
	buf_free(&q->rec);
	conf_unref(q->conf);
	free(q);
}
