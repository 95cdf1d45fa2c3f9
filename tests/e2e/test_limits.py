"""Issue 2, limits: message size, recipients, Received: hops, connections, errors, the idle
timeout, and the signals (SIGTERM: 421 4.3.2 and exit 0; SIGHUP: reload)."""
import os
import signal
import socket
import time

import pytest


def ready(c, helo="EHLO client.example"):
    c.greet(helo)
    return c


def start_txn(c, rcpts=("alice@test.example",)):
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    for r in rcpts:
        c.expect_cmd("RCPT TO:<%s>" % r, 250, "2.1.5")
    c.expect_cmd("DATA", 354)


def first_connection(target, raw_to, timeout=3.0):
    """Connect until greeted with 220 (bounded): the fixture's own probe connection may
    still be counted for a moment right after the start."""
    deadline = time.monotonic() + timeout
    while True:
        c = raw_to(target)
        code, lines = c.reply()
        if code == 220:
            return c
        assert code == 421 and time.monotonic() < deadline, lines
        time.sleep(0.05)


# --- message size (RFC 1870) -----------------------------------------------------------------

@pytest.fixture
def small(make_ternd):
    return make_ternd(conf={"message_size_limit": "2048"})


def test_size_parameter_over_limit(small, raw_to):
    c = ready(raw_to(small))
    c.expect_cmd("MAIL FROM:<sender@test.example> SIZE=2049", 552, "5.3.4")
    c.expect_cmd("MAIL FROM:<sender@test.example> SIZE=99999999999", 552, "5.3.4")
    # RFC 1870 size-value = 1*20DIGIT: 20 digits is well-formed even beyond 2^64
    c.expect_cmd("MAIL FROM:<sender@test.example> SIZE=99999999999999999999", 552, "5.3.4")
    c.expect_cmd("MAIL FROM:<sender@test.example> SIZE=999999999999999999999", 501, "5.5.4")
    c.expect_cmd("MAIL FROM:<sender@test.example> SIZE=2048", 250, "2.1.0")


def body_of(size, tag):
    """A message of exactly size octets (CRLF line ends), ending in CRLF."""
    head = b"Subject: %s\r\n\r\n" % tag
    line = b"x" * 70 + b"\r\n"
    body = head
    while len(body) + len(line) <= size:
        body += line
    rest = size - len(body)
    assert rest == 0 or rest >= 2
    if rest:
        body += b"y" * (rest - 2) + b"\r\n"
    assert len(body) == size
    return body


def test_message_at_limit_accepted_over_limit_refused(small, raw_to):
    """RFC 1870: the size counts the message after un-stuffing, without the final dot."""
    c = ready(raw_to(small))
    exact = body_of(2048, b"exact")
    start_txn(c)
    c.send(exact + b".\r\n")
    c.expect(250, "2.0.0")
    over = body_of(2049, b"over")
    start_txn(c)
    c.send(over + b".\r\n")
    c.expect(552, "5.3.4")
    msgs = small.wait_messages("alice", 1)
    assert len(msgs) == 1 and msgs[0].endswith(exact)


def test_dot_stuffing_does_not_count_toward_size(small, raw_to):
    c = ready(raw_to(small))
    body = body_of(2048, b"dots")
    body = body.replace(b"\r\nxxxxx", b"\r\n.xxxx")  # lines that start with a dot...
    assert len(body) == 2048
    start_txn(c)
    c.send(body.replace(b"\r\n.", b"\r\n..") + b".\r\n")  # ...are sent stuffed
    c.expect(250, "2.0.0")
    msgs = small.wait_messages("alice", 1)
    assert len(msgs) == 1 and msgs[0].endswith(body)


def test_big_body_refused_at_end_and_session_usable(small, raw_to):
    c = ready(raw_to(small))
    start_txn(c)
    big = b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * 1000  # about 1 MB
    c.send(big + b".\r\n")
    c.expect(552, "5.3.4")
    assert c.nothing_pending()  # the body was read and discarded, not taken as commands
    start_txn(c)
    c.send(b"Subject: small\r\n\r\nsmall\r\n.\r\n")
    c.expect(250, "2.0.0")
    msgs = small.wait_messages("alice", 1)
    assert len(msgs) == 1 and msgs[0].endswith(b"Subject: small\r\n\r\nsmall\r\n")
    time.sleep(0.3)
    assert len(small.messages("alice")) == 1


