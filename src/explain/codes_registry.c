/* codes_registry.c - every enumerated code of the IANA "SMTP Enhanced Status Codes" registry
 * (RFC 3463 3, RFC 5248; updates: RFC 3886, 4468, 4954, 6531, 6710, 7293, 7372, 7505, 8617,
 * 8689), explained in plain words. Static data; no untrusted input. */
#include <stddef.h>

#include "explain/codes.h"
#include "lib/util.h"

/* RFC 3463 3.1: the class, the first number. */
static const char *const enh_class[10] = {
	[2] = "success: the message was accepted or delivered",
	[4] = "persistent transient failure: the message is fine, but a temporary condition stopped "
	      "it; sending it later may work",
	[5] = "permanent failure: sending the same message again will not work; the message or the "
	      "destination must change",
};

/* RFC 3463 3.2 and the registry's subject sub-codes: the second number. */
static const char *const enh_subject[10] = {
	[0] = "other or undefined: no more detail on where the problem is",
	[1] = "addressing: about the sender or recipient address",
	[2] = "mailbox: about the recipient's mailbox (the address itself is right)",
	[3] = "mail system: about the receiving mail system",
	[4] = "network and routing: about the network, DNS or the route to the destination",
	[5] = "mail delivery protocol: about the SMTP conversation",
	[6] = "message content or media: about the message's format or content",
	[7] = "security or policy: about security checks and the receiver's rules",
};

#define W CODES_WEAK
#define G CODES_GENERIC
#define S CODES_SPECIFIC

