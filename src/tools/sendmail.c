/* sendmail.c - `tern sendmail [-t] [-i] [-f sender] [-F name] [-C file] [--] [recipients]`
 * (see sendmail.h). Reads the message from stdin (local user input: parsed with bounded
 * buffers), normalises line ends to CRLF, takes recipients from the arguments and, with -t,
 * from To/Cc/Bcc (RFC 5322 3.6.3; Bcc is removed), adds From: when missing, and speaks SMTP
 * (RFC 5321, dot-stuffing 4.5.2) to ternd over <spool>/submit.sock. ternd adds Date: and
 * Message-ID: (RFC 6409 8). Exits 0 only once ternd has queued the message; otherwise it
 * prints ternd's reply with its explanation and exits with a sysexits.h code. */
#include "tools/sendmail.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf/conf.h"
#include "explain/explain.h"
#include "lib/buf.h"
#include "lib/limits.h"
#include "lib/msghdr.h"
#include "lib/util.h"
#include "tools/toolconf.h"

#define SENDMAIL_TIMEOUT_S 300  /* per reply; ternd answers the end of DATA after its fsync */
#define SENDMAIL_RCPT_MAX 10000
#define SENDMAIL_REPLY_MAX 8192

struct sendmail {
	bool extract;     /* -t */
	bool ignore_dots; /* -i, -oi */
	const char *sender, *full_name, *config;
	char **rcpts;
	size_t nrcpts;
	struct conf *conf;
	struct buf msg; /* the message, CRLF line ends */
	int fd;
	char rbuf[SENDMAIL_REPLY_MAX];
	size_t rlen;
	char reply[SENDMAIL_REPLY_MAX]; /* the last reply, lines joined by "\n" */
	int code;
};

static void sendmail_usage(FILE *f)
{
	fputs("usage: sendmail [-t] [-i] [-f sender] [-F name] [-C config] [--] [recipient...]\n"
	      "  The message is read from stdin and handed to the running ternd.\n"
	      "  -t       also send to the To:, Cc: and Bcc: addresses (Bcc: is removed)\n"
	      "  -i, -oi  a line with a single \".\" does not end the message\n"
	      "  -f addr  envelope sender (default: your login name @ the host name)\n"
	      "  -F name  full name for the From: header tern adds when there is none\n"
	      "  -C file  configuration file (default: $TERN_CONFIG, else " CONF_DEFAULT_PATH " if it exists,\n"
	      "           else the built-in defaults)\n"
	      "  Ignored for compatibility: -odi -odb -oem -oep -bm -v -U -G -Ooption -oXvalue, -N/-R/-V/-B/-L/-h with a value.\n"
	      "  Exit status (sysexits.h): 0 queued, 64 usage, 65 data refused, 67 recipient refused,\n"
	      "  69 refused, 75 temporary failure (try again), 78 configuration error.\n",
	      f);
}

static void sendmail_add_rcpt(struct sendmail *sm, const char *addr, size_t len)
{
	if (sm->nrcpts >= SENDMAIL_RCPT_MAX)
		return;
	for (size_t i = 0; i < sm->nrcpts; i++)
		if (strlen(sm->rcpts[i]) == len && memcmp(sm->rcpts[i], addr, len) == 0)
			return;
	char **grown = realloc(sm->rcpts, (sm->nrcpts + 1) * sizeof(*grown));
	if (grown == NULL)
		die_oom();
	sm->rcpts = grown;
	sm->rcpts[sm->nrcpts++] = xstrndup(addr, len);
}

static void sendmail_rcpt_cb(void *arg, const char *addr, size_t len) { sendmail_add_rcpt(arg, addr, len); }

/* Options: getopt cannot parse sendmail's "-oi"/"-odi" style, so this is by hand. */
static int sendmail_options(struct sendmail *sm, int argc, char **argv, int *first_rcpt)
{
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		const char opt = a[1];
		const char *val = a[2] ? a + 2 : NULL;
		switch (opt) {
		case 't':
		case 'i':
		case 'v':
		case 'U':
		case 'G':
			for (const char *p = a + 1; *p; p++) { /* "-ti", "-it" */
				if (*p == 't')
					sm->extract = true;
				else if (*p == 'i')
					sm->ignore_dots = true;
				else if (*p != 'v' && *p != 'U' && *p != 'G')
					goto bad;
			}
			break;
		case 'o':
			if (strcmp(a, "-oi") == 0)
				sm->ignore_dots = true;
			break; /* -odi, -oem, -oXvalue...: delivery modes tern does not have */
		case 'O':
			break;
		case 'b':
			if (strcmp(a, "-bm") != 0) {
				fprintf(stderr, "sendmail: %s is not supported (only -bm, the default mode)\n", a);
				return EX_USAGE;
			}
			break;
		case 'f':
		case 'r':
		case 'F':
		case 'C':
		case 'N':
		case 'R':
		case 'V':
		case 'B':
		case 'L':
		case 'h':
		case 'X':
			if (val == NULL) {
				if (i + 1 >= argc) {
					fprintf(stderr, "sendmail: option -%c needs a value\n", opt);
					return EX_USAGE;
				}
				val = argv[++i];
			}
			if (opt == 'f' || opt == 'r')
				sm->sender = val;
			else if (opt == 'F')
				sm->full_name = val;
			else if (opt == 'C')
				sm->config = val;
			break;
		default:
		bad:
			fprintf(stderr, "sendmail: unknown option %s\n", a);
			sendmail_usage(stderr);
			return EX_USAGE;
		}
	}
	*first_rcpt = i;
	return EX_OK;
}

