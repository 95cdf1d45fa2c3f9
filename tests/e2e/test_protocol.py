"""Issue 2, the protocol: commands, their sequence and their syntax, byte-exact with the Raw
client. Every reply is checked for its basic code AND its enhanced code (RFC 2034: none on
the greeting, on HELO/EHLO replies and on 3xx)."""
import os
import time

import pytest


def ready(raw, helo="EHLO client.example"):
    c = raw()
    c.greet(helo)
    return c


# --- greeting, HELO/EHLO, the simple commands -------------------------------------------

def test_greeting(raw):
    c = raw()
    text = c.expect(220)
    assert len(text) == 1
    assert text[0].startswith("mx.test.example ESMTP")


def test_helo(raw):
    c = raw()
    c.expect(220)
    text = c.expect_cmd("HELO client.example", 250)
    assert text[0].startswith("mx.test.example")
    assert "client.example" in text[0]


def test_ehlo_lists_extensions(raw):
    c = raw()
    c.expect(220)
    text = c.expect_cmd("EHLO client.example", 250)
    assert text[0].startswith("mx.test.example")
    exts = text[1:]
    for e in ("SIZE 10485760", "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "HELP"):
        assert e in exts, exts
    # known, not implemented yet: must not be advertised
    for e in exts:
        assert e.split()[0] not in ("STARTTLS", "AUTH", "CHUNKING", "DSN", "BINARYMIME")


def test_ehlo_size_follows_message_size_limit(make_ternd, raw_to):
    t = make_ternd(conf={"message_size_limit": "2048"})
    c = raw_to(t)
    assert "SIZE 2048" in c.greet()


def test_quit(raw):
    c = ready(raw)
    c.expect_cmd("QUIT", 221, "2.0.0")
    assert c.closed()


def test_noop_and_rset(raw):
    c = ready(raw)
    c.expect_cmd("NOOP", 250, "2.0.0")
    c.expect_cmd("NOOP anything at all", 250, "2.0.0")  # RFC 5321 4.1.1.9: argument ignored
    c.expect_cmd("RSET", 250, "2.0.0")
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("RSET", 250, "2.0.0")
    # the transaction is gone: RCPT is out of sequence, a new MAIL is fine
    c.expect_cmd("RCPT TO:<alice@test.example>", 503, "5.5.1")
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")


def test_noop_and_rset_before_helo(raw):
    c = raw()
    c.expect(220)
    c.expect_cmd("NOOP", 250, "2.0.0")
    c.expect_cmd("RSET", 250, "2.0.0")


def test_vrfy_does_not_disclose_users(raw):
    c = ready(raw)
    known = c.expect_cmd("VRFY alice", 252, "2.0.0")
    known_full = c.expect_cmd("VRFY <alice@test.example>", 252, "2.0.0")
    unknown = c.expect_cmd("VRFY nosuchuser", 252, "2.0.0")
    unknown_full = c.expect_cmd("VRFY <nosuchuser@test.example>", 252, "2.0.0")
    assert known == unknown == known_full == unknown_full


def test_expn_refused(raw):
    c = ready(raw)
    c.expect_cmd("EXPN staff", 502, "5.5.1")
    c.expect_cmd("EXPN alice", 502, "5.5.1")


def test_help(raw):
    c = ready(raw)
    lines = c.expect_cmd("HELP", 214, "2.0.0")
    assert len(lines) >= 1


def test_help_reply_code(raw):
    c = ready(raw)
    lines = c.expect_cmd("HELP 550", 214, "2.0.0")
    assert len(lines) >= 1 and all(l.strip() for l in lines)


def test_help_command(raw):
    c = ready(raw)
    lines = c.expect_cmd("HELP MAIL", 214, "2.0.0")
    assert any("MAIL FROM:" in l for l in lines)
    c.expect_cmd("HELP mail", 214, "2.0.0")  # verbs are case-insensitive


def test_help_unknown_topic(raw):
    c = ready(raw)
    c.expect_cmd("HELP FROBNICATE", 504, "5.5.4")


@pytest.mark.parametrize("line", ["RSET now", "QUIT now", "VRFY"])
def test_arguments_where_none_or_some_are_required(raw, line):
    c = ready(raw)
    c.expect_cmd(line, 501, "5.5.4")
    c.expect_cmd("NOOP", 250, "2.0.0")  # QUIT with an argument did not close


def test_data_with_argument(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA now", 501, "5.5.4")
    c.expect_cmd("NOOP", 250, "2.0.0")  # still in command mode


def test_verbs_case_insensitive(raw):
    c = raw()
    c.expect(220)
    c.expect_cmd("ehlo client.example", 250)
    c.expect_cmd("mail from:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("RcPt To:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("noop", 250, "2.0.0")
    c.expect_cmd("quit", 221, "2.0.0")


# --- unknown, unimplemented, over-long and malformed command lines ------------------------

def test_unknown_command(raw):
    c = ready(raw)
    c.expect_cmd("FROBNICATE", 500, "5.5.2")
    c.expect_cmd("MAILFROM:<a@test.example>", 500, "5.5.2")
    c.expect_cmd("NOOP", 250, "2.0.0")


@pytest.mark.parametrize("verb", ["STARTTLS", "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "BDAT 10 LAST", "ETRN test.example", "TURN"])
def test_known_but_unimplemented(raw, verb):
    c = ready(raw)
    c.expect_cmd(verb, 502, "5.5.1")
    c.expect_cmd("NOOP", 250, "2.0.0")


def test_line_of_exactly_512_octets_accepted(raw):
    c = ready(raw)
    line = b"NOOP " + b"x" * (512 - 5 - 2) + b"\r\n"
    assert len(line) == 512
    c.send(line)
    c.expect(250, "2.0.0")


def test_line_of_513_octets_refused_and_session_usable(raw):
    c = ready(raw)
    line = b"NOOP " + b"x" * (513 - 5 - 2) + b"\r\n"
    assert len(line) == 513
    c.send(line)
    c.expect(500, "5.5.2")
    assert c.nothing_pending()  # exactly one reply for the one line
    c.expect_cmd("NOOP", 250, "2.0.0")
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")


def test_very_long_line_in_pieces_one_reply(raw):
    """A 100 kB line sent in pieces is discarded up to its LF and answered once."""
    c = ready(raw)
    c.send(b"MAIL FROM:<")
    for _ in range(10):
        c.send(b"a" * 10000)
    c.send(b"@test.example>\r\nNOOP\r\n")
    c.expect(500, "5.5.2")
    c.expect(250, "2.0.0")
    assert c.nothing_pending()
    # the discarded line did not start a transaction
    c.expect_cmd("RCPT TO:<alice@test.example>", 503, "5.5.1")


def test_bare_lf_command(raw):
    c = ready(raw)
    c.send(b"NOOP\n")
    c.expect(500, "5.5.2")
    c.expect_cmd("NOOP", 250, "2.0.0")


def test_bare_cr_inside_command(raw):
    c = ready(raw)
    c.send(b"NOOP\rRSET\r\n")
    c.expect(500, "5.5.2")
    assert c.nothing_pending()
    c.expect_cmd("NOOP", 250, "2.0.0")


def test_bare_lf_mail_is_not_executed(raw):
    """A command ending in bare LF is refused, not executed."""
    c = ready(raw)
    c.send(b"MAIL FROM:<a@test.example>\n")
    c.expect(500, "5.5.2")
    c.expect_cmd("RCPT TO:<alice@test.example>", 503, "5.5.1")


# --- 501 5.5.4 and 553 5.1.3: arguments --------------------------------------------------

@pytest.mark.parametrize("line", ["EHLO", "HELO", "EHLO ", "HELO "])
def test_hello_without_domain(raw, line):
    c = raw()
    c.expect(220)
    c.expect_cmd(line, 501, "5.5.4")
    # still not greeted: MAIL is out of sequence
    c.expect_cmd("MAIL FROM:<a@test.example>", 503, "5.5.1")


@pytest.mark.parametrize("line", [
    "MAIL <a@test.example>",
    "MAIL TO:<a@test.example>",
    "MAIL",
    "MAIL FROM:<a@test.example",
    "MAIL FROM:a@test.example",
    "MAIL FROM:<a@test.example> >",
])
def test_mail_syntax(raw, line):
    c = ready(raw)
    c.expect_cmd(line, 501, "5.5.4")
    # no transaction was started
    c.expect_cmd("RCPT TO:<alice@test.example>", 503, "5.5.1")
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")


@pytest.mark.parametrize("line", ["RCPT TO:<>", "RCPT TO:alice@test.example", "RCPT TO:<alice@test.example",
                                  "RCPT <alice@test.example>", "RCPT"])
def test_rcpt_syntax(raw, line):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd(line, 501, "5.5.4")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")


def test_source_route_refused(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<@a.example:bob@test.example>", 553, "5.1.3")
    c.expect_cmd("RCPT TO:<@a.example,@b.example:bob@test.example>", 553, "5.1.3")


def test_source_route_in_mail_refused(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<@a.example:a@test.example>", 553, "5.1.3")


def test_local_part_over_64_octets(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<%s@test.example>" % ("a" * 65), 553, "5.1.3")
    # 64 octets is allowed by the syntax (and then unknown here)
    c.expect_cmd("RCPT TO:<%s@test.example>" % ("a" * 64), 550, "5.1.1")


def test_mail_local_part_over_64_octets(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<%s@test.example>" % ("a" * 65), 553, "5.1.3")


def test_mail_space_after_colon_tolerated(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM: <a@test.example>", 250, "2.1.0")


# --- 503 5.5.1: sequence ------------------------------------------------------------------

def test_mail_before_helo(raw):
    c = raw()
    c.expect(220)
    c.expect_cmd("MAIL FROM:<a@test.example>", 503, "5.5.1")


def test_rcpt_before_mail(raw):
    c = ready(raw)
    c.expect_cmd("RCPT TO:<alice@test.example>", 503, "5.5.1")


def test_data_before_mail(raw):
    c = ready(raw)
    c.expect_cmd("DATA", 503, "5.5.1")


def test_data_before_rcpt(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("DATA", 503, "5.5.1")


def test_nested_mail(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("MAIL FROM:<b@test.example>", 503, "5.5.1")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("MAIL FROM:<b@test.example>", 503, "5.5.1")


def test_data_after_every_rcpt_refused_pipelined(raw):
    """RFC 2920 3.1: MAIL/RCPT/RCPT/DATA in one send; both RCPTs refused, so DATA gets 554
    5.5.1, and the replies come back in order."""
    c = ready(raw)
    c.send(b"MAIL FROM:<a@test.example>\r\n"
           b"RCPT TO:<nobody@test.example>\r\n"
           b"RCPT TO:<bob@example.org>\r\n"
           b"DATA\r\n")
    c.expect(250, "2.1.0")
    c.expect(550, "5.1.1")
    c.expect(550, "5.7.1")
    c.expect(554, "5.5.1")
    assert c.nothing_pending()
    # DATA was refused, so the next line is a command, not message text
    c.expect_cmd("NOOP", 250, "2.0.0")


def test_ehlo_resets_transaction(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("EHLO client.example", 250)
    c.expect_cmd("RCPT TO:<alice@test.example>", 503, "5.5.1")


# --- ESMTP parameters ---------------------------------------------------------------------

def test_body_binarymime_not_implemented(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example> BODY=BINARYMIME", 504, "5.5.4")


def test_body_8bitmime_and_7bit(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example> BODY=8BITMIME", 250, "2.1.0")
    c.expect_cmd("RSET", 250, "2.0.0")
    c.expect_cmd("MAIL FROM:<a@test.example> BODY=7BIT SIZE=100", 250, "2.1.0")


def test_unknown_mail_parameter(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example> FOO=bar", 555, "5.5.4")


def test_rcpt_parameter_refused(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example> NOTIFY=NEVER", 555, "5.5.4")
    c.expect_cmd("RCPT TO:<alice@test.example> ORCPT=rfc822;alice@test.example", 555, "5.5.4")


def test_size_not_a_number(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<a@test.example> SIZE=abc", 501, "5.5.4")
    c.expect_cmd("MAIL FROM:<a@test.example> SIZE=", 501, "5.5.4")


def test_mail_parameters_after_helo(raw):
    """Parameters exist only after EHLO (RFC 5321 4.1.1.2, 4.1.1.11)."""
    c = ready(raw, "HELO client.example")
    c.expect_cmd("MAIL FROM:<a@test.example> SIZE=100", 555, "5.5.4")
    c.expect_cmd("MAIL FROM:<a@test.example> BODY=8BITMIME", 555, "5.5.4")
    c.expect_cmd("MAIL FROM:<a@test.example>", 250, "2.1.0")


# --- DATA: the end of the message, SMTP smuggling, dot-stuffing, pipelining ------------------

SMUGGLED = (b"MAIL FROM:<sender@test.example>\r\n"
            b"RCPT TO:<bob@test.example>\r\n"
            b"DATA\r\n"
            b"Subject: smuggled\r\n\r\nsmuggled\r\n")


def assert_no_mail(t):
    for root, _, files in os.walk(t.mail):
        assert files == [], (root, files)


@pytest.mark.parametrize("fake_end", [b"\n.\r\n", b"\r\n.\n", b"\r.\r\n", b"\n.\n", b"\r\n.\r", b"\n..\r\n"],
                         ids=["LF.CRLF", "CRLF.LF", "CR.CRLF", "LF.LF", "CRLF.CR", "LF..CRLF"])
@pytest.mark.parametrize("split", [False, True], ids=["one-send", "byte-by-byte"])
def test_smtp_smuggling(ternd, raw, fake_end, split):
    """Only CRLF.CRLF ends the message. A fake end is message text, the message has a bare
    CR or LF so it is refused whole (554 5.6.0), and what follows the fake end never becomes
    a command or a second message."""
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    data = b"Subject: first\r\n\r\nfirst" + fake_end + SMUGGLED + b".\r\n"
    if split:
        head, tail = data.split(fake_end, 1)
        c.send(head)
        for i in range(len(fake_end)):
            time.sleep(0.02)
            c.send(fake_end[i:i + 1])
        time.sleep(0.02)
        c.send(tail)
    else:
        c.send(data)
    c.expect(554, "5.6.0")
    assert c.nothing_pending(0.5)  # one reply for one message: no 250/354 from smuggled commands
    c.expect_cmd("NOOP", 250, "2.0.0")
    # the session is in no transaction
    c.expect_cmd("RCPT TO:<bob@test.example>", 503, "5.5.1")
    time.sleep(0.3)
    assert_no_mail(ternd)


def test_bare_lf_in_body_refused(ternd, raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    c.send(b"Subject: lf\r\n\r\nline one\nline two\r\n.\r\n")
    c.expect(554, "5.6.0")
    c.expect_cmd("NOOP", 250, "2.0.0")
    time.sleep(0.3)
    assert_no_mail(ternd)


def test_dot_unstuffing_byte_exact(ternd, raw):
    """RFC 5321 4.5.2: the first dot of a line is removed; everything else is kept byte for
    byte (8-bit text, long lines, blank lines, trailing spaces)."""
    body = (b"Subject: dots\r\n"
            b"\r\n"
            b".line\r\n"
            b".\r\n"
            b"..two\r\n"
            b" .not at start\r\n"
            b"trailing spaces   \r\n"
            b"\r\n"
            b"8bit: \xc3\xa9\xe2\x82\xac\xff\x80\r\n"
            + b"L" * 990 + b"\r\n"
            b".\r\n"
            b"end\r\n")
    stuffed = body.replace(b"\r\n.", b"\r\n..")
    assert stuffed.count(b"\r\n..") == 4
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<sender@test.example> BODY=8BITMIME", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    # in small pieces so that dots and CRLFs fall on read boundaries
    payload = stuffed + b".\r\n"
    for i in range(0, len(payload), 7):
        c.send(payload[i:i + 7])
    c.expect(250, "2.0.0")
    msgs = ternd.wait_messages("alice", 1)
    assert len(msgs) == 1
    stored = msgs[0]
    assert stored.endswith(body)
    # exactly our two header lines precede the body
    prefix = stored[:len(stored) - len(body)]
    assert prefix.startswith(b"Return-Path: <sender@test.example>\r\nReceived: ")
    assert prefix.count(b"\r\n") == 5  # Return-Path, Received (3 lines: from/by/for; date)


def test_pipelining_in_order(ternd, raw):
    """RFC 2920: a group in one send gets its replies in order; then body + QUIT in one send."""
    c = ready(raw)
    c.send(b"MAIL FROM:<a@test.example>\r\n"
           b"RCPT TO:<alice@test.example>\r\n"
           b"RCPT TO:<nobody@test.example>\r\n"
           b"DATA\r\n")
    c.expect(250, "2.1.0")
    c.expect(250, "2.1.5")
    c.expect(550, "5.1.1")
    c.expect(354)
    c.send(b"Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n")
    c.expect(250, "2.0.0")
    c.expect(221, "2.0.0")
    assert c.closed()
    msgs = ternd.wait_messages("alice", 1)
    assert len(msgs) == 1 and msgs[0].endswith(b"Subject: pipelined\r\n\r\nbody\r\n")


def test_pipelining_two_messages_in_one_send(ternd, raw):
    c = ready(raw)
    one = (b"MAIL FROM:<a@test.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\n"
           b"Subject: m1\r\n\r\none\r\n.\r\n")
    two = (b"MAIL FROM:<a@test.example>\r\nRCPT TO:<bob@test.example>\r\nDATA\r\n"
           b"Subject: m2\r\n\r\ntwo\r\n.\r\n")
    c.send(one + two + b"NOOP\r\n")
    for _ in range(2):
        c.expect(250, "2.1.0")
        c.expect(250, "2.1.5")
        c.expect(354)
        c.expect(250, "2.0.0")
    c.expect(250, "2.0.0")
    assert c.nothing_pending()
    assert ternd.wait_messages("alice", 1)[0].endswith(b"Subject: m1\r\n\r\none\r\n")
    assert ternd.wait_messages("bob", 1)[0].endswith(b"Subject: m2\r\n\r\ntwo\r\n")


# --- SMTPUTF8 (RFC 6531) -----------------------------------------------------------------------

def test_non_ascii_sender_needs_smtputf8(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<j\u00f6rg@test.example>", 553, "5.6.7")
    c.expect_cmd("MAIL FROM:<j\u00f6rg@test.example> SMTPUTF8", 250, "2.1.0")


def test_non_ascii_recipient_needs_smtputf8(raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<j\u00f6rg@test.example>", 553, "5.6.7")
    c.expect_cmd("RSET", 250, "2.0.0")
    c.expect_cmd("MAIL FROM:<sender@test.example> SMTPUTF8", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<j\u00f6rg@test.example>", 550, "5.1.1")  # well-formed now; not a user here


def test_smtputf8_message_delivered(ternd, raw):
    c = ready(raw)
    c.expect_cmd("MAIL FROM:<j\u00f6rg@test.example> SMTPUTF8 BODY=8BITMIME", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("DATA", 354)
    body = "Subject: gr\u00fc\u00dfe\r\n\r\n\u00e9t\u00e9\r\n".encode()
    c.send(body + b".\r\n")
    c.expect(250, "2.0.0")
    [msg] = ternd.wait_messages("alice", 1)
    assert msg.startswith("Return-Path: <j\u00f6rg@test.example>\r\n".encode())
    assert b" with UTF8SMTP id " in msg  # RFC 6531 3.7.3
    assert msg.endswith(body)