/* Sorted by subject, then detail. NULL advice/admin: those of the reason (codes_reasons.c). */
static const struct codes_enhanced registry[] = {
	{0, 0, W, "Other or undefined status",
	 "No detail beyond the class: success, temporary failure or permanent failure.",
	 "other", NULL, NULL, "RFC 3463 3.2"},

	{1, 0, W, "Other address status",
	 "Something about an address (of the sender or of a recipient) caused this; no more detail.",
	 "bad_address", NULL, NULL, "RFC 3463 3.2"},
	{1, 1, S, "Bad destination mailbox address",
	 "The part of the recipient address before the @ is not known at the destination: there is "
	 "no such mailbox.",
	 "unknown_user", NULL, NULL, "RFC 3463 3.2"},
	{1, 2, S, "Bad destination system address",
	 "The part of the recipient address after the @ is wrong: the domain does not exist or cannot "
	 "take mail.",
	 "bad_domain", NULL, NULL, "RFC 3463 3.2"},
	{1, 3, S, "Bad destination mailbox address syntax",
	 "The recipient address is not written correctly, so it cannot be used at all.",
	 "bad_address", NULL, NULL, "RFC 3463 3.2"},
	{1, 4, S, "Destination mailbox address ambiguous",
	 "The recipient address matches more than one mailbox at the destination.",
	 "bad_address", "Use the exact, full address of the person.", NULL, "RFC 3463 3.2"},
	{1, 5, S, "Destination address valid",
	 "The recipient address is valid and accepted (a success detail; with a failure class it "
	 "contradicts itself).",
	 "other", NULL, NULL, "RFC 3463 3.2"},
	{1, 6, S, "Destination mailbox has moved, no forwarding address",
	 "The mailbox used to exist here but has moved, and the server knows no new address.",
	 "moved", "Ask the person for their new address.", NULL, "RFC 3463 3.2"},
	{1, 7, S, "Bad sender's mailbox address syntax",
	 "The sender address (MAIL FROM) is not written correctly.",
	 "bad_sender", NULL, NULL, "RFC 3463 3.2"},
	{1, 8, S, "Bad sender's system address",
	 "The domain of the sender address does not exist or cannot receive replies.",
	 "bad_sender", NULL, NULL, "RFC 3463 3.2"},
	{1, 9, S, "Message relayed to non-compliant mailer",
	 "The address is valid, but the message went on to a system that cannot report what happens "
	 "next, so no further delivery status will come.",
	 "other", "Nothing to do; just do not expect a delivery confirmation.", NULL, "RFC 3886"},
	{1, 10, S, "Recipient address has null MX",
	 "The recipient's domain publishes a null MX: it says it never receives mail.",
	 "null_mx", NULL, NULL, "RFC 7505 4"},

	{2, 0, W, "Other or undefined mailbox status",
	 "The mailbox exists, but something about it (not the address) caused this.",
	 "mailbox_unavailable", NULL, NULL, "RFC 3463 3.3"},
	{2, 1, S, "Mailbox disabled, not accepting messages",
	 "The mailbox exists but is switched off for incoming mail, for a while or for good.",
	 "mailbox_disabled", NULL, NULL, "RFC 3463 3.3"},
	{2, 2, S, "Mailbox full",
	 "The recipient's mailbox is over its quota and takes no more mail until its owner makes room.",
	 "mailbox_full", NULL, NULL, "RFC 3463 3.3"},
	{2, 3, S, "Message length exceeds administrative limit",
	 "The message is bigger than this mailbox accepts.",
	 "message_too_big", NULL, NULL, "RFC 3463 3.3"},
	{2, 4, S, "Mailing list expansion problem",
	 "The recipient is a mailing list and it could not be expanded into its members.",
	 "other", "Tell the list's owner (usually listname-owner@ the list's domain).",
	 "If you run the list, check its member addresses and its configuration.", "RFC 3463 3.3"},

	{3, 0, W, "Other or undefined mail system status",
	 "The destination system normally takes mail, but something in it caused this.",
	 "server_error", NULL, NULL, "RFC 3463 3.4"},
	{3, 1, S, "Mail system full",
	 "The destination system has run out of storage for messages.",
	 "storage", NULL, NULL, "RFC 3463 3.4"},
	{3, 2, S, "System not accepting network messages",
	 "The destination system does not take mail right now, for example because it is shutting "
	 "down or in maintenance.",
	 "service_unavailable", NULL, NULL, "RFC 3463 3.4"},
	{3, 3, S, "System not capable of selected features",
	 "The message asks for a feature the destination system does not have.",
	 "not_implemented", NULL, NULL, "RFC 3463 3.4"},
	{3, 4, S, "Message too big for system",
	 "The message is bigger than the destination system accepts for any mailbox.",
	 "message_too_big", NULL, NULL, "RFC 3463 3.4"},
	{3, 5, S, "System incorrectly configured",
	 "The destination system is set up wrongly and cannot take the message; the fault is at the "
	 "receiver.",
	 "server_error", NULL, NULL, "RFC 3463 3.4"},
	{3, 6, S, "Requested priority was changed",
	 "The message was accepted, but with another priority than the one asked for (MT-PRIORITY).",
	 "other", NULL, NULL, "RFC 6710 7"},

	{4, 0, W, "Other or undefined network or routing status",
	 "A network or routing problem, with no more detail.",
	 "network", NULL, NULL, "RFC 3463 3.5"},
	{4, 1, S, "No answer from host",
	 "The next mail server did not answer when the sending server tried to connect.",
	 "network", NULL, NULL, "RFC 3463 3.5"},
	{4, 2, S, "Bad connection",
	 "A connection was made, but it broke or stalled before the transaction could finish.",
	 "network", NULL, NULL, "RFC 3463 3.5"},
	{4, 3, S, "Directory server failure",
	 "A directory service such as DNS failed or could not be reached, so the route or the address "
	 "could not be checked.",
	 "network", NULL, NULL, "RFC 3463 3.5"},
	{4, 4, S, "Unable to route",
	 "No way to the destination was found, for example the domain has no usable MX, A or AAAA "
	 "records.",
	 "network", NULL, NULL, "RFC 3463 3.5"},
	{4, 5, S, "Mail system congestion",
	 "The mail system is congested and cannot take the message now.",
	 "service_unavailable", NULL, NULL, "RFC 3463 3.5"},
	{4, 6, S, "Routing loop detected",
	 "The message was passed around too many times: there is a routing or forwarding loop.",
	 "loop", NULL, NULL, "RFC 3463 3.5"},
	{4, 7, S, "Delivery time expired",
	 "The message stayed in the queue too long: the sending server kept trying until its time "
	 "limit and gave up.",
	 "timeout", NULL, NULL, "RFC 3463 3.5"},

	{5, 0, W, "Other or undefined protocol status",
	 "Something in the SMTP conversation itself caused this.",
	 "syntax", NULL, NULL, "RFC 3463 3.6"},
	{5, 1, W, "Invalid command",
	 "The command is not valid here: not supported, or out of order.",
	 "bad_sequence", NULL, NULL, "RFC 3463 3.6"},
	{5, 2, W, "Syntax error",
	 "A command could not be understood because it is written wrongly.",
	 "syntax", NULL, NULL, "RFC 3463 3.6"},
	{5, 3, S, "Too many recipients",
	 "The message has more recipients than the server takes in one transaction.",
	 "too_many_recipients", NULL, NULL, "RFC 3463 3.6"},
	{5, 4, W, "Invalid command arguments",
	 "A command is valid, but its arguments or parameters are not.",
	 "syntax", NULL, NULL, "RFC 3463 3.6"},
	{5, 5, S, "Wrong protocol version",
	 "The two systems could not agree on a protocol version.",
	 "not_implemented", NULL, NULL, "RFC 3463 3.6"},
	{5, 6, S, "Authentication exchange line is too long",
	 "A line of the login exchange (SMTP AUTH) was longer than the server accepts.",
	 "syntax", NULL, NULL, "RFC 4954 6"},

	{6, 0, W, "Other or undefined media error",
	 "Something about the message's content or format caused this.",
	 "content", NULL, NULL, "RFC 3463 3.7"},
	{6, 1, S, "Media not supported",
	 "The message uses a media type (a kind of content) that the path to the recipient does not "
	 "support.",
	 "content", NULL, NULL, "RFC 3463 3.7"},
	{6, 2, S, "Conversion required and prohibited",
	 "The message would have to be converted to be delivered, but the sender forbade conversion.",
	 "content", NULL, NULL, "RFC 3463 3.7"},
	{6, 3, S, "Conversion required but not supported",
	 "The message would have to be converted to be delivered, and that conversion is not possible.",
	 "content", NULL, NULL, "RFC 3463 3.7"},
	{6, 4, S, "Conversion with loss performed",
	 "The message was delivered, but converting it lost some of its content.",
	 "content", NULL, NULL, "RFC 3463 3.7"},
	{6, 5, S, "Conversion failed",
	 "A conversion needed for delivery was tried and failed.",
	 "content", NULL, NULL, "RFC 3463 3.7"},
	{6, 6, S, "Message content not available",
	 "The content to send could not be fetched from where it was stored (BURL).",
	 "content", NULL, NULL, "RFC 4468 7"},
	{6, 7, S, "Non-ASCII addresses not permitted for that sender/recipient",
	 "An address contains non-ASCII characters, and that is not allowed here (for example without "
	 "SMTPUTF8).",
	 "bad_address", NULL, NULL, "RFC 6531 3.7.4.2"},
	{6, 8, S, "UTF-8 string reply is required, but not permitted by the SMTP client",
	 "The answer would need UTF-8 text (a non-ASCII mailbox name), and the client did not allow it.",
	 "bad_address", NULL, NULL, "RFC 6531 3.7.4.2"},
	{6, 9, S, "UTF-8 header message cannot be transferred to one or more recipients",
	 "The message has non-ASCII (UTF-8) header fields and a server on the way cannot carry them.",
	 "content", NULL, NULL, "RFC 6531 3.7.5"},
	{6, 10, S, "UTF-8 string reply is required (duplicate of X.6.8)",
	 "Same as X.6.8, registered twice by mistake: the answer would need UTF-8 text and the client "
	 "did not allow it.",
	 "bad_address", NULL, NULL, "RFC 6531"},

	{7, 0, W, "Other or undefined security status",
	 "A security or policy matter caused this, with no more detail (sometimes on purpose).",
	 "policy", NULL, NULL, "RFC 3463 3.8"},
	{7, 1, G, "Delivery not authorized, message refused",
	 "The sender may not send this message to this recipient. Receivers use this code for many "
	 "rules: relaying, blocklists, spam filters, sender restrictions; the text says which.",
	 "policy", NULL, NULL, "RFC 3463 3.8"},
	{7, 2, S, "Mailing list expansion prohibited",
	 "The sender may not send to this mailing list.",
	 "policy", "Ask the list's owner to let you post, or post from your subscribed address.", NULL,
	 "RFC 3463 3.8"},
	{7, 3, S, "Security conversion required but not possible",
	 "The message would have to be converted from one secure format to another, and that is not "
	 "possible.",
	 "policy", NULL, NULL, "RFC 3463 3.8"},
	{7, 4, S, "Security features not supported",
	 "The message asks for security features the delivery path does not support.",
	 "not_implemented", NULL, NULL, "RFC 3463 3.8"},
	{7, 5, S, "Cryptographic failure",
	 "A system that should check or decrypt the message could not, because a key or similar data "
	 "was missing or invalid.",
	 "policy", NULL, NULL, "RFC 3463 3.8"},
	{7, 6, S, "Cryptographic algorithm not supported",
	 "A system that should check or decrypt the message does not support the algorithm used.",
	 "not_implemented", NULL, NULL, "RFC 3463 3.8"},
	{7, 7, S, "Message integrity failure",
	 "The message was changed or damaged on the way, so its integrity check failed.",
	 "content", NULL, NULL, "RFC 3463 3.8"},
	{7, 8, S, "Authentication credentials invalid",
	 "The login failed: the username or password (or other credentials) was wrong.",
	 "auth_failed", NULL, NULL, "RFC 4954 6"},
	{7, 9, S, "Authentication mechanism is too weak",
	 "The login method chosen is weaker than the server allows for this account.",
	 "auth_failed", "Choose a stronger login method, or turn on encryption, in your mail program.",
	 NULL, "RFC 4954 6"},
	{7, 10, S, "Encryption needed",
	 "The login method chosen needs an encrypted connection (TLS) first.",
	 "tls_required", NULL, NULL, "RFC 5248"},
	{7, 11, S, "Encryption required for requested authentication mechanism",
	 "The login method chosen may only be used over an encrypted connection.",
	 "tls_required", NULL, NULL, "RFC 4954 6"},
	{7, 12, S, "A password transition is needed",
	 "The account must log in once with a plain password method before the chosen method works.",
	 "auth_failed", "Log in once with the plain password method (over TLS), then try again.", NULL,
	 "RFC 4954 6"},
	{7, 13, S, "User account disabled",
	 "The login itself worked, but the account has been disabled by its administrator.",
	 "auth_failed", "Ask your provider or administrator to enable the account again.", NULL,
	 "RFC 5248"},
	{7, 14, S, "Trust relationship required",
	 "The server needs a configured trust relationship with another server to get the message "
	 "content, and there is none.",
	 "policy", NULL, NULL, "RFC 5248"},
	{7, 15, S, "Priority level is too low",
	 "The message's priority (MT-PRIORITY) is below what the server accepts right now.",
	 "policy", "Send it again later or with a higher priority, if you may.", NULL, "RFC 6710 7"},
	{7, 16, S, "Message is too big for the specified priority",
	 "At this priority the server accepts only smaller messages.",
	 "message_too_big", NULL, NULL, "RFC 6710 7"},
	{7, 17, S, "Mailbox owner has changed",
	 "The mailbox has had another owner since the date the sender asked about (RRVS), so the "
	 "message is not delivered to a stranger.",
	 "moved", NULL, NULL, "RFC 7293 4"},
	{7, 18, S, "Domain owner has changed",
	 "The recipient's domain has changed hands since the date the sender asked about (RRVS).",
	 "moved", NULL, NULL, "RFC 7293 4"},
	{7, 19, S, "RRVS test cannot be completed",
	 "The receiver cannot tell whether the mailbox changed owner since the date given (RRVS), "
	 "because it did not record that.",
	 "policy", "Decide whether to send the message again without the RRVS check.", NULL,
	 "RFC 7293 4"},
	{7, 20, S, "No passing DKIM signature found",
	 "The message had no DKIM signature that checked out.",
	 "dkim_fail", NULL, NULL, "RFC 7372 3.1"},
	{7, 21, S, "No acceptable DKIM signature found",
	 "The message had valid DKIM signatures, but none the receiver's policy accepts.",
	 "dkim_fail", NULL, NULL, "RFC 7372 3.1"},
	{7, 22, S, "No valid author-matched DKIM signature found",
	 "No valid DKIM signature was made by the domain of the From address.",
	 "dkim_fail", NULL, NULL, "RFC 7372 3.1"},
	{7, 23, S, "SPF validation failed",
	 "The sending server is not among the servers the sender's domain allows in its SPF record.",
	 "spf_fail", NULL, NULL, "RFC 7372 3.2, RFC 7208 8.4"},
	{7, 24, S, "SPF validation error",
	 "The SPF check of the sender's domain ended in an error (a broken record or a DNS failure).",
	 "spf_fail", NULL, NULL, "RFC 7372 3.2, RFC 7208 8.6, 8.7"},
	{7, 25, S, "Reverse DNS validation failed",
	 "The sending server's IP address has no valid reverse DNS name.",
	 "reverse_dns", NULL, NULL, "RFC 7372 3.3"},
	{7, 26, S, "Multiple authentication checks failed",
	 "The message failed more than one sender authentication check (such as SPF and DKIM).",
	 "unauthenticated_sender", NULL, NULL, "RFC 7372 3.4"},
	{7, 27, S, "Sender address has null MX",
	 "The sender's domain publishes a null MX: it never receives mail, so it could not get a "
	 "bounce, and the receiver refuses mail from it.",
	 "null_mx", NULL, NULL, "RFC 7505 4"},
	{7, 28, S, "Mail flood detected",
	 "The message looks like part of a flood of similar mail from this sender, so the receiver "
	 "slows it down or refuses it.",
	 "rate_limited", NULL, NULL, "IANA registry (X.7.28)"},
	{7, 29, S, "ARC validation failure",
	 "The message's ARC chain (the record of authentication results kept by forwarders) did not "
	 "validate.",
	 "unauthenticated_sender", NULL, NULL, "RFC 8617 6"},
	{7, 30, S, "REQUIRETLS support required",
	 "The sender asked for TLS on every hop (REQUIRETLS), and the next hop does not support it.",
	 "tls_required", NULL, NULL, "RFC 8689 5"},
};

#undef W
#undef G
#undef S

const struct codes_enhanced *codes_enhanced(int subject, int detail)
{
	for (size_t i = 0; i < ARRAY_LEN(registry); i++)
		if (registry[i].subject == subject && registry[i].detail == detail)
			return &registry[i];
	return NULL;
}

size_t codes_enhanced_count(void) { return ARRAY_LEN(registry); }

const struct codes_enhanced *codes_enhanced_at(size_t i)
{
	return i < ARRAY_LEN(registry) ? &registry[i] : NULL;
}

const char *codes_enh_class(int cls) { return cls >= 0 && cls <= 9 ? enh_class[cls] : NULL; }

const char *codes_enh_subject(int subject) { return subject >= 0 && subject <= 9 ? enh_subject[subject] : NULL; }
