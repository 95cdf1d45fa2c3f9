/* bounce.c - RFC 3464 delivery status notifications (see bounce.h). Reads only what tern
 * stored (the envelope, the last reply of each recipient, the header section the client
 * sent); the original headers are copied within BOUNCE_HEADERS_MAX. RFC 3464, RFC 3462,
 * RFC 3834 (Auto-Submitted), RFC 5322. */
#include "queue/bounce.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "explain/explain.h"
#include "lib/util.h"

#define WRAP_COLUMN 76

void bounce_status(const char *reply, char status[16])
{
	struct explanation ex;
	if (reply && explain_reply(reply, strlen(reply), &ex) == 0) {
		if (ex.enhanced[0]) {
			str_copy(status, ex.enhanced, 16);
			return;
		}
		snprintf(status, 16, "%d.0.0", ex.code / 100);
		return;
	}
	str_copy(status, "5.0.0", 16);
}

/* Append text as lines of at most WRAP_COLUMN characters, each starting with indent. Words
 * longer than a line are not broken (URLs). */
static int wrap(struct buf *out, const char *indent, const char *text)
{
	size_t col = 0, ilen = strlen(indent);
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		size_t w = strcspn(p, " ");
		if (col > 0 && col + 1 + w > WRAP_COLUMN) {
			if (buf_append_str(out, "\r\n") < 0)
				return -1;
			col = 0;
		}
		if (col == 0) {
			if (buf_append(out, indent, ilen) < 0)
				return -1;
			col = ilen;
		} else {
			if (buf_append_char(out, ' ') < 0)
				return -1;
			col++;
		}
		if (buf_append(out, p, w) < 0)
			return -1;
		col += w;
		p += w;
	}
	return col > 0 ? buf_append_str(out, "\r\n") : 0;
}

static int headers(struct buf *out, const struct envelope *orig, enum bounce_action action,
		   const struct bounce_info *info, const char *boundary)
{
	char date[64];
	mail_date(date, sizeof(date), info->now_us);
	const char *subject = action == BOUNCE_FAILED ? "Undelivered Mail Returned to Sender"
						      : "Delayed Mail (still being retried)";
	return buf_printf(out,
			  "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
			  "To: <%s>\r\n"
			  "Subject: %s\r\n"
			  "Date: %s\r\n"
			  "Message-ID: <%s.bounce@%s>\r\n"
			  "Auto-Submitted: auto-replied\r\n"
			  "MIME-Version: 1.0\r\n"
			  "Content-Type: multipart/report; report-type=delivery-status;\r\n"
			  "\tboundary=\"%s\"\r\n"
			  "\r\n"
			  "This is a MIME-encapsulated message (RFC 3464 delivery status notification).\r\n"
			  "\r\n",
			  info->hostname, orig->sender, subject, date, info->bounce_id, info->hostname, boundary);
}

/* Part 1: what happened, in plain words, per recipient, from src/explain/. */
static int human_part(struct buf *out, const struct envelope *orig, const size_t *idx, size_t n,
		      enum bounce_action action, const struct bounce_info *info, const char *boundary)
{
	char arrived[64], until[64];
	mail_date(arrived, sizeof(arrived), orig->arrival_us);
	mail_date(until, sizeof(until), info->retry_until_us);
	int r = buf_printf(out,
			   "--%s\r\n"
			   "Content-Type: text/plain; charset=utf-8\r\n"
			   "Content-Description: Notification\r\n"
			   "Content-Transfer-Encoding: 8bit\r\n"
			   "\r\n"
			   "This is the mail system at %s.\r\n\r\n",
			   boundary, info->hostname);
	if (r < 0)
		return -1;
	char intro[400];
	if (action == BOUNCE_FAILED)
		snprintf(intro, sizeof(intro),
			 "Your message sent on %s (queue id %s) could not be delivered to %s. It will not be "
			 "tried again. The reasons are below, and the headers of your message are attached.",
			 arrived, orig->id, n == 1 ? "one recipient" : "some recipients");
	else
		snprintf(intro, sizeof(intro),
			 "Your message sent on %s (queue id %s) has not been delivered yet to %s. Nothing is "
			 "lost and you do not need to send it again: delivery will be retried until %s, and "
			 "you will hear from us only if it fails for good.",
			 arrived, orig->id, n == 1 ? "one recipient" : "some recipients", until);
	if (wrap(out, "", intro) < 0 || buf_append_str(out, "\r\n") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct envelope_rcpt *rc = &orig->rcpts[idx[i]];
		const char *reply = rc->last_reply ? rc->last_reply : "";
		struct explanation ex;
		bool known = explain_reply(reply, strlen(reply), &ex) == 0;
		if (buf_printf(out, "<%s>:\r\n", rc->address) < 0)
			return -1;
		if (reply[0] && buf_printf(out, "    The reply was: %s\r\n", reply) < 0)
			return -1;
		if (known) {
			char line[600];
			snprintf(line, sizeof(line), "What it means: %s", ex.meaning);
			if (wrap(out, "    ", line) < 0)
				return -1;
			if (action == BOUNCE_FAILED && ex.advice) {
				snprintf(line, sizeof(line), "What you can do: %s", ex.advice);
				if (wrap(out, "    ", line) < 0)
					return -1;
			}
		}
		if (buf_append_str(out, "\r\n") < 0)
			return -1;
	}
	return buf_printf(out, "For more detail, an administrator can run: tern explain \"<the reply>\"\r\n\r\n");
}

