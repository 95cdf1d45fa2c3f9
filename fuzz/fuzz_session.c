/* fuzz_session.c - the SMTP command-line parser and DATA reader as a whole: arbitrary
 * bytes go through session_input (no socket, no queue), in one piece and split at a
 * byte chosen by the input, as the network would split them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "lib/log.h"
#include "smtpd/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf *conf_once(void)
{
	static struct conf *c;
	if (c == NULL) {
		static char o1[] = "hostname=mx.fuzz", o2[] = "domains=fuzz.example", o3[] = "message_size_limit=4096",
			    o4[] = "error_limit=1000";
		char *ov[] = {o1, o2, o3, o4};
		struct buf err;
		buf_init(&err, 4096);
		c = conf_load(NULL, ov, 4, &err);
		buf_free(&err);
		if (c == NULL)
			abort();
		log_set_level(LOG_ERR);
	}
	return c;
}

static void feed(struct session *s, const char *p, size_t n)
{
	buf_append(&s->in, p, n);
	size_t used = session_input(s, s->in.data, s->in.len);
	if (used > s->in.len)
		abort();
	buf_consume(&s->in, used);
	buf_reset(&s->out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session s;
	memset(&s, 0, sizeof(s));
	session_init(&s, NULL, conf_once(), "192.0.2.7", ROLE_MX);
	size_t cut = size ? data[0] % (size + 1) : 0;
	feed(&s, (const char *)data, cut);
	feed(&s, (const char *)data + cut, size - cut);
	session_cleanup(&s);
	return 0;
}
