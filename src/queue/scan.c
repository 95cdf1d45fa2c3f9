/* scan.c - read-only spool scan (scan.h). */
#include "queue/scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/util.h"
#include "queue/record.h"

#define SCAN_BUCKETS 4096
#define SCAN_NONE ((size_t)-1)

static size_t scan_hash(const char *id)
{
	size_t h = 5381;
	for (size_t i = 0; i < QUEUE_ID_LEN && id[i]; i++)
		h = h * 33 + (unsigned char)id[i];
	return h % SCAN_BUCKETS;
}

static struct scan_msg *find_any(struct spool_scan *s, const char *id)
{
	for (size_t i = s->buckets[scan_hash(id)]; i != SCAN_NONE; i = s->msgs[i].next)
		if (strcmp(s->msgs[i].env->id, id) == 0)
			return &s->msgs[i];
	return NULL;
}

struct scan_msg *spool_scan_find(struct spool_scan *s, const char *id)
{
	struct scan_msg *m = strlen(id) == QUEUE_ID_LEN ? find_any(s, id) : NULL;
	return m && !m->finished ? m : NULL;
}

static void add_msg(struct spool_scan *s, struct envelope *e)
{
	if (find_any(s, e->id)) { /* recovery ignores a second copy too */
		envelope_free(e);
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->msgs = realloc(s->msgs, s->cap * sizeof(*s->msgs));
		if (s->msgs == NULL)
			die_oom();
	}
	size_t h = scan_hash(e->id);
	s->msgs[s->n] = (struct scan_msg){.env = e, .next = s->buckets[h]};
	s->buckets[h] = s->n++;
}

static void add_attempt(struct scan_msg *m, uint32_t idx, struct envelope_rcpt *st)
{
	struct envelope_rcpt *r = &m->env->rcpts[idx];
	r->state = st->state;
	r->attempts = st->attempts;
	r->last_attempt_us = st->last_attempt_us;
	free(r->last_reply);
	r->last_reply = st->last_reply ? xstrdup(st->last_reply) : NULL;
	if (m->nhist == m->hist_cap) {
		m->hist_cap = m->hist_cap ? m->hist_cap * 2 : 4;
		m->hist = realloc(m->hist, m->hist_cap * sizeof(*m->hist));
		if (m->hist == NULL)
			die_oom();
	}
	m->hist[m->nhist++] = (struct scan_attempt){.idx = idx, .st = *st};
}

static void apply(struct spool_scan *s, uint8_t type, const char *p, uint32_t n)
{
	char qid[QUEUE_ID_LEN + 1];
	if (type == REC_MSG) {
		struct envelope *e = record_decode_msg(p, n);
		if (e)
			add_msg(s, e);
		return;
	}
	if (type == REC_RCPT) {
		uint32_t idx;
		struct envelope_rcpt st = {0};
		if (record_decode_rcpt(p, n, qid, &idx, &st) < 0)
			return;
		struct scan_msg *m = find_any(s, qid);
		if (m && idx < m->env->nrcpts) {
			add_attempt(m, idx, &st); /* the history owns st's strings now */
			return;
		}
		free(st.last_reply);
		free(st.remote_mta);
		return;
	}
	if (record_decode_id(p, n, qid) < 0)
		return;
	struct scan_msg *m = find_any(s, qid);
	if (m == NULL)
		return;
	if (type == REC_DONE)
		m->finished = true;
	else if (type == REC_HOLD || type == REC_RELEASE)
		m->env->held = type == REC_HOLD;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int spool_scan(const char *spool, struct spool_scan *out, struct buf *err)
{
	*out = (struct spool_scan){0};
	out->buckets = xmalloc(SCAN_BUCKETS * sizeof(*out->buckets));
	for (size_t i = 0; i < SCAN_BUCKETS; i++)
		out->buckets[i] = SCAN_NONE;
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s/seg", spool);
	DIR *d = opendir(dir);
	if (d == NULL) {
		buf_printf(err, "cannot read the spool %s: %s\n", dir, strerror(errno));
		return -1;
	}
	/* segment names are zero-padded numbers: name order is segment order */
	char **names = NULL;
	size_t nn = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".log") != 0)
			continue;
		names = realloc(names, (nn + 1) * sizeof(*names));
		if (names == NULL)
			die_oom();
		names[nn++] = xstrdup(de->d_name);
	}
	if (nn > 1)
		qsort(names, nn, sizeof(*names), cmp_names);
	struct buf data;
	buf_init(&data, SIZE_MAX);
	int rc = 0;
	for (size_t i = 0; i < nn; i++) {
		if (fsutil_read_file(dirfd(d), names[i], &data) < 0) {
			if (errno == ENOENT)
				continue; /* collected by ternd meanwhile: every message in it was finished */
			buf_printf(err, "cannot read %s/%s: %s\n", dir, names[i], strerror(errno));
			rc = -1;
			break;
		}
		size_t off = 0, n;
		uint8_t type;
		const char *payload;
		uint32_t plen;
		while ((n = record_next(data.data + off, data.len - off, &type, &payload, &plen)) > 0) {
			apply(out, type, payload, plen);
			off += n;
		}
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	buf_free(&data);
	closedir(d);
	return rc;
}

void spool_scan_free(struct spool_scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t k = 0; k < s->msgs[i].nhist; k++) {
			free(s->msgs[i].hist[k].st.last_reply);
			free(s->msgs[i].hist[k].st.remote_mta);
		}
		free(s->msgs[i].hist);
		envelope_free(s->msgs[i].env);
	}
	free(s->msgs);
	free(s->buckets);
	*s = (struct spool_scan){0};
}
