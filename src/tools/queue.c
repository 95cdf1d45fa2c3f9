/* queue.c - `tern queue` (see tools/queue.h). Listings read the spool directly (read-only,
 * src/queue/scan.c), so they work whether or not ternd runs; changes go through ternd's
 * control socket (src/queue/control.h), so the daemon stays the only writer of its spool.
 * Local user input only: the arguments. */
#include "tools/queue.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "explain/explain.h"
#include "lib/util.h"
#include "queue/control.h"
#include "queue/scan.h"
#include "tools/toolconf.h"

static const char queue_usage[] =
	"usage: tern queue [-c FILE] [list]      list queued messages (mailq does the same)\n"
	"       tern queue [-c FILE] show ID     one message: envelope, recipients, every attempt explained\n"
	"       tern queue [-c FILE] flush [ID]  retry now (one message, or all)\n"
	"       tern queue [-c FILE] delete ID   remove a message without a bounce\n"
	"       tern queue [-c FILE] hold ID     keep a message but stop delivering it\n"
	"       tern queue [-c FILE] release ID  deliver a held message again\n"
	"The configuration is FILE, else $TERN_CONFIG, else " CONF_DEFAULT_PATH ".\n";

static const char *state_name(const struct envelope_rcpt *r)
{
	return r->state == RCPT_DELIVERED ? "delivered" : r->state == RCPT_FAILED ? "failed" : "pending";
}

static void age(char *dst, size_t size, uint64_t since_us)
{
	uint64_t now = wall_us(), s = now > since_us ? (now - since_us) / 1000000u : 0;
	if (s < 120)
		snprintf(dst, size, "%llus", (unsigned long long)s);
	else if (s < 7200)
		snprintf(dst, size, "%llum", (unsigned long long)(s / 60));
	else if (s < 2 * 86400)
		snprintf(dst, size, "%lluh", (unsigned long long)(s / 3600));
	else
		snprintf(dst, size, "%llud", (unsigned long long)(s / 86400));
}

static void explain_line(const char *reply, char *dst, size_t size)
{
	struct explanation ex;
	dst[0] = '\0';
	if (reply && explain_reply(reply, strlen(reply), &ex) == 0)
		explain_oneline(&ex, dst, size);
}

/* The Postfix mailq layout administrators know, plus each recipient's state. */
static int list(struct spool_scan *s)
{
	size_t count = 0;
	uint64_t bytes = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct scan_msg *m = &s->msgs[i];
		if (m->finished)
			continue;
		if (count++ == 0)
			printf("-Queue ID-    --Size-- ----Arrival Time---- -Age- -Sender/Recipient-------\n");
		struct envelope *e = m->env;
		char when[32], ago[16];
		time_t t = (time_t)(e->arrival_us / 1000000u);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%a %b %d %H:%M:%S", &tm);
		age(ago, sizeof(ago), e->arrival_us);
		bytes += e->data.len;
		printf("%-12s%c %8zu %-20s %5s %s\n", e->id, e->held ? '!' : ' ', e->data.len, when, ago,
		       e->sender[0] ? e->sender : "<>");
		for (size_t k = 0; k < e->nrcpts; k++) {
			const struct envelope_rcpt *r = &e->rcpts[k];
			printf("%51s%s (%s", "", r->address, state_name(r));
			if (r->attempts)
				printf(", %u attempt%s", r->attempts, r->attempts == 1 ? "" : "s");
			printf(")\n");
			if (r->state != RCPT_DELIVERED && r->last_reply)
				printf("%53s%s\n", "", r->last_reply);
		}
	}
	if (count == 0)
		printf("Mail queue is empty\n");
	else
		printf("-- %llu Kbytes in %zu Request%s.\n", (unsigned long long)((bytes + 1023) / 1024), count,
		       count == 1 ? "" : "s");
	return fflush(stdout) == 0 ? 0 : 1;
}

