/* codes_reasons.c - the stable reason keywords of `tern explain --json` (docs/explain.md) with
 * what each means and what the sender and the administrator should do about it.
 * Static data; no untrusted input. RFCs cited where a fix is defined by one. */
#include <string.h>

#include "explain/codes.h"
#include "lib/util.h"

/* Keep this list in step with the table in docs/explain.md: the keywords are a stable
 * interface; add new ones at the end of their group, never rename one. */
static const struct codes_reason reasons[] = {
	{"ok", "accepted",
	 "The server accepted the request.",
	 "Nothing to do.",
	 "Nothing to check.", NULL},
	{"continue", "waiting for the next step",
	 "The server accepted this step and waits for the next one: the message itself after DATA, "
	 "or the next step of a login.",
	 "Nothing to do: the mail program goes on by itself.",
	 "Nothing to check.", NULL},

	/* addresses and mailboxes */
	{"unknown_user", "the recipient address does not exist",
	 "The receiving server says there is no mailbox with this address. Usually the address has a "
	 "typo, or the person has left and the account was removed.",
	 "Check the address letter by letter, or ask the person for their current address another way. "
	 "Do not keep sending to it: mail to unknown addresses hurts the sender's reputation.",
	 "Nothing to fix on the sending side. If you run the receiving server and the address should "
	 "exist, check its users, aliases and virtual mailbox tables.",
	 "Only if the receiver's directory was briefly unavailable; the sending server retries for a while."},
	{"bad_address", "an address is malformed or not allowed",
	 "An address of the message envelope is not written in a form the server accepts, or is of a "
	 "kind it refuses (for example a non-ASCII address without SMTPUTF8, or a source route).",
	 "Check the address for stray characters, spaces or missing parts, and send again with the "
	 "corrected address.",
	 "Check what the mail program puts in MAIL FROM and RCPT TO: angle brackets, quoting, and "
	 "non-ASCII characters (RFC 5321 4.1.2, RFC 6531).", NULL},
	{"bad_domain", "the recipient's domain does not exist or takes no mail",
	 "The part of the address after the @ does not name a domain that receives mail: it is not in "
	 "the DNS, or it has no mail server.",
	 "Check the spelling of the domain (gmial.com instead of gmail.com is a classic) and ask the "
	 "person for a current address.",
	 "Look up the domain's MX and A records (dig MX example.org). If the domain is yours, publish "
	 "MX records that point to a working mail server.", NULL},
	{"bad_sender", "the sender address was refused",
	 "The receiving server refused the sender address (MAIL FROM): its domain does not exist or "
	 "does not resolve, or the address is malformed, so replies and bounces could not come back.",
	 "Send from a valid address whose domain exists; check the From address configured in your "
	 "mail program.",
	 "Make sure the envelope sender's domain resolves (MX or A record) and that nothing rewrites it "
	 "to an internal name such as localhost or a private host name.", NULL},
	{"moved", "the recipient has moved",
	 "The mailbox is no longer at this server or no longer belongs to the person you meant. The "
	 "reply text may name a new address.",
	 "Write to the new address if the reply names one, and update your address book.",
	 "Nothing to fix on the sending side.", NULL},
	{"mailbox_unavailable", "the mailbox is unavailable",
	 "The receiving server did not accept mail for this mailbox. The code alone does not say why: "
	 "the mailbox may not exist, be busy or locked, or be refused by policy. The reply text "
	 "usually says more.",
	 "Read the text of the reply for the cause. If it is unclear, check the address and reach the "
	 "person another way.",
	 "Look at the full reply text and the enhanced code; if you run the receiving server, its log "
	 "for this recipient says why.", NULL},
	{"mailbox_full", "the recipient's mailbox is full",
	 "The recipient's mailbox is over its storage quota, so it cannot take new mail until its "
	 "owner deletes some.",
	 "Tell the recipient another way, or send again later. Do not resend big attachments: share a "
	 "link instead.",
	 "Nothing to fix on the sending side. If you run the receiving server, check the mailbox quota "
	 "and the free disk space.",
	 "Once the recipient has freed space; the sending server keeps retrying for several days."},
	{"mailbox_disabled", "the recipient's mailbox is disabled",
	 "The mailbox exists but does not accept mail: the account was disabled, suspended or closed, "
	 "often because it is no longer used.",
	 "Reach the person another way and ask for a current address.",
	 "Nothing to fix on the sending side; remove or update the address on your lists.", NULL},
	{"message_too_big", "the message is too big",
	 "The message is larger than the receiving server or the mailbox accepts. Attachments grow by "
	 "about a third when they are sent by email (base64).",
	 "Send a smaller message: remove or compress the attachments, or share them through a link.",
	 "Compare the message size with the SIZE the receiving server announces after EHLO "
	 "(RFC 1870) and with your own message_size_limit.", NULL},
	{"too_many_recipients", "too many recipients in one message",
	 "The server takes only a limited number of recipients per message or per connection; the "
	 "others were refused this time.",
	 "Nothing to do if a mail server sends for you: it sends to the remaining recipients in "
	 "another transaction. Otherwise split the list of recipients.",
	 "Check that the sending software retries the refused recipients in a new transaction "
	 "(RFC 5321 4.5.3.1.8 and 4.5.3.1.10).",
	 "At once, in a new transaction for the remaining recipients."},

	/* the receiver's checks on the sender */
	{"relay_denied", "the server refuses to relay for you",
	 "The server only accepts mail for its own domains. It refused to pass the message on to "
	 "another domain because it does not know the sender: not logged in, and not on its list of "
	 "trusted networks.",
	 "If this is your provider's server, turn on authentication (your username and password for "
	 "outgoing mail) in your mail program, usually on port 587 or 465. Otherwise send through "
	 "your own provider.",
	 "Clients that send through this server must log in (SMTP AUTH) or be in relay_networks. If "
	 "the recipient's domain is yours, add it to the server's local domains.", NULL},
	{"greylisted", "temporarily refused by greylisting",
	 "The receiving server uses greylisting: it turns away mail from a sender it has not seen "
	 "before for a few minutes, expecting a real mail server to come back. Nothing is wrong with "
	 "the message.",
	 "Nothing to do: the sending server retries by itself and the message goes through in a few "
	 "minutes.",
	 "Make sure your server retries deferred mail (it does by default) from the same IP address, "
	 "or the greylisting delay starts over.",
	 "After a few minutes (usually 1 to 15), from the same sending address."},
	{"rate_limited", "too much mail too fast: rate limited",
	 "The receiving server limits how much mail it accepts in a period of time, from this sender, "
	 "this IP address or for this recipient. Either many messages were sent quickly, or the "
	 "provider slows down senders it does not know yet.",
	 "Send later, and fewer messages at a time. Bulk mail needs a sending service that spreads the "
	 "load.",
	 "Lower the number of parallel connections and of messages per connection to this "
	 "destination, spread sending over time, and check the provider's postmaster pages for its "
	 "limits and for complaints about your IP address.",
	 "Later, once the rate has dropped: retries minutes to hours apart usually get through."},
	{"blocklisted", "the sending IP address or domain is blocklisted",
	 "The receiving server refused the sending server because its IP address or domain is on a "
	 "blocklist (DNSBL) or has a poor reputation, usually because spam was sent from it.",
	 "You cannot fix this from your mail program. Tell the administrator of your mail server or "
	 "your provider, and quote this reply.",
	 "Look up the IP address on the list named in the reply (Spamhaus, Spamcop, Barracuda...), "
	 "find and stop the cause (an infected machine, a stolen password, an open relay), then ask "
	 "for removal. Check reverse DNS, SPF, DKIM and DMARC too.",
	 "Only after the address has been removed from the list."},
	{"reverse_dns", "the sending server has no valid reverse DNS",
	 "The receiving server looked up the sending server's IP address in the DNS and found no "
	 "proper name for it (PTR record), or that name does not point back to the same address.",
	 "Tell the administrator of your mail server and quote this reply.",
	 "Ask the owner of the IP address (the hosting or Internet provider) to set a PTR record to "
	 "the server's host name, make that name's A/AAAA record point back to the same address, and "
	 "use the same name in EHLO.", NULL},
	{"spf_fail", "the message failed SPF",
	 "The sender's domain publishes an SPF record that lists the servers allowed to send its mail, "
	 "and the server that sent this message is not on it (or the SPF check ended in an error).",
	 "If the address is on your own domain, tell its administrator. If a website or an app sends "
	 "in your name, it must send from its own domain or be added to your SPF record.",
	 "Check the domain's SPF TXT record (RFC 7208): it must include every server and service that "
	 "sends for the domain, be valid, and need at most 10 DNS lookups. Forwarding breaks SPF; DKIM "
	 "survives it.", NULL},
	{"dkim_fail", "the message failed DKIM",
	 "The message had no valid DKIM signature that the receiver accepts: the signature is "
	 "missing, broken because the message was changed on the way, or made by a domain unrelated to "
	 "the From address.",
	 "Tell the administrator of the sending domain and quote this reply.",
	 "Sign outgoing mail with DKIM (RFC 6376) for the From domain, publish the key in DNS, and make "
	 "sure nothing changes the message after signing (footers, mailing lists, filters).", NULL},
	{"dmarc_fail", "the message failed DMARC",
	 "The From domain publishes a DMARC policy, and this message passed neither SPF nor DKIM for "
	 "that same domain, so the receiver applied the policy and refused it.",
	 "If you write from your own domain, tell its administrator. A service that sends in your name "
	 "(newsletters, forms, forwarding) must be set up with SPF and DKIM for your domain.",
	 "Make SPF or DKIM pass for the very domain of the From header (alignment, RFC 7489), and read "
	 "the DMARC aggregate reports to find the sources that fail.", NULL},
	{"unauthenticated_sender", "the sender could not be authenticated",
	 "The receiver requires mail to pass sender authentication (SPF, DKIM, DMARC) and this message "
	 "failed those checks or carried none. Large providers refuse such mail.",
	 "Tell the administrator of the sending domain and quote this reply.",
	 "Publish SPF, sign with DKIM and publish DMARC for the sending domain; the "
	 "Authentication-Results header (RFC 8601) of a test message at the receiver shows which check "
	 "fails.", NULL},
	{"spam", "the message was judged to be spam",
	 "The receiving server's filter judged the message (its content, links, attachments or the way "
	 "it was sent) to be spam, phishing or malware, and refused it.",
	 "Make the message look less like spam: no link shorteners, no suspicious attachments, not "
	 "just an image. If it was an ordinary message, reach the recipient another way and ask them "
	 "to allow your address.",
	 "Check the IP and domain reputation, SPF/DKIM/DMARC, whether an account is compromised and "
	 "sending spam, and the provider's postmaster tools.", NULL},
	{"content", "the message format or content is not accepted",
	 "The message's format or content could not be accepted or converted: an unsupported media "
	 "type or encoding, 8-bit or non-ASCII data the path cannot carry, or lines that break the "
	 "rules.",
	 "Send the message again as a plain, ordinary message; its content or format needs to change.",
	 "Check what the mail program produces: CRLF line endings, 8BITMIME or SMTPUTF8 data without "
	 "the extension (RFC 6152, RFC 6531), the MIME structure.", NULL},

	/* the connection and the session */
	{"tls_required", "an encrypted connection (TLS) is required",
	 "The server requires the connection to be encrypted with TLS before it accepts this command "
	 "or this message.",
	 "Turn on encryption (STARTTLS or SSL/TLS) in your mail program's account settings.",
	 "Enable STARTTLS on outgoing connections (RFC 3207) with TLS versions and ciphers the other "
	 "side accepts; with REQUIRETLS (RFC 8689) every hop must support TLS.", NULL},
	{"auth_required", "login required",
	 "The server requires the client to log in (SMTP AUTH) before it accepts mail; submission "
	 "ports 587 and 465 always do.",
	 "Turn on 'outgoing server requires authentication' in your mail program and enter your "
	 "username and password.",
	 "Clients must authenticate (RFC 4954); check that the server announces AUTH (often only after "
	 "STARTTLS) and that the client uses it.", NULL},
	{"auth_failed", "login failed",
	 "The server refused the login: wrong username or password, a login method it does not allow "
	 "for this account, or a disabled account.",
	 "Check your username and password (some providers want an app password), then try again.",
	 "Check the account's credentials and that it is enabled, and which mechanisms are allowed "
	 "(RFC 4954; PLAIN and LOGIN only over TLS).", NULL},
	{"syntax", "a command was malformed",
	 "The server did not understand a command or its arguments: a typo, a missing part, or a line "
	 "that breaks the SMTP rules. The sending software is at fault, not the message.",
	 "If you use an ordinary mail program, update it or report the problem to its maker with this "
	 "reply.",
	 "Capture the SMTP dialog and compare the command before this reply with RFC 5321 4.1; common "
	 "causes are missing angle brackets in MAIL FROM or RCPT TO, bare LF line ends, and lines over "
	 "512 octets.", NULL},
	{"bad_sequence", "commands were sent in the wrong order",
	 "The command came at the wrong moment: RCPT before MAIL, DATA without an accepted recipient, "
	 "mail before HELO/EHLO or before logging in.",
	 "This is a fault of the sending software; report it with this reply.",
	 "Check the SMTP dialog: EHLO, (STARTTLS, EHLO, AUTH), MAIL, RCPT..., DATA in this order "
	 "(RFC 5321 4.1.4); with pipelining, one refused command makes the next ones fail too.", NULL},
	{"not_implemented", "a command or option is not supported",
	 "The server does not support the command, one of its parameters, or the extension it needs.",
	 "Usually nothing; if mail fails because of it, report it to the maker of the sending software.",
	 "Use only the extensions the server announces after EHLO (RFC 5321 4.1.1.1).", NULL},

	/* the receiving system */
	{"storage", "the receiving server is out of storage",
	 "The receiving server has no room to store the message right now: its disk or queue is full. "
	 "The fault is at the receiver, not in the message.",
	 "Nothing to do: the sending server tries again later by itself.",
	 "If you run the receiving server: free disk space on the queue's file system and look at the "
	 "size of the queue.",
	 "Later, once the receiver has freed space; the sending server retries by itself."},
	{"server_error", "the receiving server had an internal problem",
	 "The receiving server hit a problem of its own (a local error, a failed lookup, a database or "
	 "filter that did not answer) and could not finish.",
	 "Nothing to do: it is usually short-lived and the sending server retries. If it keeps failing "
	 "for a day, reach the recipient another way.",
	 "If you run the receiving server, its log at the time of this reply names the cause; check "
	 "disk, memory, DNS and the services it depends on.", NULL},
	{"network", "a network or routing problem",
	 "The message could not be passed on because of a network or routing problem: the next server "
	 "did not answer, the connection broke, DNS failed, or no route was found.",
	 "Usually nothing: the sending server retries. If it keeps failing, check the spelling of the "
	 "recipient's domain.",
	 "Check DNS (MX, A and AAAA records of the destination), outgoing connections to port 25 (many "
	 "networks block them), firewalls, and whether the remote server is up.", NULL},
	{"timeout", "a time limit ran out",
	 "A time limit ran out: the connection was idle too long, or the message waited in the queue "
	 "longer than allowed and the sending server gave up.",
	 "If delivery was given up, send the message again later; if a connection timed out, the "
	 "mail program tries again.",
	 "Look for slow DNS, slow content filters, or network trouble between the servers; compare the "
	 "timeouts with RFC 5321 4.5.3.2.", NULL},
	{"service_unavailable", "the mail service is unavailable",
	 "The receiving server is not taking mail now (overloaded, shutting down, in maintenance) or, "
	 "when the reply is permanent, does not take mail at all.",
	 "For a temporary reply, nothing to do: the sending server retries. For a permanent one, this "
	 "address cannot receive mail; ask for another.",
	 "Check the receiving server's state and its connection limits; a permanent 521 or 554 at "
	 "connection time means the host offers no mail service (RFC 7504).", NULL},
	{"loop", "the message is in a mail loop",
	 "The message has passed through too many servers (too many Received header fields): it is "
	 "probably going round in a loop, for example two forwarding rules pointing at each other.",
	 "Tell the recipient's administrator: a forwarding setting is probably wrong.",
	 "Follow the Received fields of the returned message to find the servers that pass it back "
	 "and forth; check forwarding, aliases and relay routes (RFC 5321 6.3).", NULL},
	{"null_mx", "the domain does not accept mail (null MX)",
	 "The domain publishes a 'null MX' record (RFC 7505), which says it never receives email. Mail "
	 "to it, or with it as the sender address, cannot work.",
	 "Use another address: this domain does not receive mail.",
	 "If the domain is yours and should receive mail, replace the null MX (MX 0 \".\") with real "
	 "MX records; if it sends mail, it must also be able to receive bounces.", NULL},
	{"policy", "refused by the receiver's policy",
	 "The receiving server's rules refused the message or the sender. The exact rule is in the "
	 "reply text, if anywhere.",
	 "Read the reply text; if the cause is unclear, reach the recipient another way or write to "
	 "the receiver's postmaster (postmaster@ their domain).",
	 "Read the reply text and the receiver's postmaster pages; the usual causes are reputation, "
	 "sender authentication (SPF, DKIM, DMARC), reverse DNS and content.", NULL},
	{"other", "an unrecognised reply",
	 "The reply matches no known cause. Its first digit still tells whether the request worked, "
	 "failed for now, or failed for good.",
	 "Read the reply text for the cause.",
	 "Look at the full reply and at the logs of both servers.", NULL},
};

const struct codes_reason *codes_reason(const char *keyword)
{
	if (keyword == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(reasons); i++)
		if (strcmp(reasons[i].keyword, keyword) == 0)
			return &reasons[i];
	return NULL;
}

size_t codes_reason_count(void) { return ARRAY_LEN(reasons); }

const struct codes_reason *codes_reason_at(size_t i) { return i < ARRAY_LEN(reasons) ? &reasons[i] : NULL; }