/* Read stdin into sm->msg with CRLF line ends; without -i a line "." ends the message. */
static int sendmail_read(struct sendmail *sm, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = EX_OK;
	while ((n = getline(&line, &cap, in)) >= 0) {
		size_t len = (size_t)n;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (!sm->ignore_dots && len == 1 && line[0] == '.')
			break;
		if (sm->msg.len == 0 && len >= 5 && memcmp(line, "From ", 5) == 0)
			continue; /* an mbox "From " envelope line is not a header (Postfix drops it too) */
		if (buf_append(&sm->msg, line, len) < 0 || buf_append(&sm->msg, "\r\n", 2) < 0) {
			fprintf(stderr, "sendmail: the message is larger than message_size_limit (%llu bytes)\n",
				(unsigned long long)sm->conf->message_size_limit);
			rc = EX_DATAERR;
			break;
		}
	}
	if (rc == EX_OK && ferror(in)) {
		fprintf(stderr, "sendmail: reading the message: %s\n", strerror(errno));
		rc = EX_IOERR;
	}
	free(line);
	return rc;
}

static void sendmail_default_sender(struct sendmail *sm, char *dst, size_t dstsize)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *login = pw ? pw->pw_name : getenv("LOGNAME");
	if (login == NULL || *login == '\0')
		login = "nobody";
	snprintf(dst, dstsize, "%s@%s", login, sm->conf->hostname);
}

/* Rebuild the message: header fields without Bcc (collecting To/Cc/Bcc recipients for -t),
 * a From: when there is none, the empty line, the body. */
static int sendmail_prepare(struct sendmail *sm, const char *sender)
{
	struct buf out;
	buf_init(&out, sm->msg.limit + 1024);
	struct msghdr_iter it;
	struct msghdr_field f;
	bool has_from = false;
	msghdr_iter_init(&it, sm->msg.data ? sm->msg.data : "", sm->msg.len);
	while (msghdr_next(&it, &f)) {
		bool bcc = msghdr_name_is(&f, "Bcc");
		if (sm->extract && (bcc || msghdr_name_is(&f, "To") || msghdr_name_is(&f, "Cc")))
			msghdr_addresses(f.value, f.value_len, sendmail_rcpt_cb, sm);
		if (msghdr_name_is(&f, "From"))
			has_from = true;
		if (!bcc) /* RFC 5322 3.6.3: Bcc recipients are not shown to the others */
			buf_append(&out, sm->msg.data + f.start, f.end - f.start);
	}
	size_t body = it.off;
	if (!has_from) {
		if (sm->full_name) {
			buf_append_str(&out, "From: \"");
			for (const char *p = sm->full_name; *p; p++)
				if (*p != '"' && *p != '\\' && *p != '\r' && *p != '\n')
					buf_append_char(&out, *p);
			buf_printf(&out, "\" <%s>\r\n", sender);
		} else {
			buf_printf(&out, "From: %s\r\n", sender[0] ? sender : "MAILER-DAEMON");
		}
	}
	/* the separator: keep the message's own empty line, or add one before a body that
	 * started without it */
	bool has_sep = body < sm->msg.len && (sm->msg.data[body] == '\r' || sm->msg.data[body] == '\n');
	if (!has_sep)
		buf_append_str(&out, "\r\n");
	if (body < sm->msg.len && buf_append(&out, sm->msg.data + body, sm->msg.len - body) < 0) {
		buf_free(&out);
		fprintf(stderr, "sendmail: the message is larger than message_size_limit\n");
		return EX_DATAERR;
	}
	buf_free(&sm->msg);
	sm->msg = out;
	return EX_OK;
}

/* --- the SMTP dialogue with ternd --- */

