/* record.h - the spool's record format (docs/queue-format.md): a 16-byte header
 * (magic "TRN1", type, payload length, CRC-32C of the payload) and a payload of
 * length-prefixed fields. Decoding reads only what tern wrote, but trusts nothing: every
 * length is checked against the bytes present and a torn or corrupt record ends the scan. */
#ifndef TERN_RECORD_H
#define TERN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "queue/envelope.h"

#define RECORD_MAGIC 0x314e5254u /* "TRN1" little-endian */
#define RECORD_HEADER 16
#define RECORD_MAX_PAYLOAD (UINT32_MAX - 64)

/* HOLD/RELEASE: `tern queue hold/release`; a deleted message gets DONE like a finished one. */
enum record_type { REC_MSG = 1, REC_RCPT = 2, REC_DONE = 3, REC_HOLD = 4, REC_RELEASE = 5 };

int record_encode_msg(struct buf *out, const struct envelope *env);
int record_encode_rcpt(struct buf *out, const char *qid, uint32_t idx, const struct envelope_rcpt *r);
/* A record that carries only a queue id: REC_DONE, REC_HOLD, REC_RELEASE. */
int record_encode_id(struct buf *out, enum record_type type, const char *qid);

/* Look at the record at p: its total length (header + payload) if complete and intact,
 * else 0. */
size_t record_next(const char *p, size_t len, uint8_t *type, const char **payload, uint32_t *plen);
struct envelope *record_decode_msg(const char *payload, size_t len);
int record_decode_rcpt(const char *payload, size_t len, char qid[QUEUE_ID_LEN + 1], uint32_t *idx,
		       struct envelope_rcpt *out);
int record_decode_id(const char *payload, size_t len, char qid[QUEUE_ID_LEN + 1]);

#endif
