/* record.c - encode and decode spool records (see record.h). Little-endian fields:
 * u8, u32, u64, and strings as u32 length + bytes. */
#include "queue/record.h"

#include <stdlib.h>
#include <string.h>

#include "lib/crc32c.h"
#include "lib/util.h"

static int put_u8(struct buf *b, uint8_t v) { return buf_append(b, &v, 1); }

static int put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
	return buf_append(b, x, 4);
}

static int put_u64(struct buf *b, uint64_t v) { return put_u32(b, (uint32_t)v) | put_u32(b, (uint32_t)(v >> 32)); }

static int put_bytes(struct buf *b, const char *s, size_t n)
{
	if (n > UINT32_MAX)
		return -1;
	return put_u32(b, (uint32_t)n) | buf_append(b, s, n);
}

static int put_str(struct buf *b, const char *s) { return put_bytes(b, s ? s : "", s ? strlen(s) : 0); }

/* Reserve the header, let fill() write the payload, then patch length and CRC. */
static size_t begin(struct buf *b, uint8_t type)
{
	size_t start = b->len;
	put_u32(b, RECORD_MAGIC);
	put_u8(b, type);
	put_u8(b, 0);
	put_u8(b, 0);
	put_u8(b, 0);
	put_u32(b, 0);
	put_u32(b, 0);
	return start;
}

static int finish(struct buf *b, size_t start, int err)
{
	if (err || b->len < start + RECORD_HEADER)
		return -1;
	size_t plen = b->len - start - RECORD_HEADER;
	if (plen > RECORD_MAX_PAYLOAD)
		return -1;
	uint32_t crc = crc32c(0, b->data + start + RECORD_HEADER, plen);
	unsigned char *h = (unsigned char *)b->data + start;
	for (int i = 0; i < 4; i++) {
		h[8 + i] = (unsigned char)(plen >> (8 * i));
		h[12 + i] = (unsigned char)(crc >> (8 * i));
	}
	return 0;
}

int record_encode_msg(struct buf *b, const struct envelope *e)
{
	size_t start = begin(b, REC_MSG);
	int err = buf_append(b, e->id, QUEUE_ID_LEN);
	err |= put_u64(b, e->arrival_us);
	err |= put_u8(b, (uint8_t)((e->smtputf8 ? 1 : 0) | (e->body_8bit ? 2 : 0)));
	err |= put_str(b, e->sender) | put_str(b, e->client_ip) | put_str(b, e->helo);
	err |= put_u32(b, (uint32_t)e->nrcpts);
	for (size_t i = 0; i < e->nrcpts; i++) {
		err |= put_u8(b, (uint8_t)e->rcpts[i].kind);
		err |= put_str(b, e->rcpts[i].orig) | put_str(b, e->rcpts[i].address);
	}
	err |= put_bytes(b, e->data.data, e->data.len);
	return finish(b, start, err);
}

int record_encode_rcpt(struct buf *b, const char *qid, uint32_t idx, const struct envelope_rcpt *r)
{
	size_t start = begin(b, REC_RCPT);
	int err = buf_append(b, qid, QUEUE_ID_LEN);
	err |= put_u32(b, idx) | put_u8(b, (uint8_t)r->state) | put_u32(b, r->attempts);
	err |= put_str(b, r->last_reply);
	/* since the first format: attempt time, notice flags, the server that answered */
	err |= put_u64(b, r->last_attempt_us);
	err |= put_u8(b, (uint8_t)((r->bounced ? 1 : 0) | (r->delay_warned ? 2 : 0)));
	err |= put_str(b, r->remote_mta);
	return finish(b, start, err);
}

int record_encode_id(struct buf *b, enum record_type type, const char *qid)
{
	size_t start = begin(b, (uint8_t)type);
	return finish(b, start, buf_append(b, qid, QUEUE_ID_LEN));
}

/* --- decoding: a forward-only cursor that fails closed --- */

struct cur {
	const unsigned char *p;
	size_t left;
	int bad;
};

