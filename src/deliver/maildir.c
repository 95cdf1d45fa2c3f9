/* maildir.c - Maildir delivery (see maildir.h). Durability: the data of every file in a
 * batch is made stable with one syncfs() per filesystem (one journal commit instead of one
 * per file; see docs/performance.md), then the renames into new/ are made stable with an
 * fsync of each new/ directory. Nothing is reported delivered before both. */
#include "deliver/maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "deliver/maildir_pool.h"
#include "lib/fault.h"
#include "lib/fsutil.h"
#include "lib/util.h"

static void append_part(char *dst, size_t dstsize, size_t *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *o + 1 < dstsize; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '/' || (i == 0 && c == '.'))
			c = '_'; /* never leave the Maildir root */
		dst[(*o)++] = c;
	}
}

int maildir_expand(char *dst, size_t dstsize, const char *pattern, const char *address)
{
	const char *at = strrchr(address, '@');
	const char *local = address, *domain = at ? at + 1 : "";
	size_t llen = at ? (size_t)(at - address) : strlen(address), dlen = strlen(domain);
	size_t o = 0;
	for (const char *p = pattern; *p && o + 1 < dstsize; p++) {
		if (p[0] == '%' && p[1] == 'd') {
			append_part(dst, dstsize, &o, domain, dlen);
			p++;
		} else if (p[0] == '%' && p[1] == 'u') {
			append_part(dst, dstsize, &o, local, llen);
			p++;
		} else {
			dst[o++] = *p;
		}
	}
	dst[o] = '\0';
	return o + 1 < dstsize ? 0 : -1;
}

void maildir_name(char *dst, size_t dstsize, uint64_t arrival_us, const char *qid, size_t idx, const char *host)
{
	char h[128];
	size_t o = 0;
	for (const char *p = host; *p && o + 1 < sizeof(h); p++) /* '/' and ':' are special in Maildir names */
		h[o++] = (*p == '/' || *p == ':') ? '_' : *p;
	h[o] = '\0';
	snprintf(dst, dstsize, "%llu.Q%sR%zu.%s", (unsigned long long)(arrival_us / 1000000u), qid, idx, h);
}

/* mkdir -p for path and its tmp/ new/ cur/ */
static int make_maildir(const char *path)
{
	char p[1100];
	if (strlen(path) >= sizeof(p) - 8 || fsutil_mkdir_p(path, 0700) < 0)
		return -1;
	static const char *const subs[] = {"tmp", "new", "cur"};
	for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
		snprintf(p, sizeof(p), "%s/%s", path, subs[i]);
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

static bool already_delivered(const struct maildir_job *j)
{
	/* A first attempt needs no look: the name comes from the queue id, and no earlier
	 * attempt can have published it (a lookup in a large new/ per message, saved). */
	if (!j->may_exist)
		return false;
	char p[1400];
	struct stat st;
	snprintf(p, sizeof(p), "%s/new/%s", j->path, j->name);
	if (stat(p, &st) == 0)
		return true;
	/* a reader may have moved it to cur/ and added ":2,flags" */
	snprintf(p, sizeof(p), "%s/cur", j->path);
	DIR *d = opendir(p);
	if (d == NULL)
		return false;
	size_t nlen = strlen(j->name);
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, j->name, nlen) == 0 && (de->d_name[nlen] == '\0' || de->d_name[nlen] == ':');
	closedir(d);
	return found;
}

static void job_fail(struct maildir_job *j, const char *what)
{
	j->result = errno ? errno : EIO;
	snprintf(j->error, sizeof(j->error), "%s %s: %s", what, j->path, strerror(j->result));
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	if (j->pooled) { /* a retry takes a fresh one; this one may hold part of a message */
		char p[1400];
		snprintf(p, sizeof(p), "%s/tmp/%s", j->path, j->tmpname);
		unlink(p);
		j->pooled = false;
	}
}