static int sendmail_connect(struct sendmail *sm)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/submit.sock", sm->conf->spool);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sendmail: spool path too long: %s\n", sm->conf->spool);
		return EX_CONFIG;
	}
	sm->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sm->fd < 0 || connect(sm->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "sendmail: cannot reach ternd at %s: %s; is ternd running? The message was not sent.\n",
			sun.sun_path, strerror(errno));
		return EX_TEMPFAIL;
	}
	struct timeval tv = {.tv_sec = SENDMAIL_TIMEOUT_S};
	setsockopt(sm->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sm->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return EX_OK;
}

static int sendmail_write(struct sendmail *sm, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(sm->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read one whole reply into sm->reply / sm->code; -1 on EOF, timeout or garbage. */
static int sendmail_reply(struct sendmail *sm)
{
	size_t rl = 0;
	sm->reply[0] = '\0';
	for (;;) {
		char *lf = memchr(sm->rbuf, '\n', sm->rlen);
		if (lf == NULL) {
			if (sm->rlen == sizeof(sm->rbuf))
				return -1; /* a reply line longer than anything SMTP allows */
			ssize_t r = read(sm->fd, sm->rbuf + sm->rlen, sizeof(sm->rbuf) - sm->rlen);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			sm->rlen += (size_t)r;
			continue;
		}
		size_t len = (size_t)(lf - sm->rbuf);
		size_t clen = len > 0 && sm->rbuf[len - 1] == '\r' ? len - 1 : len;
		if (clen < 3 || sm->rbuf[0] < '2' || sm->rbuf[0] > '5')
			return -1;
		if (rl + clen + 2 < sizeof(sm->reply)) {
			if (rl)
				sm->reply[rl++] = '\n';
			memcpy(sm->reply + rl, sm->rbuf, clen);
			rl += clen;
			sm->reply[rl] = '\0';
		}
		bool last = clen == 3 || sm->rbuf[3] == ' ';
		sm->code = (sm->rbuf[0] - '0') * 100 + (sm->rbuf[1] - '0') * 10 + (sm->rbuf[2] - '0');
		memmove(sm->rbuf, lf + 1, sm->rlen - len - 1);
		sm->rlen -= len + 1;
		if (last)
			return 0;
	}
}

static int sendmail_cmd(struct sendmail *sm, const char *line)
{
	if (sendmail_write(sm, line, strlen(line)) < 0 || sendmail_write(sm, "\r\n", 2) < 0)
		return -1;
	return sendmail_reply(sm);
}

/* The refusal, in ternd's words and in plain words, then the exit status for it. */
static int sendmail_refused(struct sendmail *sm, const char *what, int status_5xx)
{
	static struct explanation e;
	fprintf(stderr, "sendmail: %s: %s\n", what, sm->reply);
	char line[512];
	if (explain_reply(sm->reply, strlen(sm->reply), &e) == 0 && explain_oneline(&e, line, sizeof(line)) > 0)
		fprintf(stderr, "sendmail: %s\n", line);
	fputs("sendmail: the message was not sent\n", stderr);
	sendmail_cmd(sm, "QUIT");
	return sm->code / 100 == 4 ? EX_TEMPFAIL : status_5xx;
}

static int sendmail_lost(const char *when)
{
	fprintf(stderr, "sendmail: the connection to ternd failed %s; the message was not sent\n", when);
	return EX_TEMPFAIL;
}

static bool sendmail_is_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

static int sendmail_transaction(struct sendmail *sm, const char *sender)
{
	char line[SMTP_LINE_MAX + 64];
	if (sendmail_reply(sm) < 0)
		return sendmail_lost("before its greeting");
	if (sm->code != 220)
		return sendmail_refused(sm, "connecting", EX_UNAVAILABLE);
	if (sendmail_cmd(sm, "EHLO localhost") < 0)
		return sendmail_lost("after EHLO");
	if (sm->code != 250)
		return sendmail_refused(sm, "EHLO", EX_UNAVAILABLE);
	bool utf8 = sendmail_is_8bit(sender, strlen(sender));
	for (size_t i = 0; i < sm->nrcpts; i++)
		utf8 |= sendmail_is_8bit(sm->rcpts[i], strlen(sm->rcpts[i]));
	bool eightbit = sendmail_is_8bit(sm->msg.data, sm->msg.len);
	snprintf(line, sizeof(line), "MAIL FROM:<%s>%s%s", sender, eightbit ? " BODY=8BITMIME" : "",
		 utf8 ? " SMTPUTF8" : "");
	if (sendmail_cmd(sm, line) < 0)
		return sendmail_lost("after MAIL FROM");
	if (sm->code != 250) {
		snprintf(line, sizeof(line), "sender <%s> refused", sender);
		return sendmail_refused(sm, line, EX_DATAERR);
	}
	for (size_t i = 0; i < sm->nrcpts; i++) {
		snprintf(line, sizeof(line), "RCPT TO:<%s>", sm->rcpts[i]);
		if (sendmail_cmd(sm, line) < 0)
			return sendmail_lost("after RCPT TO");
		if (sm->code != 250 && sm->code != 251) {
			char what[SMTP_LINE_MAX];
			snprintf(what, sizeof(what), "recipient <%s> refused", sm->rcpts[i]);
			/* RFC 3463: X.1.x is about the address itself */
			bool addr = strstr(sm->reply, " 5.1.") != NULL;
			return sendmail_refused(sm, what, addr ? EX_NOUSER : EX_UNAVAILABLE);
		}
	}
	if (sendmail_cmd(sm, "DATA") < 0)
		return sendmail_lost("after DATA");
	if (sm->code != 354)
		return sendmail_refused(sm, "DATA", EX_DATAERR);
	/* the body, dot-stuffed (RFC 5321 4.5.2); msg has CRLF line ends only */
	struct buf out;
	buf_init(&out, SIZE_MAX);
	const char *p = sm->msg.data, *end = sm->msg.data + sm->msg.len;
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t n = lf ? (size_t)(lf - p) + 1 : (size_t)(end - p);
		if (p[0] == '.')
			buf_append_char(&out, '.');
		buf_append(&out, p, n);
		p += n;
	}
	buf_append_str(&out, ".\r\n");
	int w = sendmail_write(sm, out.data, out.len);
	buf_free(&out);
	if (w < 0 || sendmail_reply(sm) < 0)
		return sendmail_lost("while sending the message");
	if (sm->code != 250)
		return sendmail_refused(sm, "message refused", EX_DATAERR);
	sendmail_cmd(sm, "QUIT"); /* queued already: the answer to QUIT does not matter */
	return EX_OK;
}

int tool_sendmail(int argc, char **argv)
{
	struct sendmail sm = {.fd = -1};
	int first = argc, rc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			sendmail_usage(stdout);
			return EX_OK;
		}
	rc = sendmail_options(&sm, argc, argv, &first);
	if (rc != EX_OK)
		return rc;
	sm.conf = toolconf_load("sendmail", sm.config);
	if (sm.conf == NULL)
		return EX_CONFIG;
	for (int i = first; i < argc; i++) {
		/* "a@b, c@d" as one argument is common in scripts */
		msghdr_addresses(argv[i], strlen(argv[i]), sendmail_rcpt_cb, &sm);
		if (strchr(argv[i], '@') == NULL) { /* a bare local name: a user of the first domain */
			char full[ADDR_MAILBOX_MAX + 2];
			int n = snprintf(full, sizeof(full), "%s@%s", argv[i], sm.conf->domains.items[0]);
			if (n > 0 && (size_t)n < sizeof(full))
				sendmail_add_rcpt(&sm, full, (size_t)n);
		}
	}
	buf_init(&sm.msg, sm.conf->message_size_limit);
	char sender[ADDR_MAILBOX_MAX + 2];
	if (sm.sender && (strcmp(sm.sender, "<>") == 0 || sm.sender[0] == '\0'))
		sender[0] = '\0';
	else if (sm.sender)
		str_copy(sender, sm.sender[0] == '<' ? sm.sender + 1 : sm.sender, sizeof(sender));
	else
		sendmail_default_sender(&sm, sender, sizeof(sender));
	sender[strcspn(sender, ">")] = '\0';
	for (const char *p = sender; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<') {
			fprintf(stderr, "sendmail: -f: '%s' is not an address\n", sm.sender);
			rc = EX_USAGE;
			goto out;
		}
	rc = sendmail_read(&sm, stdin);
	if (rc == EX_OK)
		rc = sendmail_prepare(&sm, sender);
	if (rc == EX_OK && sm.nrcpts == 0) {
		fputs(sm.extract ? "sendmail: no recipients in To:, Cc:, Bcc: or the arguments\n"
				 : "sendmail: no recipients given (name them as arguments, or use -t)\n",
		      stderr);
		rc = EX_USAGE;
	}
	if (rc == EX_OK)
		rc = sendmail_connect(&sm);
	if (rc == EX_OK)
		rc = sendmail_transaction(&sm, sender);
out:
	if (sm.fd >= 0)
		close(sm.fd);
	for (size_t i = 0; i < sm.nrcpts; i++)
		free(sm.rcpts[i]);
	free(sm.rcpts);
	buf_free(&sm.msg);
	conf_unref(sm.conf);
	return rc;
}