# --- recipients -------------------------------------------------------------------------------

def test_recipient_limit(make_ternd, raw_to):
    t = make_ternd(users=False, conf={"recipient_limit": "100"})
    c = ready(raw_to(t))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    for i in range(1, 101):
        c.expect_cmd("RCPT TO:<u%d@test.example>" % i, 250, "2.1.5")
    c.expect_cmd("RCPT TO:<u101@test.example>", 452, "4.5.3")
    c.expect_cmd("DATA", 354)
    c.send(b"Subject: many\r\n\r\nmany\r\n.\r\n")
    c.expect(250, "2.0.0")
    assert len(t.wait_messages("u100", 1)) == 1
    assert len(t.wait_messages("u1", 1)) == 1
    assert t.messages("u101") == []


def test_recipients_over_limit_pipelined_keep_the_transaction(make_ternd, raw_to):
    """RFC 5321 4.5.3.1.10: 452 tells the client to send the rest in another transaction.
    A client that pipelines 130 RCPTs gets 30 of them, and must still be able to send the
    message to the first 100: the 452s must not use up error_limit (default 20) and close
    the session (Postfix: smtpd_recipient_overshoot_limit)."""
    t = make_ternd(users=False, conf={"recipient_limit": "100"})
    c = ready(raw_to(t))
    c.send(b"MAIL FROM:<sender@test.example>\r\n" +
           b"".join(b"RCPT TO:<u%d@test.example>\r\n" % i for i in range(1, 131)) +
           b"DATA\r\n")
    c.expect(250, "2.1.0")
    for i in range(100):
        c.expect(250, "2.1.5")
    for i in range(30):
        c.expect(452, "4.5.3")
    c.expect(354)
    c.send(b"Subject: many\r\n\r\nmany\r\n.\r\n")
    c.expect(250, "2.0.0")
    assert len(t.wait_messages("u100", 1)) == 1


# --- Received: hop count --------------------------------------------------------------------

def hops(n):
    return b"".join(b"Received: from h%d.example by h%d.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n" % (i, i + 1)
                    for i in range(n))


def test_too_many_received_headers(make_ternd, raw_to):
    t = make_ternd(conf={"max_received_headers": "5"})
    c = ready(raw_to(t))
    start_txn(c)
    c.send(hops(6) + b"Subject: loop\r\n\r\nloop\r\n.\r\n")
    c.expect(554, "5.4.6")
    # the session goes on; fewer hops pass, and Received: in the body is not a header
    start_txn(c)
    body = hops(4) + b"Subject: ok\r\n\r\n" + hops(10)
    c.send(body + b".\r\n")
    c.expect(250, "2.0.0")
    msgs = t.wait_messages("alice", 1)
    assert len(msgs) == 1 and msgs[0].endswith(body)
    time.sleep(0.3)
    assert len(t.messages("alice")) == 1


# --- connections and errors -------------------------------------------------------------------

def test_connection_limit(make_ternd, raw_to):
    t = make_ternd(conf={"connection_limit": "2"})
    c1 = first_connection(t, raw_to)
    c1.expect_cmd("NOOP", 250, "2.0.0")
    c2 = raw_to(t)
    c2.expect(220)
    c3 = raw_to(t)
    c3.expect(421, "4.7.0")
    assert c3.closed()
    # the two sessions are unaffected
    c1.expect_cmd("NOOP", 250, "2.0.0")
    c2.expect_cmd("NOOP", 250, "2.0.0")
    # a slot frees when a session ends
    c1.expect_cmd("QUIT", 221, "2.0.0")
    assert c1.closed()
    c4 = first_connection(t, raw_to)
    c4.expect_cmd("NOOP", 250, "2.0.0")


