/* codes.c - the basic SMTP reply codes and what each digit of a code says, in plain words.
 * Static data; no untrusted input. RFC 5321 4.2 (with 1yz of 4.2.1), RFC 3207, RFC 4954,
 * RFC 7504, RFC 1985; codes 523 and 525 as listed with X.7.10 and X.7.13 in RFC 5248. */
#include <stddef.h>

#include "explain/codes.h"
#include "lib/util.h"

/* RFC 5321 4.2.1: the first digit says whether the request worked. */
static const char *const first_digit[10] = {
	[1] = "positive preliminary: accepted, but waiting for a confirmation; SMTP never uses it "
	      "(RFC 5321 4.2.1)",
	[2] = "success: the server did what was asked",
	[3] = "intermediate: the server understood and waits for more (the message, or the next step "
	      "of a login)",
	[4] = "transient failure: not done this time, but the same request may work later; a mail "
	      "server retries by itself",
	[5] = "permanent failure: not done, and the same request will fail the same way; something "
	      "must change first",
};

/* RFC 5321 4.2.1: the second digit names the area; 3 and 4 are not assigned there. */
static const char *const second_digit[10] = {
	[0] = "syntax: about the form of a command (a syntax error, or a command that is not "
	      "supported)",
	[1] = "information: an answer to a request for information, such as status or help",
	[2] = "connections: about the connection itself",
	[3] = "not assigned by RFC 5321; extensions such as AUTH (RFC 4954) use it for "
	      "authentication and security",
	[4] = "not assigned by RFC 5321",
	[5] = "mail system: about the receiving mail system, the mailbox or the message",
};

static const char *const class_name[10] = {
	[2] = "success", [3] = "intermediate", [4] = "transient", [5] = "permanent",
};

static const char *const class_phrase[10] = {
	[2] = "success", [3] = "intermediate step", [4] = "transient failure", [5] = "permanent failure",
};

