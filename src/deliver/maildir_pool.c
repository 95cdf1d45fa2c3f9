/* maildir_pool.c - files made ahead in Maildirs' tmp/ (see maildir_pool.h). Each pool is a
 * range of numbers [take, make): tmp/tern-pool.<k> exists for those k unless something
 * removed it, which take() tolerates by skipping to the next number. */
#include "deliver/maildir_pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

#define POOL_PREFIX "tern-pool."

struct pool_dir {
	char path[1024];          /* the Maildir */
	uint64_t take, make;      /* tmp/tern-pool.<k> for take <= k < make */
	size_t demand;            /* how many files this Maildir wants ready: its largest burst */
	size_t burst;             /* deliveries since the previous fill */
	uint64_t last_take_ms;
};

struct maildir_pool {
	pthread_mutex_t mu; /* held by every call for its whole work */
	struct pool_dir dirs[MAILDIR_POOL_DIRS];
	size_t ndirs;
	size_t ready; /* sum of make - take */
};

struct maildir_pool *maildir_pool_new(void)
{
	struct maildir_pool *p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

void maildir_pool_free(struct maildir_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->mu);
	free(p);
}

size_t maildir_pool_ready(struct maildir_pool *p)
{
	pthread_mutex_lock(&p->mu);
	size_t n = p->ready;
	pthread_mutex_unlock(&p->mu);
	return n;
}

static void pool_file(char *dst, size_t dstsize, const struct pool_dir *d, uint64_t k)
{
	snprintf(dst, dstsize, "%s/tmp/" POOL_PREFIX "%" PRIu64, d->path, k);
}

/* A Maildir seen for the first time by this process: files a previous process left are
 * removed, not reused. After a crash the name in tmp/ may still be linked to a message that
 * was renamed into new/ (tmp/ is never synced), and only removing the name is harmless then.
 * Numbering starts past the highest number found, so no name is reused. */
static void pool_adopt(struct pool_dir *d)
{
	char tmp[1100];
	snprintf(tmp, sizeof(tmp), "%s/tmp", d->path);
	DIR *dir = opendir(tmp);
	if (dir == NULL)
		return;
	const size_t plen = strlen(POOL_PREFIX);
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, POOL_PREFIX, plen) != 0)
			continue;
		char *end;
		errno = 0;
		uint64_t k = strtoull(de->d_name + plen, &end, 10);
		if (errno == 0 && *end == '\0' && k >= d->make)
			d->make = k + 1;
		unlinkat(dirfd(dir), de->d_name, 0); /* may fail: gone already */
	}
	closedir(dir);
	d->take = d->make;
}

static struct pool_dir *pool_find(struct maildir_pool *p, const char *path, uint64_t now_ms)
{
	for (size_t i = 0; i < p->ndirs; i++)
		if (strcmp(p->dirs[i].path, path) == 0)
			return &p->dirs[i];
	if (p->ndirs == MAILDIR_POOL_DIRS || strlen(path) >= sizeof(p->dirs[0].path))
		return NULL; /* full: Maildirs idle for an hour make room (maildir_pool_fill) */
	struct pool_dir *d = &p->dirs[p->ndirs++];
	memset(d, 0, sizeof(*d));
	memcpy(d->path, path, strlen(path) + 1);
	pool_adopt(d);
	return d;
}

/* A burst ends where the filler starts: the pool should cover the largest burst seen. */
static void end_burst(struct pool_dir *d)
{
	if (d->burst > d->demand)
		d->demand = d->burst < MAILDIR_POOL_PER_DIR ? d->burst : MAILDIR_POOL_PER_DIR;
	d->burst = 0;
}

int maildir_pool_take(struct maildir_pool *p, const char *path, char *name, size_t namesize, uint64_t now_ms)
{
	int fd = -1;
	if (pthread_mutex_trylock(&p->mu) != 0)
		return -1; /* the filler is at work: never wait for a thread at the lowest priority */
	struct pool_dir *d = pool_find(p, path, now_ms);
	if (d) {
		d->burst++;
		d->last_take_ms = now_ms;
	}
	while (d && fd < 0 && d->take < d->make) {
		uint64_t k = d->take++;
		p->ready--;
		char file[1200];
		pool_file(file, sizeof(file), d, k);
		fd = open(file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			snprintf(name, namesize, POOL_PREFIX "%" PRIu64, k);
		/* else removed behind our back (a reader's tmp/ cleanup): try the next one */
	}
	pthread_mutex_unlock(&p->mu);
	return fd;
}

/* Remove one file of an idle Maildir's pool; the entry goes once its pool is empty. */
static void release_one(struct maildir_pool *p, size_t i)
{
	struct pool_dir *d = &p->dirs[i];
	if (d->take < d->make) {
		char file[1200];
		pool_file(file, sizeof(file), d, d->take++);
		p->ready--;
		if (unlink(file) < 0 && errno != ENOENT) { /* the Maildir is gone? forget the rest */
			p->ready -= (size_t)(d->make - d->take);
			d->take = d->make;
		}
		return;
	}
	p->dirs[i] = p->dirs[--p->ndirs];
}

/* Create one file; false when the Maildir cannot take more (full disk, quota, removed). A
 * name that exists already belongs to someone else (a second ternd on the same Maildirs): it
 * is skipped while the range is empty, so [take, make) only ever holds files made here. */
static bool make_one(struct maildir_pool *p, struct pool_dir *d)
{
	char file[1200];
	pool_file(file, sizeof(file), d, d->make);
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno != EEXIST || d->take != d->make)
			return false;
		d->take = ++d->make;
		return true;
	}
	close(fd);
	d->make++;
	p->ready++;
	return true;
}

size_t maildir_pool_fill(struct maildir_pool *p, size_t budget, uint64_t now_ms)
{
	size_t done = 0;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->ndirs && done < budget;) {
		if (now_ms - p->dirs[i].last_take_ms >= MAILDIR_POOL_IDLE_MS) {
			release_one(p, i);
			done++;
			continue; /* the same slot: more to remove, or another Maildir moved in */
		}
		i++;
	}
	for (size_t i = 0; i < p->ndirs && done < budget; i++) {
		struct pool_dir *d = &p->dirs[i];
		end_burst(d);
		while (done < budget && d->make - d->take < d->demand && p->ready < MAILDIR_POOL_TOTAL) {
			if (!make_one(p, d)) {
				d->demand = (size_t)(d->make - d->take); /* stop growing until it is used */
				break;
			}
			done++;
		}
	}
	pthread_mutex_unlock(&p->mu);
	return done;
}