def test_connection_limit_per_ip(make_ternd, raw_to):
    t = make_ternd(conf={"connection_limit_per_ip": "1"})
    c1 = first_connection(t, raw_to)
    c1.expect_cmd("NOOP", 250, "2.0.0")
    c2 = raw_to(t)
    c2.expect(421, "4.7.0")
    assert c2.closed()
    # another (loopback) address has its own count
    c3 = raw_to(t, source="127.0.0.2")
    c3.expect(220)
    c3.expect_cmd("NOOP", 250, "2.0.0")
    c1.expect_cmd("NOOP", 250, "2.0.0")


def test_error_limit(make_ternd, raw_to):
    t = make_ternd(conf={"error_limit": "3"})
    c = ready(raw_to(t))
    c.expect_cmd("BOGUS1", 500, "5.5.2")
    c.expect_cmd("BOGUS2", 500, "5.5.2")
    c.expect_cmd("BOGUS3", 500, "5.5.2")
    c.expect(421, "4.7.0")
    assert c.closed()


def test_error_limit_counts_refused_recipients(make_ternd, raw_to):
    t = make_ternd(conf={"error_limit": "3"})
    c = ready(raw_to(t))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<n1@test.example>", 550, "5.1.1")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")  # a success does not reset the count
    c.expect_cmd("RCPT TO:<n2@test.example>", 550, "5.1.1")
    c.expect_cmd("RCPT TO:<n3@example.org>", 550, "5.7.1")
    c.expect(421, "4.7.0")
    assert c.closed()


def test_idle_timeout(make_ternd, raw_to):
    t = make_ternd(conf={"timeout": "1"})
    c = ready(raw_to(t))
    # activity keeps the session alive past the timeout...
    for _ in range(4):
        time.sleep(0.5)
        c.expect_cmd("NOOP", 250, "2.0.0")
    # ...silence ends it
    start = time.monotonic()
    c.expect(421, "4.4.2")
    assert time.monotonic() - start < 3.0
    assert c.closed()


def test_idle_timeout_during_data(make_ternd, raw_to):
    t = make_ternd(conf={"timeout": "1"})
    c = ready(raw_to(t))
    start_txn(c)
    c.send(b"Subject: half\r\n\r\nhalf a message\r\n")
    start = time.monotonic()
    c.expect(421, "4.4.2")
    assert time.monotonic() - start < 3.0
    assert c.closed()
    time.sleep(0.3)
    assert t.messages("alice") == []


# --- signals -----------------------------------------------------------------------------------

def test_sigterm_idle_session_gets_421_and_exit_0(make_ternd, raw_to):
    t = make_ternd()
    c = ready(raw_to(t))
    t.proc.send_signal(signal.SIGTERM)
    c.expect(421, "4.3.2")
    assert c.closed()
    assert t.proc.wait(timeout=15) == 0
    # the listener is gone
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", t.port), timeout=1).close()


def test_sigterm_mid_transaction(make_ternd, raw_to):
    """SIGTERM: the acknowledged message is kept, the unfinished one is not, every session
    gets 421 4.3.2."""
    t = make_ternd()
    c1 = ready(raw_to(t))
    start_txn(c1)
    c1.send(b"Subject: done\r\n\r\ndone\r\n.\r\n")
    c1.expect(250, "2.0.0")
    c2 = ready(raw_to(t))
    start_txn(c2, rcpts=("bob@test.example",))
    c2.send(b"Subject: half\r\n\r\nhalf")
    time.sleep(0.2)
    t.proc.send_signal(signal.SIGTERM)
    c1.expect(421, "4.3.2")
    assert c1.closed()
    c2.expect(421, "4.3.2")  # in DATA too: the message is abandoned
    assert c2.closed()
    assert t.proc.wait(timeout=15) == 0
    # restart: the acknowledged message is (or gets) delivered, the other never
    t.start()
    assert len(t.wait_messages("alice", 1)) == 1
    time.sleep(0.3)
    assert t.messages("bob") == []