/* Sorted by code. reason, advice and admin come from codes_reasons.c unless given here. */
static const struct codes_basic basics[] = {
	{211, "System status, or system help reply",
	 "The server answers a request for its status or for help; the text is the answer.",
	 "ok", false, NULL, NULL, "RFC 5321 4.2.2"},
	{214, "Help message",
	 "A help message meant for a person: how to use the server, or what a command or a reply "
	 "code means.",
	 "ok", false, NULL, NULL, "RFC 5321 4.2.2"},
	{220, "Service ready",
	 "The server is ready. It says so when the connection opens (the greeting), and after "
	 "STARTTLS to start encryption (RFC 3207).",
	 "ok", false, NULL, NULL, "RFC 5321 4.2.2"},
	{221, "Service closing transmission channel",
	 "The server says goodbye and closes the connection, normally after QUIT.",
	 "ok", false, NULL, NULL, "RFC 5321 4.2.2"},
	{235, "Authentication succeeded",
	 "The login (SMTP AUTH) worked.",
	 "ok", false, NULL, NULL, "RFC 4954 6"},
	{250, "Requested mail action okay, completed",
	 "The command was carried out. After the end of the message (DATA) it means the server has "
	 "taken responsibility for the message and will deliver it.",
	 "ok", false, NULL, NULL, "RFC 5321 4.2.2"},
	{251, "User not local; will forward",
	 "The recipient is not at this server, but the server accepts the message and forwards it to "
	 "the address it names.",
	 "ok", false, "Nothing to do; you may update the address to the one the server names.", NULL,
	 "RFC 5321 3.4"},
	{252, "Cannot verify the user, but will accept the message and attempt delivery",
	 "The server will not confirm whether the address exists (an answer to VRFY), but it will "
	 "take a message for it and try to deliver it.",
	 "ok", false, NULL, NULL, "RFC 5321 3.5.3"},
	{334, "Server challenge",
	 "The server waits for the next step of a login (SMTP AUTH); the text is base64 data for the "
	 "mail program.",
	 "continue", false, NULL, NULL, "RFC 4954 4"},
	{354, "Start mail input; end with <CRLF>.<CRLF>",
	 "The server waits for the message itself, which ends with a line holding only a dot.",
	 "continue", false, NULL, NULL, "RFC 5321 4.2.2"},
	{421, "Service not available, closing transmission channel",
	 "The server cannot serve now and closes the connection: it may be overloaded, shutting down, "
	 "or limiting connections. It can answer any command this way.",
	 "service_unavailable", false, NULL, NULL, "RFC 5321 4.2.2, 3.8"},
	{432, "A password transition is needed",
	 "The account must log in once with a plain password method (over TLS) before the login "
	 "method that was chosen can work.",
	 "auth_failed", false, "Log in once with the plain password method, then try again.", NULL,
	 "RFC 4954 6"},
	{450, "Requested mail action not taken: mailbox unavailable",
	 "The mailbox could not be used right now: busy, locked, or held back by the server for the "
	 "moment. The same request may work later.",
	 "mailbox_unavailable", true, NULL, NULL, "RFC 5321 4.2.2"},
	{451, "Requested action aborted: local error in processing",
	 "The receiving server had a problem of its own while processing the request and stopped; it "
	 "may work later.",
	 "server_error", true, NULL, NULL, "RFC 5321 4.2.2"},
	{452, "Requested action not taken: insufficient system storage",
	 "The server has no room for the message right now. Servers also use it to refuse recipients "
	 "beyond their limit in one transaction (RFC 5321 4.5.3.1.10).",
	 "storage", true, NULL, NULL, "RFC 5321 4.2.2"},
	{454, "TLS not available, or temporary authentication failure",
	 "A temporary problem with encryption or login: TLS cannot start right now (RFC 3207), or the "
	 "login could not be checked (RFC 4954).",
	 "server_error", false, NULL, NULL, "RFC 3207 4, RFC 4954 6"},
	{455, "Server unable to accommodate parameters",
	 "The server cannot handle the parameters given with MAIL FROM or RCPT TO at the moment.",
	 "server_error", false, NULL, NULL, "RFC 5321 4.2.2"},
	{458, "Unable to queue messages for node",
	 "An answer to ETRN: the server cannot start delivering the waiting mail for that domain now.",
	 "server_error", false, NULL, NULL, "RFC 1985 5"},
	{459, "Node not allowed",
	 "An answer to ETRN: the client may not ask for the waiting mail of that domain.",
	 "policy", false, NULL, NULL, "RFC 1985 5"},
	{500, "Syntax error, command unrecognized",
	 "The server did not recognise the command, or the command line was too long.",
	 "syntax", false, NULL, NULL, "RFC 5321 4.2.2, 4.5.3.1.4"},
	{501, "Syntax error in parameters or arguments",
	 "The command is known, but what follows it (an address, a parameter) is not written correctly.",
	 "syntax", false, NULL, NULL, "RFC 5321 4.2.2"},
	{502, "Command not implemented",
	 "The server knows the command but does not offer it.",
	 "not_implemented", false, NULL, NULL, "RFC 5321 4.2.2"},
	{503, "Bad sequence of commands",
	 "The command came at the wrong moment in the dialog (for example RCPT before MAIL).",
	 "bad_sequence", false, NULL, NULL, "RFC 5321 4.2.2"},
	{504, "Command parameter not implemented",
	 "The command is supported, but not with this parameter or value.",
	 "not_implemented", false, NULL, NULL, "RFC 5321 4.2.2"},
	{521, "Server does not accept mail",
	 "This host does not take mail at all; it usually says so as soon as the connection opens.",
	 "service_unavailable", false, NULL, NULL, "RFC 7504 3"},
	{523, "Encryption needed",
	 "The login method chosen needs an encrypted connection first.",
	 "tls_required", false, NULL, NULL, "RFC 5248 (with X.7.10)"},
	{525, "User account disabled",
	 "The login worked, but the account is disabled by its administrator.",
	 "auth_failed", false, "Ask your provider or administrator to enable the account again.", NULL,
	 "RFC 5248 (with X.7.13)"},
	{530, "Authentication required",
	 "The server requires a login (SMTP AUTH) before this command; some servers use it for "
	 "'start TLS first' as well (RFC 3207).",
	 "auth_required", false, NULL, NULL, "RFC 4954 6, RFC 3207 4"},
	{534, "Authentication mechanism is too weak",
	 "The login method chosen is weaker than the server allows for this account.",
	 "auth_failed", false, "Choose a stronger login method (or turn on encryption) in your mail "
	 "program.", NULL, "RFC 4954 6"},
	{535, "Authentication credentials invalid",
	 "The username or password was refused.",
	 "auth_failed", false, NULL, NULL, "RFC 4954 6"},
	{538, "Encryption required for requested authentication mechanism",
	 "The login method chosen may only be used over an encrypted connection.",
	 "tls_required", false, NULL, NULL, "RFC 4954 6"},
	{550, "Requested action not taken: mailbox unavailable",
	 "The server refused the request for this mailbox: not found, no access, or refused by policy. "
	 "The reply text or the enhanced code says which.",
	 "mailbox_unavailable", true, NULL, NULL, "RFC 5321 4.2.2"},
	{551, "User not local; please try <forward-path>",
	 "The recipient is not at this server; the server does not forward the message but may name "
	 "the address to use.",
	 "moved", false, NULL, NULL, "RFC 5321 3.4"},
	{552, "Requested mail action aborted: exceeded storage allocation",
	 "The message does not fit: the mailbox is over its quota, or the message is over the size "
	 "limit. (Some old servers also use it for too many recipients, which RFC 5321 4.5.3.1.10 "
	 "asks clients to treat as temporary.)",
	 "mailbox_full", true, NULL, NULL, "RFC 5321 4.2.2"},
	{553, "Requested action not taken: mailbox name not allowed",
	 "The address is not acceptable: wrongly written, or of a kind the server refuses.",
	 "bad_address", false, NULL, NULL, "RFC 5321 4.2.2"},
	{554, "Transaction failed",
	 "The transaction failed, most often because the server's rules refused the message. At "
	 "connection time it means: no mail service here for you.",
	 "policy", true, NULL, NULL, "RFC 5321 4.2.2, 3.1"},
	{555, "MAIL FROM/RCPT TO parameters not recognized or not implemented",
	 "The server does not know or support a parameter given after MAIL FROM or RCPT TO.",
	 "not_implemented", false, NULL, NULL, "RFC 5321 4.2.2"},
	{556, "Domain does not accept mail",
	 "The recipient's domain does not take mail at all (it publishes a null MX, RFC 7505).",
	 "null_mx", false, NULL, NULL, "RFC 7504 3"},
};

const struct codes_basic *codes_basic(int code)
{
	size_t lo = 0, hi = ARRAY_LEN(basics);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (basics[mid].code == code)
			return &basics[mid];
		if (basics[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t codes_basic_count(void) { return ARRAY_LEN(basics); }

const struct codes_basic *codes_basic_at(size_t i) { return i < ARRAY_LEN(basics) ? &basics[i] : NULL; }

const char *codes_first_digit(int digit) { return digit >= 0 && digit <= 9 ? first_digit[digit] : NULL; }

const char *codes_second_digit(int digit) { return digit >= 0 && digit <= 9 ? second_digit[digit] : NULL; }

const char *codes_class_name(int digit) { return digit >= 0 && digit <= 9 ? class_name[digit] : NULL; }

const char *codes_class_phrase(int digit) { return digit >= 0 && digit <= 9 ? class_phrase[digit] : NULL; }

const char *codes_retry_default(void)
{
	return "The sending server retries by itself, at first after some minutes, then less often, "
	       "for up to about five days (RFC 5321 4.5.4.1).";
}