static int write_all(int fd, const struct iovec *iov, int n)
{
	struct iovec v[4];
	memcpy(v, iov, (size_t)n * sizeof(*v));
	int i = 0;
	while (i < n) {
		ssize_t w = writev(fd, v + i, n - i);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (i < n && (size_t)w >= v[i].iov_len) {
			w -= (ssize_t)v[i].iov_len;
			i++;
		}
		if (i < n) {
			v[i].iov_base = (char *)v[i].iov_base + w;
			v[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* The file in tmp/ the message is written to: one the pool made ahead, or else one named
 * like the delivery. */
static void open_tmp(struct maildir_job *j, struct maildir_pool *pool)
{
	j->pooled = false;
	if (pool) {
		j->fd = maildir_pool_take(pool, j->path, j->tmpname, sizeof(j->tmpname), now_ms());
		j->pooled = j->fd >= 0;
		if (j->pooled)
			return;
	}
	char p[1400];
	snprintf(j->tmpname, sizeof(j->tmpname), "%s", j->name);
	snprintf(p, sizeof(p), "%s/tmp/%s", j->path, j->tmpname);
	j->fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

/* Step 1: the file in tmp/ with Return-Path (RFC 5321 4.4) and the stored message. The
 * Maildir was made already when the previous job of the batch had the same one. */
static void write_tmp(struct maildir_job *j, bool maildir_exists, struct maildir_pool *pool)
{
	j->fd = -1;
	j->result = 0;
	errno = 0;
	if (!maildir_exists && make_maildir(j->path) < 0)
		return job_fail(j, "creating Maildir");
	if (already_delivered(j)) {
		j->result = -1; /* done already: nothing to write */
		return;
	}
	open_tmp(j, pool);
	if (j->fd < 0)
		return job_fail(j, "creating file in");
	char rp[600];
	int rpl = snprintf(rp, sizeof(rp), "Return-Path: <%s>\r\n", j->return_path);
	struct iovec iov[2] = {{rp, (size_t)rpl}, {(void *)j->data, j->len}};
	if (write_all(j->fd, iov, 2) < 0)
		return job_fail(j, "writing file in");
	struct stat st;
	fstat(j->fd, &st);
	j->dev = (uint64_t)st.st_dev;
}

static void publish(struct maildir_job *j)
{
	char from[1400], to[1400];
	snprintf(from, sizeof(from), "%s/tmp/%s", j->path, j->tmpname);
	snprintf(to, sizeof(to), "%s/new/%s", j->path, j->name);
	if (rename(from, to) < 0)
		job_fail(j, "moving file into new/ of");
}

static int sync_dir(const char *path, const char *sub)
{
	char p[1400];
	snprintf(p, sizeof(p), "%s/%s", path, sub);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

void maildir_deliver_batch(struct maildir_job *jobs, size_t n, struct maildir_pool *pool)
{
	for (size_t i = 0; i < n; i++) {
		bool same_maildir = i > 0 && jobs[i - 1].result <= 0 && strcmp(jobs[i - 1].path, jobs[i].path) == 0;
		write_tmp(&jobs[i], same_maildir, pool);
	}
	fault_crash_point("maildir-written");
	/* one syncfs per file system covers the data of every file written on it */
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].fd < 0)
			continue;
		bool first_on_dev = true;
		for (size_t k = 0; k < i; k++)
			if (jobs[k].fd >= 0 && jobs[k].dev == jobs[i].dev)
				first_on_dev = false;
		if (first_on_dev && syncfs(jobs[i].fd) < 0) {
			for (size_t k = i; k < n; k++)
				if (jobs[k].fd >= 0 && jobs[k].dev == jobs[i].dev)
					job_fail(&jobs[k], "syncing");
		}
	}
	fault_crash_point("maildir-synced");
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].fd < 0)
			continue;
		if (close(jobs[i].fd) < 0) {
			jobs[i].fd = -1;
			job_fail(&jobs[i], "closing file in");
			continue;
		}
		jobs[i].fd = -1;
		publish(&jobs[i]);
		if (jobs[i].result == 0)
			jobs[i].fd = -2; /* renamed, directory not yet synced */
	}
	fault_crash_point("maildir-renamed");
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].fd != -2)
			continue;
		bool first = true;
		for (size_t k = 0; k < i; k++)
			if (jobs[k].fd == -3 && strcmp(jobs[k].path, jobs[i].path) == 0)
				first = false;
		if (first && sync_dir(jobs[i].path, "new") < 0) {
			jobs[i].fd = -1;
			job_fail(&jobs[i], "syncing new/ of");
			continue;
		}
		jobs[i].fd = -3;
	}
	fault_crash_point("maildir-dirsynced");
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].result == -1)
			jobs[i].result = 0; /* found already delivered */
		jobs[i].fd = -1;
	}
}

uint64_t maildir_usage(const char *path)
{
	static const char *const subs[] = {"new", "cur"};
	uint64_t total = 0;
	for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
		char p[1200];
		snprintf(p, sizeof(p), "%s/%s", path, subs[i]);
		DIR *d = opendir(p);
		if (d == NULL)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0)
				total += (uint64_t)st.st_size;
		}
		closedir(d);
	}
	return total;
}