def test_sighup_reload(make_ternd, raw_to):
    t = make_ternd()
    old = ready(raw_to(t))
    with open(os.path.join(t.base, "users"), "a") as f:
        f.write("dave@test.example\n")
    t.proc.send_signal(signal.SIGHUP)
    assert t.wait_log(r"reload ok"), t.log_text()[-2000:]
    # the open session keeps working, with the configuration it started with
    old.expect_cmd("NOOP", 250, "2.0.0")
    old.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    old.expect_cmd("RCPT TO:<dave@test.example>", 550, "5.1.1")
    old.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    old.expect_cmd("DATA", 354)
    old.send(b"Subject: old session\r\n\r\nold\r\n.\r\n")
    old.expect(250, "2.0.0")
    # a new session sees the new user
    new = ready(raw_to(t))
    start_txn(new, rcpts=("dave@test.example",))
    new.send(b"Subject: new session\r\n\r\nnew\r\n.\r\n")
    new.expect(250, "2.0.0")
    assert len(t.wait_messages("dave", 1)) == 1
    assert len(t.wait_messages("alice", 1)) == 1
    assert t.proc.poll() is None


def test_sighup_bad_configuration_keeps_the_old(make_ternd, raw_to):
    t = make_ternd()
    with open(t.conf_path, "a") as f:
        f.write("no_such_setting = 1\n")
    t.proc.send_signal(signal.SIGHUP)
    assert t.wait_log(r"reload-failed"), t.log_text()[-2000:]
    assert t.proc.poll() is None
    c = ready(raw_to(t))
    c.expect_cmd("MAIL FROM:<sender@test.example>", 250, "2.1.0")
    c.expect_cmd("RCPT TO:<alice@test.example>", 250, "2.1.5")
    c.expect_cmd("RCPT TO:<nobody@test.example>", 550, "5.1.1")


# --- a client that does not read its replies ---------------------------------------------------

def flood_without_reading(port, source, seconds=3.0):
    """Connect from source, then send commands without ever reading a reply, until the
    server stops reading too (our send blocks) or seconds pass. Returns the socket.

    Each command is longer than half its reply, so that what the server reads at once
    (64 kB) never makes more than its 256 kB of output: the replies go to the socket until
    its buffers are full, and only then pile up in the server. Should the server still
    close the session while we send (it may, on output overflow with a socket that had
    room), that is not what is tested here: try again, a bounded number of times."""
    chunk = b"VRFY somebody-with-a-long-name\r\n" * 200
    for attempt in range(3):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.settimeout(0.5)
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                try:
                    s.send(chunk)
                except socket.timeout:
                    break
            return s
        except (ConnectionResetError, BrokenPipeError):
            s.close()
            time.sleep(0.2)
    raise AssertionError("the server closed every flooding session while it was still sending")


def test_client_that_does_not_read_is_dropped(make_ternd, raw_to):
    """session.c: "a client that never reads is cut off by the timeout". Its 421 cannot be
    written, so the session must be dropped, not kept (holding a slot) forever."""
    t = make_ternd(conf={"timeout": "1", "connection_limit_per_ip": "1"})
    s = flood_without_reading(t.port, "127.0.0.3")
    try:
        assert t.wait_log(r"connect sid=\S+ ip=127\.0\.0\.3 ")
        c = raw_to(t, source="127.0.0.3")
        c.expect(421, "4.7.0")  # the slot is held while the session exists
        assert t.wait_log(r"disconnect sid=\S+ ip=127\.0\.0\.3 ", timeout=8), t.log_text()[-2000:]
        c = raw_to(t, source="127.0.0.3")
        c.expect(220)
    finally:
        s.close()


def test_sigterm_exits_despite_client_not_reading(make_ternd):
    t = make_ternd(conf={"timeout": "3"})
    s = flood_without_reading(t.port, "127.0.0.3", seconds=1.5)
    try:
        t.proc.send_signal(signal.SIGTERM)
        assert t.proc.wait(timeout=10) == 0
    finally:
        s.close()


def test_pipelined_help_burst_gets_every_reply(ternd, raw):
    """64 kB of pipelined HELP commands in one send, whose replies are about a hundred times
    larger than the input: the server stops reading while its replies pile up
    (backpressure), and every command still gets its whole 214 reply, in order."""
    c = raw()
    c.greet()
    n = 6000
    c.send(b"HELP 550\r\n" * n + b"QUIT\r\n")
    for i in range(n):
        code, lines = c.reply()
        assert code == 214, (i, lines)
        assert len(lines) > 1
    code, lines = c.reply()
    assert code == 221, lines