/* Part 2: message/delivery-status (RFC 3464 2.2 and 2.3). */
static int status_part(struct buf *out, const struct envelope *orig, const size_t *idx, size_t n,
		       enum bounce_action action, const struct bounce_info *info, const char *boundary)
{
	char arrived[64], now[64], until[64];
	mail_date(arrived, sizeof(arrived), orig->arrival_us);
	mail_date(now, sizeof(now), info->now_us);
	mail_date(until, sizeof(until), info->retry_until_us);
	if (buf_printf(out,
		       "--%s\r\n"
		       "Content-Type: message/delivery-status\r\n"
		       "Content-Description: Delivery report\r\n"
		       "\r\n"
		       "Reporting-MTA: dns; %s\r\n"
		       "X-Tern-Queue-ID: %s\r\n"
		       "Arrival-Date: %s\r\n",
		       boundary, info->hostname, orig->id, arrived) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct envelope_rcpt *rc = &orig->rcpts[idx[i]];
		char status[16];
		bounce_status(rc->last_reply, status);
		if (action == BOUNCE_DELAYED && status[0] != '4')
			str_copy(status, "4.0.0", sizeof(status));
		const char *type = orig->smtputf8 ? "utf-8" : "rfc822";
		if (buf_printf(out, "\r\n") < 0)
			return -1;
		if (rc->orig && strcmp(rc->orig, rc->address) != 0 &&
		    buf_printf(out, "Original-Recipient: %s; %s\r\n", type, rc->orig) < 0)
			return -1;
		if (buf_printf(out, "Final-Recipient: %s; %s\r\nAction: %s\r\nStatus: %s\r\n", type, rc->address,
			       action == BOUNCE_FAILED ? "failed" : "delayed", status) < 0)
			return -1;
		if (rc->remote_mta && rc->remote_mta[0] && buf_printf(out, "Remote-MTA: dns; %s\r\n", rc->remote_mta) < 0)
			return -1;
		if (rc->last_reply && rc->last_reply[0] &&
		    buf_printf(out, "Diagnostic-Code: smtp; %s\r\n", rc->last_reply) < 0)
			return -1;
		if (buf_printf(out, "Last-Attempt-Date: %s\r\n", now) < 0)
			return -1;
		if (action == BOUNCE_DELAYED && buf_printf(out, "Will-Retry-Until: %s\r\n", until) < 0)
			return -1;
	}
	return buf_append_str(out, "\r\n");
}

/* Part 3: the original header section (text/rfc822-headers, RFC 3462), which starts with
 * our own Received: line; cut at a line end within BOUNCE_HEADERS_MAX. */
static int headers_part(struct buf *out, const struct envelope *orig, const char *boundary)
{
	const char *p = orig->data.data;
	size_t len = orig->data.len;
	const char *end = memmem(p, len, "\r\n\r\n", 4);
	size_t hlen = end ? (size_t)(end - p) + 2 : len;
	if (hlen > BOUNCE_HEADERS_MAX) {
		hlen = BOUNCE_HEADERS_MAX;
		while (hlen > 0 && p[hlen - 1] != '\n')
			hlen--;
	}
	if (buf_printf(out,
		       "--%s\r\n"
		       "Content-Type: text/rfc822-headers\r\n"
		       "Content-Description: Headers of the undelivered message\r\n"
		       "%s"
		       "\r\n",
		       boundary, orig->body_8bit || orig->smtputf8 ? "Content-Transfer-Encoding: 8bit\r\n" : "") < 0)
		return -1;
	if (buf_append(out, p, hlen) < 0)
		return -1;
	if (hlen > 0 && p[hlen - 1] != '\n' && buf_append_str(out, "\r\n") < 0)
		return -1;
	return buf_printf(out, "\r\n--%s--\r\n", boundary);
}

int bounce_build(struct buf *out, const struct envelope *orig, const size_t *idx, size_t n,
		 enum bounce_action action, const struct bounce_info *info)
{
	char boundary[80];
	/* The boundary must not occur in the attached headers (RFC 2046 5.1.1); they are the
	 * client's bytes, so check rather than hope. */
	for (unsigned k = 0;; k++) {
		snprintf(boundary, sizeof(boundary), "=_tern_%s_%s_%u", info->bounce_id, orig->id, k);
		if (memmem(orig->data.data, orig->data.len, boundary, strlen(boundary)) == NULL)
			break;
	}
	if (headers(out, orig, action, info, boundary) < 0 || human_part(out, orig, idx, n, action, info, boundary) < 0 ||
	    status_part(out, orig, idx, n, action, info, boundary) < 0 || headers_part(out, orig, boundary) < 0)
		return -1;
	return 0;
}