static int show(struct spool_scan *s, const char *id)
{
	struct scan_msg *m = spool_scan_find(s, id);
	if (m == NULL) {
		fprintf(stderr, "tern queue: %s: no such message in the queue (delivered, bounced or deleted?)\n", id);
		return 1;
	}
	struct envelope *e = m->env;
	char date[64], ago[16], why[400];
	mail_date(date, sizeof(date), e->arrival_us);
	age(ago, sizeof(ago), e->arrival_us);
	printf("Queue ID:  %s%s\n", e->id, e->held ? " (held: not delivered until released)" : "");
	printf("Arrived:   %s (%s ago) from %s [%s]\n", date, ago, e->helo, e->client_ip);
	printf("Sender:    <%s>\n", e->sender);
	printf("Size:      %zu bytes%s%s\n", e->data.len, e->body_8bit ? ", 8BITMIME" : "", e->smtputf8 ? ", SMTPUTF8" : "");
	printf("Recipients:\n");
	for (size_t k = 0; k < e->nrcpts; k++) {
		const struct envelope_rcpt *r = &e->rcpts[k];
		printf("  %s  %s%s after %u attempt%s\n", r->address, state_name(r), r->kind == RCPT_REMOTE ? " (remote)" : "",
		       r->attempts, r->attempts == 1 ? "" : "s");
		if (strcmp(r->orig, r->address) != 0)
			printf("    (sent to %s)\n", r->orig);
	}
	printf("Attempts:\n");
	if (m->nhist == 0)
		printf("  none yet\n");
	for (size_t k = 0; k < m->nhist; k++) {
		const struct scan_attempt *a = &m->hist[k];
		const struct envelope_rcpt *st = &a->st;
		if (st->last_attempt_us)
			mail_date(date, sizeof(date), st->last_attempt_us);
		else
			str_copy(date, "(time not recorded)", sizeof(date));
		const char *what = st->state == RCPT_DELIVERED ? "delivered" : st->state == RCPT_FAILED ? "failed" : "deferred";
		printf("  %s  %s  %s", date, e->rcpts[a->idx].address, what);
		if (st->remote_mta)
			printf(" by %s", st->remote_mta);
		printf("\n");
		if (st->last_reply) {
			printf("    reply:   %s\n", st->last_reply);
			explain_line(st->last_reply, why, sizeof(why));
			if (why[0] && st->state != RCPT_DELIVERED)
				printf("    meaning: %s\n", why);
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* One request to the running ternd; prints its answer. */
static int control(const struct conf *c, const char *verb, const char *id)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", c->spool, CONTROL_SOCKET);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "tern queue: the spool path is too long for a socket: %s\n", c->spool);
		return 1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "tern queue: ternd is not running, or not with this spool (%s: %s); "
			"%s needs the running daemon\n", sa.sun_path, strerror(errno), verb);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	char req[CONTROL_LINE_MAX];
	int rl = snprintf(req, sizeof(req), "%s%s%s\n", verb, id ? " " : "", id ? id : "");
	if (rl < 0 || (size_t)rl >= sizeof(req) || write(fd, req, (size_t)rl) != rl) {
		fprintf(stderr, "tern queue: cannot send the request\n");
		close(fd);
		return 1;
	}
	char reply[CONTROL_LINE_MAX + 128];
	size_t len = 0;
	ssize_t r;
	while (len < sizeof(reply) - 1 && (r = read(fd, reply + len, sizeof(reply) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	reply[len] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (strncmp(reply, "OK ", 3) == 0) {
		printf("%s\n", reply + 3);
		return 0;
	}
	fprintf(stderr, "tern queue: %s\n", strncmp(reply, "ERR ", 4) == 0 ? reply + 4 : "no answer from ternd");
	return 1;
}

int tool_queue(int argc, char **argv)
{
	const char *prog = strcmp(argv[0], "mailq") == 0 || strstr(argv[0], "/mailq") ? "mailq" : "tern queue";
	const char *conf_path = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "-C") == 0) && i + 1 < argc)
			conf_path = argv[++i];
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(queue_usage, stdout);
			return 0;
		} else if (strcmp(prog, "mailq") == 0)
			continue; /* sendmail's mailq flags (-v, -Ac ...) change nothing here */
		else {
			fprintf(stderr, "%s: unknown option %s\n%s", prog, argv[i], queue_usage);
			return 2;
		}
	}
	const char *verb = i < argc && strcmp(prog, "mailq") != 0 ? argv[i++] : "list";
	const char *id = i < argc ? argv[i++] : NULL;
	if (i < argc) {
		fprintf(stderr, "%s: too many arguments\n%s", prog, queue_usage);
		return 2;
	}
	static const struct {
		const char *verb, *request;
		bool needs_id;
	} changes[] = {{"flush", "FLUSH", false}, {"delete", "DELETE", true}, {"hold", "HOLD", true}, {"release", "RELEASE", true}};
	bool listing = strcmp(verb, "list") == 0 || strcmp(verb, "show") == 0;
	size_t k = 0;
	while (!listing && k < ARRAY_LEN(changes) && strcmp(changes[k].verb, verb) != 0)
		k++;
	if (!listing && k == ARRAY_LEN(changes)) {
		fprintf(stderr, "%s: unknown command '%s'\n%s", prog, verb, queue_usage);
		return 2;
	}
	if ((strcmp(verb, "show") == 0 || (!listing && changes[k].needs_id)) && id == NULL) {
		fprintf(stderr, "%s: %s needs a queue id\n%s", prog, verb, queue_usage);
		return 2;
	}
	struct conf *c = toolconf_load(prog, conf_path);
	if (c == NULL)
		return 1;
	int rc;
	if (listing) {
		struct spool_scan s;
		struct buf err;
		buf_init(&err, 4096);
		if (spool_scan(c->spool, &s, &err) < 0) {
			fprintf(stderr, "%s: %.*s", prog, (int)err.len, err.data);
			rc = 1;
		} else {
			rc = strcmp(verb, "show") == 0 ? show(&s, id) : list(&s);
		}
		spool_scan_free(&s);
		buf_free(&err);
	} else {
		rc = control(c, changes[k].request, id);
	}
	conf_unref(c);
	return rc;
}