static const unsigned char *take(struct cur *c, size_t n)
{
	if (c->bad || n > c->left) {
		c->bad = 1;
		return NULL;
	}
	const unsigned char *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

static uint32_t get_u32(struct cur *c)
{
	const unsigned char *x = take(c, 4);
	return x ? (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24 : 0;
}

static uint64_t get_u64(struct cur *c)
{
	uint64_t lo = get_u32(c);
	return lo | (uint64_t)get_u32(c) << 32;
}

static uint8_t get_u8(struct cur *c)
{
	const unsigned char *x = take(c, 1);
	return x ? x[0] : 0;
}

static char *get_str(struct cur *c)
{
	uint32_t n = get_u32(c);
	const unsigned char *s = take(c, n);
	return s ? xstrndup((const char *)s, n) : NULL;
}

static void get_id(struct cur *c, char qid[QUEUE_ID_LEN + 1])
{
	const unsigned char *s = take(c, QUEUE_ID_LEN);
	if (s)
		memcpy(qid, s, QUEUE_ID_LEN);
	else
		memset(qid, 0, QUEUE_ID_LEN);
	qid[QUEUE_ID_LEN] = '\0';
}

size_t record_next(const char *p, size_t len, uint8_t *type, const char **payload, uint32_t *plen)
{
	if (len < RECORD_HEADER)
		return 0;
	struct cur c = {(const unsigned char *)p, len, 0};
	uint32_t magic = get_u32(&c);
	uint8_t t = get_u8(&c);
	take(&c, 3);
	uint32_t n = get_u32(&c), crc = get_u32(&c);
	if (magic != RECORD_MAGIC || n > len - RECORD_HEADER)
		return 0;
	if (crc32c(0, p + RECORD_HEADER, n) != crc)
		return 0;
	*type = t;
	*payload = p + RECORD_HEADER;
	*plen = n;
	return RECORD_HEADER + (size_t)n;
}

struct envelope *record_decode_msg(const char *payload, size_t len)
{
	struct cur c = {(const unsigned char *)payload, len, 0};
	struct envelope *e = envelope_new();
	get_id(&c, e->id);
	e->arrival_us = get_u64(&c);
	uint8_t flags = get_u8(&c);
	e->smtputf8 = flags & 1;
	e->body_8bit = (flags & 2) != 0;
	e->sender = get_str(&c);
	e->client_ip = get_str(&c);
	e->helo = get_str(&c);
	uint32_t n = get_u32(&c);
	for (uint32_t i = 0; i < n && !c.bad; i++) {
		uint8_t kind = get_u8(&c);
		char *orig = get_str(&c), *addr = get_str(&c);
		if (orig && addr)
			envelope_add_rcpt(e, orig, addr, kind == RCPT_REMOTE ? RCPT_REMOTE : RCPT_LOCAL);
		free(orig);
		free(addr);
	}
	uint32_t dlen = get_u32(&c);
	const unsigned char *d = take(&c, dlen);
	if (c.bad || d == NULL || e->sender == NULL || e->client_ip == NULL || e->helo == NULL) {
		envelope_free(e);
		return NULL;
	}
	buf_append(&e->data, d, dlen);
	return e;
}

int record_decode_rcpt(const char *payload, size_t len, char qid[QUEUE_ID_LEN + 1], uint32_t *idx,
		       struct envelope_rcpt *out)
{
	struct cur c = {(const unsigned char *)payload, len, 0};
	get_id(&c, qid);
	*idx = get_u32(&c);
	uint8_t st = get_u8(&c);
	out->state = st == RCPT_DELIVERED ? RCPT_DELIVERED : st == RCPT_FAILED ? RCPT_FAILED : RCPT_PENDING;
	out->attempts = get_u32(&c);
	out->last_reply = get_str(&c);
	if (!c.bad && c.left > 0) { /* the fields added after the first format */
		out->last_attempt_us = get_u64(&c);
		uint8_t flags = get_u8(&c);
		out->bounced = flags & 1;
		out->delay_warned = (flags & 2) != 0;
		out->remote_mta = get_str(&c);
		if (out->remote_mta && out->remote_mta[0] == '\0') {
			free(out->remote_mta);
			out->remote_mta = NULL;
		}
	}
	if (c.bad) {
		free(out->last_reply);
		free(out->remote_mta);
		out->last_reply = NULL;
		out->remote_mta = NULL;
		return -1;
	}
	return 0;
}

int record_decode_id(const char *payload, size_t len, char qid[QUEUE_ID_LEN + 1])
{
	struct cur c = {(const unsigned char *)payload, len, 0};
	get_id(&c, qid);
	return c.bad ? -1 : 0;
}
